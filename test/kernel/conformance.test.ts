// The Jupyter conformance suite (Debian's python3-jupyter-kernel-test) against the real kernel,
// installed as a kernelspec in a temporary prefix. Its samples live in conformance.py.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hasCommand, withTool } from "../helpers/outside.ts";
import { ROOT } from "./client.ts";

const PY = "/usr/bin/python3";
const available = hasCommand(PY, ["-c", "import jupyter_kernel_test"]);

withTool(test, available, "the Jupyter kernel test suite", "apt-get install python3-jupyter-kernel-test")(
  "jupyter_kernel_test.KernelTests passes with its samples filled",
  () => {
    const prefix = mkdtempSync(join(tmpdir(), "spikelab-ks-"));
    try {
      const inst = spawnSync(process.execPath, [join(ROOT, "kernel/bin.js"), "install", "--prefix", prefix], { encoding: "utf8" });
      assert.is(inst.status, 0, inst.stderr);
      const r = spawnSync(PY, [join(ROOT, "test/kernel/conformance.py")], {
        cwd: join(ROOT, "test/kernel"),
        encoding: "utf8",
        timeout: 240_000,
        env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), JUPYTER_RUNTIME_DIR: join(prefix, "runtime"), PYTHONDONTWRITEBYTECODE: "1" },
      });
      const out = r.stderr;
      if (r.status !== 0) console.log(out);
      assert.is(r.status, 0, "the conformance suite failed (its output is above)");
      assert.match(out, /Ran 12 tests/);
      const results = Object.fromEntries([...out.matchAll(/^(test_\w+) \(.*?\) \.\.\. (\w+)/gm)].map((m) => [m[1], m[2]]));
      // Every sample attribute is filled (warn writes to stderr, clear sends clear_output): nothing skips.
      assert.is(Object.keys(results).length, 12);
      assert.equal(Object.keys(results).filter((k) => results[k] !== "ok").sort(), []);
      assert.is(results.test_execute_stderr, "ok");
      assert.is(results.test_clear_output, "ok");
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  },
);

test.run();

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hasCommand } from "../helpers/outside.ts";
import { ROOT } from "./client.ts";

const BIN = join(ROOT, "kernel/bin.js");
const spikelab = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { ...process.env, ...env } });

function pngSize(file: string): [number, number] {
  const b = readFileSync(file);
  assert.equal([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is a PNG`);
  assert.is(b.subarray(12, 16).toString("ascii"), "IHDR");
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

test("install --prefix writes kernel.json (absolute node, bin.js kernel) and 32/64 px logos; uninstall removes them", () => {
  const prefix = mkdtempSync(join(tmpdir(), "spikelab-install-"));
  try {
    const r = spikelab(["install", "--prefix", prefix]);
    assert.is(r.status, 0, r.stderr);
    const dir = join(prefix, "share/jupyter/kernels/spikelab");
    assert.is(r.stdout, `installed the spikelab kernelspec in ${dir}\n`);
    const spec = JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8"));
    assert.equal(spec, {
      argv: [process.execPath, BIN, "kernel", "--connection-file", "{connection_file}"],
      display_name: "spikelab",
      language: "spikelab",
      interrupt_mode: "message",
      metadata: { debugger: false },
    });
    assert.equal(pngSize(join(dir, "logo-32x32.png")), [32, 32]);
    assert.equal(pngSize(join(dir, "logo-64x64.png")), [64, 64]);
    if (hasCommand("/usr/bin/jupyter", ["kernelspec", "--version"])) {
      const list = spawnSync("/usr/bin/jupyter", ["kernelspec", "list", "--json"], { encoding: "utf8", env: { ...process.env, JUPYTER_PATH: join(prefix, "share/jupyter") } });
      const specs = JSON.parse(list.stdout).kernelspecs as Record<string, { resource_dir: string; spec: { language: string } }>;
      assert.is(specs.spikelab?.resource_dir, dir, "Jupyter finds the kernelspec");
      assert.is(specs.spikelab?.spec.language, "spikelab");
    }
    const u = spikelab(["uninstall", "--prefix", prefix]);
    assert.is(u.status, 0, u.stderr);
    assert.is(u.stdout, `removed ${dir}\n`);
    assert.not.ok(existsSync(dir));
    const again = spikelab(["uninstall", "--prefix", prefix]);
    assert.is(again.status, 1);
    assert.is(again.stderr, "spikelab uninstall: no spikelab kernelspec found\n");
  } finally {
    rmSync(prefix, { recursive: true, force: true });
  }
});

test("install --user follows JUPYTER_DATA_DIR", () => {
  const data = mkdtempSync(join(tmpdir(), "spikelab-user-"));
  try {
    const r = spikelab(["install", "--user"], { JUPYTER_DATA_DIR: data });
    assert.is(r.status, 0, r.stderr);
    assert.ok(existsSync(join(data, "kernels/spikelab/kernel.json")));
    assert.is(spikelab(["uninstall", "--user"], { JUPYTER_DATA_DIR: data }).status, 0);
    assert.not.ok(existsSync(join(data, "kernels/spikelab")));
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});

test("bad options get one line and a hint, not a stack", () => {
  const r = spikelab(["install", "--usr"]);
  assert.is(r.status, 2);
  assert.is(r.stderr, "error: spikelab install: unknown option '--usr'\nhint: use one of: --user, --prefix DIR, --sys-prefix (or nothing for the system-wide directory)\n");
  const p = spikelab(["install", "--prefix"]);
  assert.is(p.stderr, "error: spikelab install --prefix needs a directory\nhint: e.g. --prefix /opt/jupyter\n".replace("install --prefix", "install: --prefix"));
  const k = spikelab(["kernel"]);
  assert.is(k.status, 2);
  assert.match(k.stderr, /^spikelab kernel: missing --connection-file FILE\nhint: /);
});

test.run();

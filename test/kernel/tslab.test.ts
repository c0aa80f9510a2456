// The TypeScript route: notebooks/typescript-route.ipynb run headless by tslab (installed with
// kernel/tslab.js as its binary) in a project where spikelab is an installed package; it must
// import "spikelab" and show figures through tslab's display API.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hasCommand, withTool } from "../helpers/outside.ts";
import { ROOT } from "./client.ts";

const PY = "/usr/bin/python3";
const ok = hasCommand(PY, ["-c", "import jupyter_client, IPython, nbclient"]) && hasCommand("/usr/bin/jupyter", ["nbconvert", "--version"]);

type Output = { output_type: string; data?: Record<string, string | string[]>; text?: string | string[]; ename?: string };
const joined = (x: string | string[] | undefined) => (Array.isArray(x) ? x.join("") : (x ?? ""));

withTool(test, ok, "Jupyter with IPython and nbconvert", "apt-get install jupyter-client python3-ipykernel jupyter-nbconvert python3-nbclient")(
  "a tslab notebook imports spikelab and displays a raster (HTML + SVG) and a table",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "spikelab-tslab-"));
    try {
      // A user's project: spikelab installed in node_modules (here a link to this checkout).
      mkdirSync(join(dir, "node_modules"));
      symlinkSync(ROOT, join(dir, "node_modules", "spikelab"));
      copyFileSync(join(ROOT, "notebooks/typescript-route.ipynb"), join(dir, "nb.ipynb"));
      const prefix = join(dir, "jupyter-prefix");
      const inst = spawnSync(process.execPath, [join(ROOT, "node_modules/tslab/bin/tslab"), "install", `--python=${PY}`, `--prefix=${prefix}`, `--binary=${join(ROOT, "kernel/tslab.js")}`], { encoding: "utf8" });
      assert.is(inst.status, 0, inst.stderr);
      const env = { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), JUPYTER_RUNTIME_DIR: join(dir, "runtime") };
      const run = spawnSync("/usr/bin/jupyter", ["nbconvert", "--to", "notebook", "--execute", "nb.ipynb", "--output", "out.ipynb", "--ExecutePreprocessor.timeout=300"], { cwd: dir, encoding: "utf8", env, timeout: 400_000 });
      assert.is(run.status, 0, run.stderr);
      const nb = JSON.parse(readFileSync(join(dir, "out.ipynb"), "utf8")) as { cells: { cell_type: string; outputs?: Output[] }[] };
      const outputs = nb.cells.filter((c) => c.cell_type === "code").map((c) => c.outputs ?? []);
      assert.equal(outputs.flat().filter((o) => o.output_type === "error" || (o.output_type === "stream" && joined(o.text).includes("rror"))), []);
      const spikes = Number(joined(outputs[1]![0]!.text).trim());
      assert.ok(spikes > 150 && spikes <= 200, `spike count ${spikes}`);
      const [html, svg] = outputs[2]!;
      assert.match(joined(html!.data!["text/html"]), /embedded by spikelab for offline use[\s\S]*Plotly\.newPlot/);
      assert.is((joined(svg!.data!["image/svg+xml"]).match(/class="point"/g) ?? []).length, spikes);
      assert.is((joined(outputs[3]![0]!.data!["text/html"]).match(/<tr/g) ?? []).length, 11);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test.run();

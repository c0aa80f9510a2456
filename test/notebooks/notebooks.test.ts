// Every notebook in notebooks/ executed headless at its small CI sizes (its `parameters` cell
// replaced by metadata.spikelab.ci_parameters) with Jupyter's nbconvert under the real kernels:
// no error output anywhere, every code cell run, and the figures and numbers each one exists for.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hasCommand, withTool } from "../helpers/outside.ts";
import { installKernels, notebookFiles, runNotebook, type Notebook } from "../../notebooks/run.ts";

type Output = { output_type: string; text?: string | string[]; data?: Record<string, string | string[] | object> };
type Cell = { cell_type: string; execution_count?: number | null; outputs?: Output[] };
const joined = (x: unknown): string => (Array.isArray(x) ? x.join("") : typeof x === "string" ? x : "");

const ok = hasCommand("/usr/bin/jupyter", ["nbconvert", "--version"]) && hasCommand("/usr/bin/python3", ["-c", "import jupyter_client, IPython, nbclient"]);
const it = withTool(test, ok, "jupyter nbconvert with IPython", "apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel jupyter-client");

let dir = "";
let env: NodeJS.ProcessEnv = {};
test.before(() => {
  if (!ok) return;
  dir = mkdtempSync(join(tmpdir(), "spikelab-notebooks-"));
  env = installKernels(join(dir, "small"));
});
test.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What each notebook must show besides running clean: figure count, and text its outputs must contain. */
const EXPECT: Record<string, { figures: number; text?: RegExp[]; frames?: number }> = {
  "01-quickstart": { figures: 3, text: [/SNN vs ANN \(energy: 0\.9 pJ/, /^rate\s/m, /^ttfs\s/m, /^amos\s/m] },
  "02-rueckauer2017-mnist": { figures: 6, text: [/Rueckauer et al\. 2017, Table 1/, /ann_over_snn/, /channelwise/] },
  "03-theory": { figures: 8, frames: 3 },
  "04-amos": { figures: 7, text: [/AMOS K = 10/, /FS K = 10/] },
  "05-exact-ttfs": { figures: 5, text: [/mlp600 \(784-600-10\)\s+100\s+[\d.]+ %\s+[\d.]+ %\s+100\.00 %/, /lenet_bn_max\s+100\s+[\d.]+ %\s+[\d.]+ %\s+100\.00 %/] },
  "06-three-families": { figures: 1, text: [/exact TTFS/, /SNN energy/] },
  "07-typescript-api": { figures: 2, text: [/synaptic operations per image/] },
  "08-fashion-mnist-cifar10": { figures: 2, text: [/No CIFAR-10 copy found at \/no\/cifar\/copy\/in\/ci/, /fashion_mnist\.test\[0:100\]/] },
};

for (const file of notebookFiles()) {
  const name = basename(file, ".ipynb");
  it(`${name} runs clean at its CI sizes`, () => {
    const r = runNotebook(file, { small: true, out: join(dir, "small"), env, timeoutSeconds: 600 });
    assert.equal(r.errors, [], `${name}: ${r.errors.join("\n")}`);
    const nb = JSON.parse(readFileSync(r.executed, "utf8")) as { metadata: Notebook["metadata"]; cells: Cell[] };
    const code = nb.cells.filter((c) => c.cell_type === "code");
    // tslab leaves execution_count empty; there every cell but the parameters shows something.
    if (nb.metadata.kernelspec?.name === "tslab") assert.is(code.filter((c) => (c.outputs ?? []).length > 0).length, code.length - 1);
    else assert.ok(code.every((c) => typeof c.execution_count === "number"), "every code cell ran");
    const outs = code.flatMap((c) => c.outputs ?? []);
    const figures = outs.filter((o) => o.data !== undefined && ("application/vnd.plotly.v1+json" in o.data || /Plotly\.newPlot/.test(joined(o.data["text/html"]))));
    const want = EXPECT[name];
    assert.ok(want !== undefined, `${name} has expectations in this test`);
    assert.is(figures.length, want!.figures, `${name}: figures`);
    const text = outs.map((o) => joined(o.text) + joined(o.data?.["text/plain"])).join("\n");
    for (const re of want!.text ?? []) assert.match(text, re);
    if (want!.frames !== undefined) {
      const animated = figures.filter((o) => ((o.data!["application/vnd.plotly.v1+json"] as { frames?: unknown[] }).frames ?? []).length > 1);
      assert.is(animated.length, want!.frames, `${name}: figures with sliders or playback`);
    }
  });
}

test.run();

// The exact mapping from the language: the stdlib rule set, the robustness sweeps (ζ below 0,
// spike-time jitter) and the TTFS plots, run through the interpreter on real MNIST.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createInterpreter } from "../../dsl/interpreter.ts";
import type { Output, Value } from "../../dsl/api.ts";

async function run(source: string): Promise<{ value: Value | undefined; shown: Value[] }> {
  const shown: Value[] = [];
  const it = createInterpreter({ baseDir: process.cwd() });
  const r = await it.execute(source, "ttfs.snn", { emit: (o: Output) => { if (o.kind === "display") shown.push(o.value); } });
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.loc?.line}:${e.loc?.column} ${e.message}`).join("\n"));
  return { value: r.value, shown };
}

function rows(v: Value | undefined): Record<string, unknown>[] {
  if (v?.kind !== "table") throw new Error(`expected a table, got ${v?.kind}`);
  return v.table.rows.map((r) => Object.fromEntries(v.table.columns.map((c, i) => [c, r[i]])));
}

test("a sweep over zeta and jitter: exact at zeta 0.5, agreement below 100 % at zeta -0.5 and with jitter 0.1", async () => {
  const { value } = await run(`
use mnist_models
use stanojevic2022
sweep zeta in [0.5, -0.5], sigma in [0, 0.1] {
  r = simulate (convert lenet_avg with stanojevic2022 { zeta: zeta, jitter: sigma, window_data: mnist.train[0:20000] }) on mnist.test[0:1000]
  row { zeta: zeta, jitter: sigma, agreement: r.agreement, accuracy: accuracy(r) }
}
`);
  const t = rows(value);
  assert.is(t.length, 4);
  const at = (z: number, s: number) => t.find((r) => r.zeta === z && r.jitter === s)!.agreement as number;
  assert.is(at(0.5, 0), 1);
  assert.ok(at(-0.5, 0) < 1, `zeta -0.5: ${at(-0.5, 0)}`);
  assert.ok(at(0.5, 0.1) < 1, `jitter 0.1: ${at(0.5, 0.1)}`);
});

test("plot raster shades every layer's window; plot spike_times puts each layer on t = t_max - a", async () => {
  const { shown } = await run(`
use mnist_models
use stanojevic2022
r = simulate (convert lenet_bn_max with stanojevic2022 { window_data: mnist.train[0:5000] }) on mnist.test[0:20] { record: [3, 4] }
plot raster r { sample: 3 }
plot spike_times r
plot histogram r
`);
  const figs = shown.flatMap((v) => (v.kind === "figure" ? [v.figure] : []));
  assert.is(figs.length, 3);
  const [raster, times] = figs as [typeof figs[0], typeof figs[0]];
  // One shaded window per layer drawn (input, conv1, maxpool1, conv2, maxpool2, dense1, dense2).
  const shapes = (raster!.layout.shapes ?? []) as { x0: number; x1: number }[];
  assert.is(shapes.length, 7);
  assert.ok(shapes.every((s) => s.x1 > s.x0));
  // Every recorded neuron lies on its layer's line: |t − (t_max − a)| small (float32 storage).
  const lines = times!.data.filter((d) => d.mode === "lines") as { x: number[]; y: number[] }[];
  const points = times!.data.filter((d) => d.mode === "markers") as { x: Float64Array; y: Float64Array }[];
  assert.is(lines.length, points.length);
  points.forEach((p, k) => {
    const l = lines[k]!;
    const slope = (l.y[1]! - l.y[0]!) / (l.x[1]! - l.x[0]!);
    assert.ok(Math.abs(slope + 1) < 1e-9);
    const intercept = l.y[0]! + l.x[0]!;
    for (let i = 0; i < p.x.length; i++) assert.ok(Math.abs(p.y[i]! - (intercept - p.x[i]!)) < 1e-4);
  });
});

test("a network outside the exact mapping is refused at its convert statement, naming the layer and the fix", async () => {
  const it = createInterpreter({ baseDir: process.cwd() });
  const r = await it.execute(`use mnist_models
use stanojevic2022
snn = convert lenet_silu with stanojevic2022 { window_data: mnist.train[0:100] }
`, "silu.snn", { emit: () => undefined });
  assert.is(r.ok, false);
  if (r.ok) return;
  const e = r.errors[0]!;
  assert.is(e.code, "unsupported");
  assert.match(e.message, /layer 'silu1' \(silu\) is not a ReLU/);
  assert.match(e.hint ?? "", /AMOS/);
  assert.is(e.loc?.line, 3);
});

test.run();

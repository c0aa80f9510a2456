// The builtins and plots the notebooks read results with (accuracy_at, ops_at, steps_to, info,
// summary, existing; plot lines / neuron / convergence / scatter over T / raster play), run on a
// small rate simulation of synthetic data, checked against the result's own curves.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Output, Value } from "../../dsl/api.ts";
import { createInterpreter } from "../../dsl/interpreter.ts";

const PROGRAM = `
use rueckauer2017
data = synthetic(count: 300, test_count: 40, seed: 2)
network tiny (input 1x8x8) {
  flatten
  dense 16 -> relu
  dense 4
}
train tiny on data.train { epochs: 3, batch: 32, lr: 0.01, seed: 1 }
snn = convert tiny with rueckauer2017 { norm_data: data.train }
r = simulate snn on data.test { steps: 40, record: [0, 1], compare: 20 }
r10 = simulate snn on data.test { steps: 10, compare: 20 }
t = steps_to(r, r.annAccuracy)
a5 = accuracy_at(r, 5)
o5 = ops_at(r, 5)
never = steps_to(r, 2)
corr = info(r, "correlation:relu1")
tab = sweep T in [1, 5, 40] {
  row { steps: T, accuracy: accuracy_at(r, T), ops: ops_at(r, T) }
}
s = summary([r, r10], synop_pj: 2, mac_pj: 10)
here = existing(["/", "/no/such/folder"])
label = "on " + r.data
plot lines tab { x: "steps", y: "accuracy, ops", log_y: true }
plot neuron rueckauer2017 { T: [10, 20] }
plot convergence r10, r
plot scatter r10, r
plot raster r { play: true }
`;

test("result builtins read the curves; the notebook plots draw", async () => {
  const outs: Output[] = [];
  const it = createInterpreter({ baseDir: "/tmp" });
  const res = await it.execute(PROGRAM, "nb.snn", { emit: (o) => outs.push(o) });
  assert.ok(res.ok, res.ok ? "" : res.errors.map((e) => e.message).join("; "));
  const n = (k: string): number => (it.names().get(k) as Extract<Value, { kind: "number" }>).value;
  const r = (it.names().get("r") as Extract<Value, { kind: "result" }>).result;
  const o = r.overTime!;
  assert.is(n("a5"), o.accuracy[4]);
  assert.is(n("o5"), o.synapticOps[4]);
  assert.is(n("never"), Infinity);
  const t = n("t");
  const first = Array.from(o.accuracy).findIndex((a) => a >= r.annAccuracy - 1e-12);
  assert.is(t, o.time[first]);
  assert.is(n("corr"), r.info["correlation:relu1"]);
  const tab = (it.names().get("tab") as Extract<Value, { kind: "table" }>).table;
  assert.equal(tab.rows.map((row) => row[2]), [o.synapticOps[0], o.synapticOps[4], o.synapticOps[39]]);
  const s = (it.names().get("s") as Extract<Value, { kind: "table" }>).table;
  assert.match(s.title ?? "", /2 pJ per synaptic operation, 10 pJ per ANN MAC/);
  assert.is(s.rows[0]![s.columns.indexOf("SNN energy (µJ)")], r.synapticOpsTotal * 2e-12 * 1e6);
  assert.equal(it.names().get("label"), { kind: "string", value: "on synthetic_blobs.test[0:40]" });
  const here = it.names().get("here") as Extract<Value, { kind: "list" }>;
  assert.equal(here.items, [{ kind: "string", value: "/" }]);
  const figs = outs.flatMap((x) => (x.kind === "display" && x.value.kind === "figure" ? [x.value.figure] : []));
  assert.is(figs.length, 5);
  assert.equal(figs.map((f) => f.frames?.length ?? 0), [0, 2, 0, 2, figs[4]!.frames!.length]);
  assert.ok(figs[4]!.frames!.length >= 5, "the raster plays over several frames");
  // convergence: one series per compared layer plus the 1/T line, x = [10, 40].
  assert.equal(Array.from(figs[2]!.data[0]!.x as Float64Array), [10, 40]);
});

test("their errors name the fix", async () => {
  const it = createInterpreter({ baseDir: "/tmp" });
  const bad = await it.execute(`use rueckauer2017\ndata = synthetic(count: 100, test_count: 10)\nnetwork n (input 1x8x8) {\n  flatten\n  dense 4\n}\ntrain n on data.train\nr = simulate (convert n with rueckauer2017 { norm_data: data.train }) on data.test { steps: 5 }\nx = info(r, "nope")`, "e.snn", { emit: () => {} });
  assert.not.ok(bad.ok);
  if (!bad.ok) assert.match(bad.errors[0]!.message, /has no figure 'nope'/);
});

test.run();

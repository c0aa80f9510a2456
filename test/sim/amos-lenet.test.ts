// The stdlib LeNets through the language's AMOS and FS rule sets on a real MNIST slice (the path a
// user's program takes): AMOS-ReLU at K = 10 agrees with its ANN, K = 3 loses accuracy, FS equals
// AMOS output for output, the fitted SiLU circuits keep the SiLU LeNet's accuracy, and every AMOS
// plot kind draws. The full 10,000-image figures are in test/verify/amos.verify.ts.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterpreter } from "../../dsl/interpreter.ts";
import type { Output, Value } from "../../dsl/api.ts";
import type { SimResult } from "../../stdlib/ir/results.ts";

const models = new URL("../../stdlib/models/", import.meta.url).pathname;
const results = new Map<string, SimResult>();
const shown: Value[] = [];
// Fits go to a fresh cache: this test measures fitting as a user's first run would.
process.env.SPIKELAB_CACHE_DIR = mkdtempSync(join(tmpdir(), "amos-lenet-"));

test("stockl2019_amos and stockl2021_fs on the stdlib LeNets, test[0:500]", async () => {
  const interp = createInterpreter({ baseDir: models });
  const program = `
use stockl2019_amos
use stockl2021_fs
dataset mnist = mnist()
load lenet from "lenet_avg.spikelab"
load lenet_silu from "lenet_silu.spikelab"
k10 = simulate (convert lenet with stockl2019_amos { calib_data: mnist.train[0:2000] }) on mnist.test[0:500] { workers: 1, record: [0, 1] }
k3 = simulate (convert lenet with stockl2019_amos { K: 3, calib_data: mnist.train[0:2000] }) on mnist.test[0:500] { workers: 1 }
fs = simulate (convert lenet with stockl2021_fs { calib_data: mnist.train[0:2000] }) on mnist.test[0:500] { workers: 1, record: [0, 1] }
silu = simulate (convert lenet_silu with stockl2019_amos { K_silu: 8, fit_restarts: 0, fit_points: 20000, calib_data: mnist.train[0:2000] }) on mnist.test[0:500] { workers: 1 }
plot staircase stockl2019_amos { gate: relu, K: [2, 4] }
plot fit_error stockl2019_amos { gate: sigmoid, K: [1, 2, 3], range: [-6, 6] }
plot accuracy_vs_K k3, k10
plot raster fs
plot histogram k10 { of: spikes_per_neuron }
plot accuracy k10
plot scatter k10
`;
  const r = await interp.execute(program, "amos.snn", { emit: (o: Output) => o.kind === "display" && shown.push(o.value) });
  assert.ok(r.ok, r.ok ? "" : r.errors.map((e) => `${e.message} ${e.hint ?? ""}`).join("; "));
  for (const name of ["k10", "k3", "fs", "silu"]) {
    const v = interp.names().get(name);
    assert.ok(v?.kind === "result", name);
    if (v?.kind === "result") results.set(name, v.result);
  }
  assert.is(shown.filter((v) => v.kind === "figure").length, 7);
});

test("AMOS-ReLU at K = 10 agrees with its ANN; at K = 3 it does not", () => {
  const k10 = results.get("k10")!, k3 = results.get("k3")!;
  assert.ok(k10.annAccuracy > 0.98);
  assert.ok(Math.abs(k10.accuracy - k10.annAccuracy) <= 0.004, `K=10: SNN ${k10.accuracy} vs ANN ${k10.annAccuracy}`);
  assert.ok(k10.agreement >= 0.99, `agreement ${k10.agreement}`);
  assert.ok(k3.agreement < k10.agreement, `K=3 agreement ${k3.agreement}`);
  assert.is(k10.latency.value, 40);
  assert.is(k10.info.pipeline_interval_steps, 10);
  // Inside the network the circuits' outputs follow the ANN's ReLUs closely; at K = 3 far less.
  for (const p of k10.pairs!) assert.ok(p.correlation > 0.99, `${p.layer}: r = ${p.correlation}`);
  assert.ok(k3.pairs!.some((p) => p.correlation < 0.95), k3.pairs!.map((p) => p.correlation).join(", "));
  // Anytime read-out of the last layer: its first bit alone is far worse than all ten.
  assert.ok(k10.overTime!.accuracy[0]! < k10.accuracy - 0.2);
});

test("FS: the same predictions from one neuron per gate, K times the spikes per neuron", () => {
  const k10 = results.get("k10")!, fs = results.get("fs")!;
  assert.equal(Array.from(fs.predictions), Array.from(k10.predictions));
  assert.ok(Math.abs(fs.spikesPerNeuron - 10 * k10.spikesPerNeuron) < 1e-9);
  assert.is(fs.info.form, "fs");
  const relu1 = fs.records.find((r) => r.layer === "relu1")!;
  assert.is(relu1.neurons, 6 * 28 * 28);
});

test("fitted SiLU circuits (K = 8, structured starts only) keep the SiLU LeNet within a point", () => {
  const s = results.get("silu")!;
  assert.ok(s.annAccuracy > 0.98);
  assert.ok(s.accuracy >= s.annAccuracy - 0.01, `SiLU: SNN ${s.accuracy} vs ANN ${s.annAccuracy}`);
  assert.ok(Number(s.info.spikes_per_gate) > 0);
});

test.run();

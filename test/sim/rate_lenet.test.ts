// The stdlib's trained LeNets, converted by the language's rule sets and simulated on a real
// MNIST slice, through the interpreter (so every option travels the path a user's program
// takes): the SNN approaches its ANN, reset to zero and the unnormalised output read by spike
// counts lose accuracy (the papers' and PAPERS.md's findings), the gated max-pool works, the
// recorders reach the plots. The full 10,000-image figures are in test/verify/rate.verify.ts.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createInterpreter } from "../../dsl/interpreter.ts";
import type { Output, Value } from "../../dsl/api.ts";
import type { SimResult } from "../../stdlib/ir/results.ts";

const models = new URL("../../stdlib/models/", import.meta.url).pathname;
const results = new Map<string, SimResult>();
const shown: Value[] = [];

test("rueckauer2017 and variants on LeNet (avg pool) and LeNet (BN + max pool), test[0:300]", async () => {
  const interp = createInterpreter({ baseDir: models });
  const program = `
use rueckauer2017
use lenet
dataset mnist = mnist()
load lenet from "lenet_avg.spikelab"
load lenet_bn_max from "lenet_bn_max.spikelab"
avg = simulate (convert lenet with rueckauer2017 { norm_data: mnist.train[0:2000] }) on mnist.test[0:300] { steps: 60, workers: 1, record: [0, 1], trace: [0, 2] }
zero = simulate (convert lenet with rueckauer2017 { norm_data: mnist.train[0:2000], reset: zero, output: spikes }) on mnist.test[0:300] { steps: 60, workers: 1 }
raw = simulate (convert lenet with rueckauer2017 { norm_data: mnist.train[0:2000], output: spikes, normalize_output: false }) on mnist.test[0:300] { steps: 60, workers: 1 }
bn = simulate (convert lenet_bn_max with rueckauer2017 { norm_data: mnist.train[0:2000] }) on mnist.test[0:300] { steps: 60, workers: 1 }
plot raster avg { sample: 0 }
plot membrane avg { layer: "relu2", neuron: 1 }
plot accuracy avg, zero, raw
plot ops avg, bn
plot scatter avg
plot rates bn
`;
  const r = await interp.execute(program, "rate.snn", { emit: (o: Output) => o.kind === "display" && shown.push(o.value) });
  assert.ok(r.ok, r.ok ? "" : r.errors.map((e) => e.message).join("; "));
  for (const name of ["avg", "zero", "raw", "bn"]) {
    const v = interp.names().get(name);
    assert.ok(v?.kind === "result", name);
    if (v?.kind === "result") results.set(name, v.result);
  }
});

test("the SNN approaches its ANN by 60 steps; agreement and per-layer correlation are high", () => {
  const avg = results.get("avg")!;
  assert.ok(avg.annAccuracy > 0.98);
  assert.ok(avg.accuracy >= avg.annAccuracy - 0.01, `SNN ${avg.accuracy} vs ANN ${avg.annAccuracy}`);
  assert.ok(avg.agreement >= 0.98, `agreement ${avg.agreement}`);
  // Early steps are far worse: the curve is a curve.
  assert.ok(avg.overTime!.accuracy[4]! < avg.accuracy - 0.2, `accuracy after 5 steps ${avg.overTime!.accuracy[4]}`);
  for (const p of avg.pairs!) assert.ok(p.correlation > 0.95, `${p.layer}: r = ${p.correlation}`);
  const bn = results.get("bn")!;
  assert.ok(bn.accuracy >= bn.annAccuracy - 0.02, `BN + max: SNN ${bn.accuracy} vs ANN ${bn.annAccuracy}`);
});

test("the unnormalised output read by spike counts saturates and ties (PAPERS.md: ~78 % on an MLP)", () => {
  const avg = results.get("avg")!, raw = results.get("raw")!;
  assert.ok(raw.accuracy < avg.accuracy - 0.02, `raw ${raw.accuracy} vs normalised ${avg.accuracy}`);
});

test("operations: counted per layer, compared with the ANN's; the recorders reached the figures", () => {
  const avg = results.get("avg")!;
  assert.equal(avg.synapticOps.map((l) => l.layer), ["relu1", "avgpool1", "relu2", "avgpool2", "relu3", "relu4", "dense3"]);
  assert.ok(avg.synapticOpsTotal > avg.annOps, "a 60-step LeNet with pooling neurons spends more than its ANN");
  assert.ok(Math.abs(avg.overTime!.synapticOps[59]! - avg.synapticOpsTotal) < 1e-6 * avg.synapticOpsTotal);
  assert.is(shown.filter((v) => v.kind === "figure").length, 6);
  assert.ok(avg.traces!.some((t) => t.layer === "relu2" && t.neuron === 1));
});

test.run();

// The rate family's simulate: synaptic operations equal a hand count on a 2-layer toy, the
// worker pool gives the single-thread result bit for bit, an interrupt returns the samples done
// within a second (partial = true), and the recorders deliver what they promise.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { built, sequential, conv, dense, avgpool } from "../../stdlib/ann/sequential.ts";
import { initialize } from "../../stdlib/ann/init.ts";
import { mnist } from "../../stdlib/data/mnist.ts";
import { slice, type Dataset } from "../../stdlib/data/dataset.ts";
import { convertRate } from "../../stdlib/convert/rate/convert.ts";
import { rateSchema } from "../../stdlib/convert/rate/schema.ts";
import { ruleSet } from "../../stdlib/ir/rules.ts";
import { tensor } from "../../stdlib/tensor/tensor.ts";
import { createPool } from "../../stdlib/tensor/pool.ts";
import { simulateRate } from "../../stdlib/sim/rate/simulate.ts";
import type { Progress } from "../../stdlib/context.ts";

test("synaptic operations on a 2-layer toy equal the hand count", async () => {
  // 5x5 input → conv 1@3x3 stride 2 pad 1 (3x3 out) → relu → flatten → dense 4. Row fan-outs of the
  // strided conv are [1, 2, 1, 2, 1], so pixel (y, x) drives r[y]·r[x] synapses.
  const net = built("toy", [
    { id: "input", op: { kind: "input", shape: [1, 5, 5] }, inputs: [] },
    { id: "c", op: conv(1, 3, { stride: 2, pad: 1, bias: false }), inputs: ["input"], params: { weight: tensor([1, 1, 3, 3], new Array(9).fill(1)) } },
    { id: "r", op: { kind: "relu" }, inputs: ["c"] },
    { id: "f", op: { kind: "flatten" }, inputs: ["r"] },
    { id: "d", op: dense(4, { bias: false }), inputs: ["f"], params: { weight: tensor([4, 9], new Array(36).fill(0)) } },
  ]);
  // Poisson input at 1000 Hz with dt 1 ms: a pixel of 1 spikes every step, a pixel of 0 never.
  const snn = await convertRate(net, ruleSet(rateSchema, "toy", { normalize: "none", input: "poisson", max_rate: 1000, dt: 0.001, output: "spikes" }));
  const images = new Float32Array(25);
  for (const [y, x] of [[0, 0], [1, 1], [3, 4]]) images[y * 5 + x] = 1;
  const data: Dataset = { name: "toy", split: "test", shape: [1, 5, 5], count: 1, images, labels: new Uint8Array(1), classes: ["0", "1", "2", "3"], offset: 0 };
  const r = await simulateRate(snn, data, { steps: 10, workers: 1 }, {});
  // Input spikes per step reach 1·1 + 2·2 + 2·1 = 7 conv synapses. The conv neurons whose 3x3
  // window (rows and columns 2o−1..2o+1) holds a lit pixel: (0,0) (0,1) (1,0) (1,1) (1,2) (2,2),
  // each fed ≥ 1 per step, so each fires every step and drives 4 dense synapses: 24 per step.
  assert.equal(r.synapticOps.map((l) => [l.layer, l.value]), [["r", 70], ["d", 240]]);
  assert.equal(Array.from(r.layerOpsOverTime![1]!.perStep), new Array(10).fill(24));
  assert.is(r.synapticOpsTotal, 310);
  assert.is(r.info["spikes_per_neuron:r"], 60 / 9);
  // Fewer samples than a shared buffer's 8-byte minimum: still a whole run, not a partial one.
  assert.is(r.partial, false);
  assert.is(r.samples, 1);
});

const lenet = initialize(sequential("lenet", [1, 28, 28], [conv(6, 5, { pad: 2 }), "relu", avgpool(2), conv(16, 5), "relu", avgpool(2), "flatten", dense(120), "relu", dense(84), "relu", dense(10)]), { seed: 3 });
const rules = ruleSet(rateSchema, "r", { norm_data: { kind: "data", dataset: "mnist", split: "train", start: 0, end: 500 } });
const test100 = slice(mnist("test"), 0, 100);

test("two workers give the single-thread result bit for bit; recorders fill in", async () => {
  const snn = await convertRate(lenet, rules);
  const local = await simulateRate(snn, test100, { steps: 30, workers: 1, record: [2, 4], trace: [0, 2] }, {});
  const pool = createPool(2);
  try {
    const seen: Progress[] = [];
    const par = await simulateRate(snn, test100, { steps: 30, record: [2, 4], trace: [0, 2] }, { pool, progress: (p) => seen.push(p) });
    assert.equal(Array.from(par.predictions), Array.from(local.predictions));
    assert.equal(Array.from(par.overTime!.accuracy), Array.from(local.overTime!.accuracy));
    assert.equal(par.synapticOps, local.synapticOps);
    assert.equal(par.rates!.map((r) => Array.from(r.spikes)), local.rates!.map((r) => Array.from(r.spikes)));
    assert.is(par.partial, false);
    assert.ok(seen.length > 0 && seen[seen.length - 1]!.done === 100 && seen[0]!.unit === "images");
  } finally {
    await pool.close();
  }
  // Spike trains for samples 2 and 3 of every spiking layer; traces for neurons 0..1 of each integrating layer.
  assert.equal([...new Set(local.records.map((r) => r.sample))], [2, 3]);
  assert.ok(local.records.every((r) => r.time.every((t) => t >= 1 && t <= 30)));
  const pops = snn.populations.filter((p) => p.id !== "input").length;
  assert.is(local.traces!.length, 2 * 2 * pops);
  // Per-neuron counts over the run agree with the per-layer totals.
  const r1 = local.rates!.find((r) => r.layer === "relu1")!;
  const sum = r1.spikes.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum / 4704 - (local.info["spikes_per_neuron:relu1"] as number)) < 1e-9);
  assert.equal(local.pairs!.map((p) => p.layer), ["relu1", "avgpool1", "relu2", "avgpool2", "relu3", "relu4"]);
});

for (const mode of ["in this thread", "on the pool"]) {
  test(`an interrupt ${mode} returns the samples done within a second`, async () => {
    const snn = await convertRate(lenet, rules);
    const data = slice(mnist("test"), 0, 3000);
    const pool = mode === "on the pool" ? createPool(2) : undefined;
    try {
      // Warm the workers first: an interrupt is the simulator's to honour, not the pool's start-up.
      if (pool) await simulateRate(snn, slice(data, 0, 4), { steps: 2 }, { pool });
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 400);
      // 3,000 images × 100 steps take many seconds; stopping early shows as partial, fewer samples.
      // (How fast it stops is measured in bench/rate.bench.ts, not asserted here.)
      const r = await simulateRate(snn, data, { steps: 100, ...(pool ? {} : { workers: 1 }) }, { signal: ac.signal, ...(pool ? { pool } : {}) });
      assert.ok(r.partial, "partial");
      assert.ok(r.samples > 0 && r.samples < 3000, `${r.samples} samples`);
      assert.is(r.labels.length, r.samples);
      assert.is(r.overTime!.accuracy.length, 100);
    } finally {
      await pool?.close();
    }
  });
}

test.run();

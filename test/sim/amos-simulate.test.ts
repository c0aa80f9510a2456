// AMOS network simulation on small networks: every gate is its circuit (checked against an
// independent float64 layer-by-layer computation), spikes and synaptic operations match hand
// counts, the two forms differ only in how spikes are spread over neurons, and a worker pool
// gives the same numbers as one thread.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { avgpool, conv, dense, sequential } from "../../stdlib/ann/sequential.ts";
import { initialize } from "../../stdlib/ann/init.ts";
import { synthetic } from "../../stdlib/data/synthetic.ts";
import { convertAmos } from "../../stdlib/convert/amos/convert.ts";
import { reluQuantiser } from "../../stdlib/convert/amos/relu.ts";
import { amosSchema } from "../../stdlib/convert/amos/schema.ts";
import { ruleSet } from "../../stdlib/ir/rules.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { simulateAmos } from "../../stdlib/sim/amos/simulate.ts";
import { gateFanout } from "../../stdlib/sim/amos/fanout.ts";
import { createPool } from "../../stdlib/tensor/pool.ts";
import { InterruptedError, SpikelabError } from "../../stdlib/errors.ts";
import type { SimResult } from "../../stdlib/ir/results.ts";

const mlp = initialize(sequential("mlp", [1, 6, 6], ["flatten", dense(20), "relu", dense(12), "relu", dense(4)]), { seed: 3 });
const data = synthetic({ count: 300, shape: [1, 6, 6], classes: 4, seed: 5 });

/** The MLP by hand in float64 with every ReLU replaced by the K-bit quantiser of its α. */
function quantisedForward(net: Network, alpha: Map<string, number>, K: number, x: Float32Array): number[] {
  let v = Array.from(x);
  for (const n of net.nodes.slice(1)) {
    if (n.op.kind === "flatten") continue;
    if (n.op.kind === "dense") {
      const w = n.params.weight!, b = n.params.bias!;
      const [out, inp] = w.shape as [number, number];
      v = Array.from({ length: out }, (_, o) => {
        let s = b.data[o]!;
        for (let j = 0; j < inp; j++) s += w.data[o * inp + j]! * v[j]!;
        return s;
      });
    } else if (n.op.kind === "relu") v = v.map((a) => reluQuantiser(alpha.get(n.id)!, K, a));
  }
  return v;
}

test("every ReLU becomes its K-bit quantiser: predictions equal an independent float64 computation", async () => {
  const K = 3; // coarse on purpose: the quantisation changes many predictions, so agreement is informative
  const rules = ruleSet(amosSchema, "t", { K, alpha: 2 });
  const snn = await convertAmos(mlp, rules);
  const r = await simulateAmos(snn, data, { record: [0, 2] });
  const alpha = new Map([["relu1", 2], ["relu2", 2]]);
  let same = 0, differsFromAnn = 0;
  for (let i = 0; i < data.count; i++) {
    const logits = quantisedForward(mlp, alpha, K, data.images.subarray(i * 36, (i + 1) * 36));
    const want = logits.indexOf(Math.max(...logits));
    if (want === r.predictions[i]) same++;
    if (r.predictions[i] !== r.annPredictions[i]) differsFromAnn++;
  }
  // float32 sums versus float64 may flip a level at a boundary now and then, not more.
  assert.ok(same >= data.count - 2, `${same} of ${data.count}`);
  assert.ok(differsFromAnn > 0, "K = 3 should change some predictions");
  assert.is(r.samples, 300);
  assert.is(r.latency.value, 6);
  assert.is(r.info.pipeline_interval_steps, 3);
});

test("an explicit event-driven run (each spike of unit k scatters d_k·W into the next layer) predicts the same", async () => {
  const K = 5;
  const snn = await convertAmos(mlp, ruleSet(amosSchema, "t", { K, alpha: 2 }));
  const r = await simulateAmos(snn, data, {});
  const dense = mlp.nodes.filter((n) => n.op.kind === "dense");
  const circuits = snn.populations.filter((p) => p.neuron.kind === "amos").map((p) => p.neuron as Extract<typeof p.neuron, { kind: "amos" }>);
  let same = 0;
  for (let i = 0; i < data.count; i++) {
    // Layer 1's membrane starts at W·x + b (analog input); every later layer only receives spikes.
    let input = Array.from(data.images.subarray(i * 36, (i + 1) * 36));
    let potential: number[] = [];
    dense.forEach((layer, l) => {
      const w = layer.params.weight!.data, b = layer.params.bias!.data;
      const [out, inp] = layer.params.weight!.shape as [number, number];
      potential = Array.from(b);
      if (l === 0) {
        for (let o = 0; o < out; o++) for (let j = 0; j < inp; j++) potential[o]! += w[o * inp + j]! * input[j]!;
      } else {
        const c = circuits[l - 1]!;
        for (let j = 0; j < inp; j++) {
          let v = input[j]!;
          for (let k = 0; k < K; k++) {
            if (!(v > c.T[k]!)) continue;
            v -= c.h[k]!;
            for (let o = 0; o < out; o++) potential[o]! += c.d[k]! * w[o * inp + j]!; // one synaptic event
          }
        }
      }
      input = potential;
    });
    if (potential.indexOf(Math.max(...potential)) === r.predictions[i]) same++;
  }
  assert.ok(same >= data.count - 1, `${same} of ${data.count}`);
});

test("spike counts: each ReLU gate fires popcount(level) times; AMOS neurons at most once, inside their layer's window", async () => {
  const K = 4;
  const snn = await convertAmos(mlp, ruleSet(amosSchema, "t", { K, alpha: 1.5 }));
  const r = await simulateAmos(snn, data, { record: [0, 1] });
  const rec1 = r.records.find((x) => x.layer === "relu1")!;
  const rec2 = r.records.find((x) => x.layer === "relu2")!;
  assert.is(rec1.neurons, 20 * K);
  // Decode the record back into levels and compare with the float64 pre-activations of sample 0.
  const w = mlp.nodes[2]!.params.weight!, b = mlp.nodes[2]!.params.bias!;
  const x = data.images.subarray(0, 36);
  for (let o = 0; o < 20; o++) {
    let s = b.data[o]!;
    for (let j = 0; j < 36; j++) s += w.data[o * 36 + j]! * x[j]!;
    const level = Math.round((reluQuantiser(1.5, K, s) * 2 ** K) / 1.5);
    let bits = 0;
    for (let i = 0; i < rec1.neuron.length; i++) {
      const n = rec1.neuron[i]!;
      if (n % 20 !== o) continue;
      const k = Math.floor(n / 20); // unit-major: neuron k·20 + gate
      assert.is(rec1.time[i], k, "layer 1's unit k fires at step k");
      bits |= 1 << (K - 1 - k);
    }
    assert.is(bits, level, `gate ${o}`);
  }
  assert.ok(Array.from(rec2.time).every((t) => t >= K && t < 2 * K), "layer 2 fires in steps K..2K-1");
  assert.is(new Set(rec2.neuron).size, rec2.neuron.length, "AMOS: at most one spike per neuron");
  assert.ok(Array.from(rec1.time).every((t, i, a) => i === 0 || a[i - 1]! <= t), "time order");
});

test("synaptic operations: fan-out counted per position at padded borders, hand-checked", () => {
  const net = initialize(sequential("c", [1, 4, 4], [conv(2, 3, { pad: 1 }), "relu", conv(3, 3, { pad: 1 }), "relu", avgpool(2), "flatten", dense(5)]), { seed: 1 });
  const fan = gateFanout(net);
  const f1 = fan.get("relu1")!;
  // relu1 neuron (c, y, x) reaches the 3 channels of conv2 at the positions whose 3x3 window covers it.
  const cover = (y: number): number => (y === 0 || y === 3 ? 2 : 3);
  for (let c = 0; c < 2; c++) for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) assert.is(f1[(c * 4 + y) * 4 + x], 3 * cover(y) * cover(x));
  // relu2 → avgpool 2 → dense 5: each neuron is in one window, which reaches all 5 read-out neurons.
  assert.ok(Array.from(fan.get("relu2")!).every((v) => v === 5));
});

test("synaptic operations of a run = Σ spikes × fan-out, per target layer", async () => {
  const snn = await convertAmos(mlp, ruleSet(amosSchema, "t", { K: 5, alpha: 2 }));
  const r = await simulateAmos(snn, data, {});
  const spikes1 = Number(r.info["spikes_per_gate:relu1"]) * 20;
  const spikes2 = Number(r.info["spikes_per_gate:relu2"]) * 12;
  const ops = new Map(r.synapticOps.map((l) => [l.layer, l.value]));
  assert.ok(Math.abs(ops.get("relu2")! - spikes1 * 12) < 1e-6);
  assert.ok(Math.abs(ops.get("dense3")! - spikes2 * 4) < 1e-6);
  assert.ok(Math.abs(r.synapticOpsTotal - spikes1 * 12 - spikes2 * 4) < 1e-6);
  assert.is(r.annOps, 2 * (36 * 20 + 20 * 12 + 12 * 4) + 20 + 12 + 4);
  assert.ok(Math.abs(r.spikesPerNeuron - (spikes1 + spikes2) / (5 * 32)) < 1e-12);
  // Per-neuron spike rates (AMOS: K neurons per gate, each at most one spike per sample).
  const rates = r.rates!.find((x) => x.layer === "relu1")!.spikes;
  assert.is(rates.length, 20 * 5);
  assert.ok(Math.abs(rates.reduce((a, b) => a + b, 0) - spikes1) < 1e-9);
  assert.ok(rates.every((v) => v >= 0 && v <= 1));
});

test("FS form: the same outputs, spikes spread over one neuron per gate instead of K", async () => {
  const amos = await simulateAmos(await convertAmos(mlp, ruleSet(amosSchema, "a", { K: 6, alpha: 2 })), data, {});
  const fs = await simulateAmos(await convertAmos(mlp, ruleSet(amosSchema, "f", { K: 6, alpha: 2, form: "fs" })), data, { record: [0, 1] });
  assert.equal(Array.from(fs.predictions), Array.from(amos.predictions));
  assert.is(fs.synapticOpsTotal, amos.synapticOpsTotal);
  assert.ok(Math.abs(fs.spikesPerNeuron - 6 * amos.spikesPerNeuron) < 1e-12);
  assert.is(fs.records[0]!.neurons, 20);
});

test("a worker pool gives the same numbers as one thread", async () => {
  const snn = await convertAmos(mlp, ruleSet(amosSchema, "t", { K: 4, alpha: 2 }));
  const local = await simulateAmos(snn, data, {});
  const pool = createPool(2);
  try {
    const par = await simulateAmos(snn, data, {}, { pool });
    assert.equal(Array.from(par.predictions), Array.from(local.predictions));
    assert.equal(par.synapticOps, local.synapticOps);
    assert.is(par.spikesPerNeuron, local.spikesPerNeuron);
  } finally {
    await pool.close();
  }
});

test("anytime read-out over the last layer's steps ends at the final accuracy", async () => {
  const r = await simulateAmos(await convertAmos(mlp, ruleSet(amosSchema, "t", { K: 8, alpha: 2 })), data, {});
  const ot = r.overTime!;
  assert.equal(Array.from(ot.time), [9, 10, 11, 12, 13, 14, 15, 16]);
  assert.ok(Math.abs(ot.accuracy[7]! - r.accuracy) < 1e-12);
  assert.ok(Math.abs(ot.synapticOps[7]! - r.synapticOpsTotal) < 1e-6);
});

test("an interrupted run throws InterruptedError carrying the images done as a partial result", async () => {
  const snn = await convertAmos(mlp, ruleSet(amosSchema, "t", { K: 4, alpha: 2 }));
  const stop = new AbortController();
  try {
    await simulateAmos(snn, data, {}, { signal: stop.signal, progress: () => stop.abort() });
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof InterruptedError, String(e));
    const partial = (e as InterruptedError).partial as SimResult;
    assert.is(partial.partial, true);
    assert.ok(partial.samples > 0 && partial.samples < data.count, `${partial.samples}`);
    assert.is(partial.predictions.length, partial.samples);
  }
});

test("a network without gates, or without calibration data, is refused with a hint", async () => {
  const linear = initialize(sequential("lin", [1, 6, 6], ["flatten", dense(4)]), { seed: 1 });
  try {
    await convertAmos(linear, ruleSet(amosSchema, "t"));
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof SpikelabError && e.code === "unsupported" && /no gate/.test(e.message), String(e));
  }
  try {
    await convertAmos(mlp, ruleSet(amosSchema, "t"));
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof SpikelabError && e.code === "param" && /calib_data/.test(e.hint ?? ""), String(e));
  }
});

test.run();

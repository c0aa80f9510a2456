import { test } from "uvu";
import * as assert from "uvu/assert";
import { dense, sequential } from "../../stdlib/ann/sequential.ts";
import { synthetic } from "../../stdlib/data/synthetic.ts";
import { slice } from "../../stdlib/data/dataset.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { ruleSet } from "../../stdlib/ir/rules.ts";
import type { SimResult } from "../../stdlib/ir/results.ts";
import { ttfsSchema } from "../../stdlib/convert/ttfs/schema.ts";
import { convertTtfs } from "../../stdlib/convert/ttfs/convert.ts";
import { simulateTtfs } from "../../stdlib/sim/ttfs/simulate.ts";
import { family } from "../../stdlib/families.ts";
import { cnn, mlp, samples } from "../convert/ttfs_nets.ts";

const data = synthetic({ count: 100, shape: [1, 12, 12], classes: 5, seed: 21 });
const train = synthetic({ count: 300, shape: [1, 12, 12], classes: 5, seed: 22 });
const rules = (o: Record<string, number> = {}) => ruleSet(ttfsSchema, "t", o);

function decoded(r: SimResult): number {
  return r.info.max_decoding_error as number;
}

test("random MLP and CNN: decoded activations equal the float64 ReLU activations, predictions agree, one spike per neuron", async () => {
  for (const seed of [1, 2]) {
    for (const net of [mlp(seed), cnn(seed)]) {
      const snn = await convertTtfs(net, rules(), train);
      assert.ok((snn.info.foldingError as number) < 1e-12, `folding error ${snn.info.foldingError}`);
      const r = await simulateTtfs(snn, data, { record: [0, 3] });
      assert.ok(decoded(r) < 1e-9, `${net.name} seed ${seed}: decoding error ${decoded(r)}`);
      assert.ok((r.info.max_logit_error as number) < 1e-9);
      assert.is(r.agreement, 1);
      assert.is(r.spikesPerNeuron, 1);
      assert.is(r.info.early_spikes_total, 0);
      // Records: every neuron of every spiking layer exactly once, in time order.
      const layers = new Set(r.records.map((x) => x.layer));
      assert.is(r.records.length, 3 * layers.size);
      for (const rec of r.records) {
        const seen = new Set(rec.neuron);
        assert.is(seen.size, rec.neurons, `${rec.layer}: ${seen.size} distinct spiking neurons of ${rec.neurons}`);
        assert.is(rec.time.length, rec.neurons);
        for (let i = 1; i < rec.time.length; i++) assert.ok(rec.time[i]! >= rec.time[i - 1]!);
      }
    }
  }
});

/**
 * One hidden neuron, inputs x = (x1, x2, x3) spiking at 1 − x, weights (0.875, −5, 4.5), no
 * bias: S = 0.375, J = W/0.625 = (1.4, −8, 7.2), ΣJ = 0.6. The window sample (1, 0, 0) gives
 * X = 0.875. On the probe (1, 0.5, 0) the ReLU output is 0, but V = 2.4·t rises until x2's
 * inhibition arrives at t = 0.5; ϑ = (1 + B) + 0.6·B with B = (1 + ζ)·X.
 */
function handNet(): Network {
  const n0 = sequential("hand", [3], [dense(1, { bias: false }), "relu", dense(2)]);
  return {
    ...n0,
    nodes: n0.nodes.map((n) => {
      if (n.id === "dense1") return { ...n, params: { weight: { shape: [1, 3], data: Float32Array.of(0.875, -5, 4.5) } } };
      if (n.id === "dense2") return { ...n, params: { weight: { shape: [2, 1], data: Float32Array.of(1, -1) }, bias: { shape: [2], data: Float32Array.of(0, 0.25) } } };
      return n;
    }),
  };
}

test("a hand-computed neuron: exact with zeta 0.5, fires early at t = 0.475 with zeta -0.9", async () => {
  const net = handNet();
  const window = samples([[1, 0, 0]], [1, 1, 3]);
  const probe = samples([[1, 0.5, 0], [1, 0, 0]], [1, 1, 3]);
  const exact = await simulateTtfs(await convertTtfs(net, rules(), window), probe, { record: [0, 2] });
  const hidden = (r: SimResult, s: number) => r.records.find((x) => x.sample === s && x.layer === "dense1")!.time[0]!;
  // B = 1.3125: window [1, 2.3125]; a = 0 → t = 2.3125; a = 0.875 → t = 1.4375. ϑ = 3.1 > max V before t = 1 (1.2).
  assert.ok(Math.abs(hidden(exact, 0) - 2.3125) < 1e-12, `t = ${hidden(exact, 0)}`);
  assert.ok(Math.abs(hidden(exact, 1) - 1.4375) < 1e-12, `t = ${hidden(exact, 1)}`);
  assert.is(exact.info.early_spikes_total, 0);
  assert.equal([...exact.predictions], [1, 0]);
  // B = 0.0875: ϑ = 1.0875 + 0.0875·0.6 = 1.14 is reached by V = 2.4·t at t = 0.475, before the window opens at 1.
  const short = await simulateTtfs(await convertTtfs(net, rules({ zeta: -0.9 }), window), probe, { record: [0, 2] });
  assert.ok(Math.abs(hidden(short, 0) - 0.475) < 1e-12, `t = ${hidden(short, 0)}`);
  assert.ok(Math.abs(hidden(short, 1) - 0.475) < 1e-12, `t = ${hidden(short, 1)}`);
  assert.is(short.info.early_spikes_total, 2);
  assert.ok(Math.abs(decoded(short) - 0.6125) < 1e-12, `decoding error ${decoded(short)}`);
  // The read-out integrates from t = 1 only, so an early spike counts as x = B: logits (0.0875, 0.1625), class 1
  // for both samples, where the ANN says (0, 0.25) → 1 and (0.875, −0.625) → 0.
  assert.equal([...short.predictions], [1, 1]);
  assert.is(short.agreement, 0.5);
});

test("synaptic operations: each spike times its fan-out, by hand", async () => {
  // input 1x4x4 → conv 2@3x3 pad 1 → relu → flatten → dense 3. Rows covered per input row: 2,3,3,2 (10); same for columns.
  const n0 = sequential("ops", [1, 4, 4], [{ kind: "conv", filters: 2, kernel: [3, 3], stride: [1, 1], padding: [1, 1], groups: 1, bias: true }, "relu", "flatten", dense(3)]);
  const net = (await import("../convert/ttfs_nets.ts")).randomNet(n0, 3);
  const d = synthetic({ count: 20, shape: [1, 4, 4], classes: 3, seed: 1 });
  const r = await simulateTtfs(await convertTtfs(net, rules(), d), d, {});
  assert.equal(r.synapticOps.map((l) => [l.layer, l.value]), [["conv1", 10 * 10 * 2], ["dense1", 32 * 3]]);
  assert.is(r.synapticOpsTotal, 296);
  // Padding: each of the 16 output positions misses 9 − (rows·cols) taps; 2 channels.
  assert.is(r.info.padding_ops, (4 * 5 + 8 * 3 + 0) * 2);
  assert.is(r.annOps, 2 * 32 * 9 + 32 + 2 * 3 * 32 + 3);
});

test("jitter is seeded per sample: same numbers whatever the chunking, and it costs exactness", async () => {
  const net = mlp(3);
  const snn = await convertTtfs(net, rules({ jitter: 0.02, seed: 5 }), train);
  const whole = await simulateTtfs(snn, data, {});
  const tail = await simulateTtfs(snn, slice(data, 40), {});
  assert.equal([...tail.predictions], [...whole.predictions.subarray(40)]);
  assert.ok(decoded(whole) > 1e-3, `jitter 0.02 left the decoding error at ${decoded(whole)}`);
  const again = await simulateTtfs(snn, data, {});
  assert.equal([...again.predictions], [...whole.predictions]);
  const off = await simulateTtfs(snn, data, { jitter: 0 });
  assert.ok(decoded(off) < 1e-9);
});

test("zeta below 0: windows too short, neurons fire before their window and decoding breaks", async () => {
  const net = cnn(1);
  const r = await simulateTtfs(await convertTtfs(net, rules({ zeta: -0.5 }), train), data, {});
  assert.ok((r.info.early_spikes_total as number) > 0);
  assert.ok(decoded(r) > 0.01, `decoding error ${decoded(r)}`);
  assert.is(r.spikesPerNeuron, 1);
});

test("the family registry dispatches TTFS convert and simulate", async () => {
  const f = family("ttfs");
  assert.type(f.convert, "function");
  assert.type(f.simulate, "function");
  assert.ok(f.simulateSchema.some((p) => p.name === "jitter"));
  const snn = await f.convert!(mlp(1), rules(), { resolveData: () => train });
  const r = await f.simulate!(snn, slice(data, 0, 10), {}, {});
  assert.is(r.samples, 10);
  assert.is(r.latency.unit, "time units");
  assert.ok(Math.abs(r.latency.value - (1 + (snn.info.B as number[]).reduce((a, b) => a + b, 0))) < 1e-12);
});

test.run();

// The exact mapping on networks with branches (residual adds, Inception-style concats, a residual
// MLP, layers reading concatenated tensors): decoded activations equal the float64 ReLU activations,
// SNN predictions equal the ANN's, every neuron (relays included) spikes exactly once in its window;
// joins read several populations of one window; the WASM kernels match the TypeScript reference;
// jitter and the worker pool give the same numbers whatever the split.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { synthetic } from "../../stdlib/data/synthetic.ts";
import { slice, type Dataset } from "../../stdlib/data/dataset.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { ruleSet } from "../../stdlib/ir/rules.ts";
import { createPool } from "../../stdlib/tensor/pool.ts";
import { ttfsSchema } from "../../stdlib/convert/ttfs/schema.ts";
import { convertTtfs } from "../../stdlib/convert/ttfs/convert.ts";
import { compilePlan } from "../../stdlib/sim/ttfs/plan.ts";
import { runChunk } from "../../stdlib/sim/ttfs/run.ts";
import { simulateTtfs } from "../../stdlib/sim/ttfs/simulate.ts";
import { JsSums, WasmSums } from "../../stdlib/sim/ttfs/sums.ts";
import { composed, graph, inception, n, preact, residual, resmlp } from "../convert/ttfs_nets.ts";

const rules = (o: Record<string, number> = {}) => ruleSet(ttfsSchema, "t", o);
const nets: [(seed: number) => Network, [number, number, number]][] = [[residual, [1, 12, 12]], [preact, [1, 10, 10]], [inception, [1, 10, 10]], [resmlp, [1, 6, 6]], [composed, [1, 8, 8]]];
const dataFor = (shape: [number, number, number], count: number, seed: number): Dataset => synthetic({ count, shape, classes: 5, seed });

test("random residual, pre-activation, Inception and residual-MLP networks: exact decoding, equal predictions, one spike per neuron in its window", async () => {
  for (const seed of [1, 2]) {
    for (const [make, shape] of nets) {
      const net = make(seed);
      const snn = await convertTtfs(net, rules(), dataFor(shape, 300, 22));
      assert.ok((snn.info.foldingError as number) < 1e-12, `${net.name}: folding error ${snn.info.foldingError}`);
      const r = await simulateTtfs(snn, dataFor(shape, 100, 21), { record: [0, 3] });
      const what = `${net.name} seed ${seed}`;
      assert.ok((r.info.max_decoding_error as number) < 1e-9, `${what}: decoding error ${r.info.max_decoding_error}`);
      assert.ok((r.info.max_logit_error as number) < 1e-9, `${what}: logit error ${r.info.max_logit_error}`);
      assert.is(r.agreement, 1, what);
      assert.is(r.spikesPerNeuron, 1, what);
      assert.is(r.info.early_spikes_total, 0, what);
      // Records: every neuron of every spiking layer exactly once, inside its layer's window.
      const windows = new Map<string, [number, number]>();
      for (const p of snn.populations) if (p.neuron.kind === "ttfs" || p.neuron.kind === "relay") windows.set(p.id, [p.neuron.tMin, p.neuron.tMax]);
      assert.is(r.records.length, 3 * windows.size);
      for (const rec of r.records) {
        assert.is(new Set(rec.neuron).size, rec.neurons, `${what} ${rec.layer}`);
        const [lo, hi] = windows.get(rec.layer)!;
        for (const t of rec.time) assert.ok(t >= lo - 1e-9 && t <= hi + 1e-9, `${what} ${rec.layer}: spike at ${t} outside [${lo}, ${hi}]`);
      }
    }
  }
});

test("synaptic operations count each spike times its fan-out, relays included (one event per relayed spike)", async () => {
  // input 1x4x4 → c1 (2@3x3 pad 1) → relu = x → c2 → relu → c3 → add x → relu → flatten → dense 3.
  // x lies in window 1, c3's join in window 3: x is relayed once (x~2) and the join reads c2 and x~2.
  const conv = { kind: "conv", filters: 2, kernel: [3, 3], stride: [1, 1], padding: [1, 1], groups: 1, bias: true } as const;
  const net = graph("ops", [1, 4, 4], [
    n("c1", conv, "input"), n("x", "relu", "c1"), n("c2", conv, "x"), n("r2", "relu", "c2"), n("c3", conv, "r2"),
    n("s", { kind: "add" }, "c3", "x"), n("r", "relu", "s"), n("f", "flatten", "r"), n("d", { kind: "dense", units: 3, bias: true }, "f"),
  ], 3);
  const d = synthetic({ count: 20, shape: [1, 4, 4], classes: 3, seed: 1 });
  const snn = await convertTtfs(net, rules(), d);
  assert.is(snn.info.relays, "c1~2");
  assert.is(snn.info.relay_neurons, 32);
  const r = await simulateTtfs(snn, d, {});
  // A 3x3 pad-1 conv on 4x4 reaches 10 rows x 10 columns of (input, output) pairs per input and output channel.
  assert.equal(r.synapticOps.map((l) => [l.layer, l.value]), [["c1", 10 * 10 * 2], ["c2", 2 * 10 * 10 * 2], ["c1~2", 32], ["s", 2 * 10 * 10 * 2 + 32], ["d", 32 * 3]]);
  assert.is(r.synapticOpsTotal, 200 + 400 + 32 + 432 + 96);
  assert.is(r.agreement, 1);
  // Neurons: 16 inputs, 32 + 32 + 32 (relay) + 32 hidden, each one spike per image.
  assert.is(r.info.hidden_neurons, 128);
});

test("joins and concatenations: the WASM kernels give the TypeScript reference's spikes", async () => {
  for (const [make, shape] of nets) {
    const net = make(3);
    const data = dataFor(shape, 40, 5);
    const plan = compilePlan(await convertTtfs(net, rules(), data));
    assert.ok(plan.layers.some((l) => l.kind === "ttfs" && l.inputs.length > 1), `${net.name} has a join`);
    const opts = { jitter: 0, seed: 1, check: true, record: [0, 40] as const };
    const w = new WasmSums(plan);
    try {
      const a = runChunk(plan, data.images, data.count, 0, opts, w);
      const b = runChunk(plan, data.images, data.count, 0, opts, new JsSums(plan));
      assert.equal([...a.predictions], [...b.predictions]);
      let diff = 0;
      a.records.forEach((rec, i) => rec.time.forEach((t, k) => (diff = Math.max(diff, Math.abs(t - b.records[i]!.time[k]!)))));
      assert.ok(diff < 1e-12, `${net.name}: WASM and JS spike times differ by ${diff}`);
      for (const e of [...a.maxError, ...b.maxError]) assert.ok(e < 1e-9, `${net.name}: decoding error ${e}`);
    } finally {
      w.release();
    }
  }
});

test("with jitter (every join's inputs merged in time order): the same numbers on any split and on two workers", async () => {
  const pool = createPool(2);
  try {
    for (const [make, shape] of [nets[1]!, nets[2]!]) {
      const data = dataFor(shape, 160, 31);
      const snn = await convertTtfs(make(4), rules({ jitter: 0.02, seed: 5 }), dataFor(shape, 200, 32));
      const here = await simulateTtfs(snn, data, { workers: 1, record: [100, 102] });
      const tail = await simulateTtfs(snn, slice(data, 40), { workers: 1 });
      const there = await simulateTtfs(snn, data, { record: [100, 102] }, { pool });
      assert.equal([...tail.predictions], [...here.predictions.subarray(40)]);
      assert.equal([...there.predictions], [...here.predictions]);
      assert.equal(there.info, here.info);
      here.records.forEach((r, i) => assert.equal([...there.records[i]!.time], [...r.time]));
      assert.ok((here.info.max_decoding_error as number) > 1e-3, "jitter moves the spikes");
      const exact = await simulateTtfs(snn, data, { jitter: 0 }, { pool });
      assert.ok((exact.info.max_decoding_error as number) < 1e-9);
      assert.is(exact.agreement, 1);
    }
  } finally {
    await pool.close();
  }
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Network } from "../../stdlib/ir/network.ts";
import { InterruptedError } from "../../stdlib/errors.ts";
import { slice } from "../../stdlib/data/dataset.ts";
import { mnist } from "../../stdlib/data/mnist.ts";
import { synthetic } from "../../stdlib/data/synthetic.ts";
import { createPool } from "../../stdlib/tensor/pool.ts";
import { activations } from "../../stdlib/ann/forward.ts";
import { evaluate, predict } from "../../stdlib/ann/evaluate.ts";
import { initialize } from "../../stdlib/ann/init.ts";
import { annOps, annOpsPerLayer } from "../../stdlib/ann/opcount.ts";
import { activationRanges, recordActivations } from "../../stdlib/ann/record.ts";
import { avgpool, batchnorm, conv, dense, maxpool, sequential } from "../../stdlib/ann/sequential.ts";

function lenet(): Network {
  return initialize(sequential("lenet", [1, 28, 28], [conv(6, 5, { pad: 2 }), "relu", avgpool(2), conv(16, 5), batchnorm(), "relu", maxpool(2), "flatten", dense(120), "relu", dense(84), "relu", dense(10)]), { seed: 3 });
}

test("evaluation over a 2-worker pool equals the single-thread run, bit for bit", async () => {
  const net = lenet();
  const data = slice(mnist("test"), 1000, 2500);
  const alone = await predict(net, data);
  const pool = createPool(2);
  try {
    const done: number[] = [];
    const pooled = await predict(net, data, { pool, progress: (p) => done.push(p.done) });
    assert.equal(Array.from(pooled), Array.from(alone));
    assert.is(done[done.length - 1], 1500);
    // Reuse: a second call on the same pool, another slice.
    const other = slice(mnist("test"), 0, 300);
    assert.equal(Array.from(await predict(net, other, { pool })), Array.from(await predict(net, other)));
  } finally {
    await pool.close();
  }
  // Predictions are the argmax of the outputs computed sample by sample.
  const out = activations(net, { shape: [20, 1, 28, 28], data: data.images.subarray(0, 20 * 784) }, ["dense3"]).get("dense3")!.data;
  for (let i = 0; i < 20; i++) {
    const row = Array.from(out.subarray(i * 10, i * 10 + 10));
    assert.is(alone[i], row.indexOf(Math.max(...row)));
  }
});

test("accuracy and confusion matrix count what they should", async () => {
  const net = lenet();
  const data = slice(mnist("test"), 0, 500);
  const ev = await evaluate(net, data);
  let correct = 0;
  const conf = new Array(100).fill(0);
  for (let i = 0; i < 500; i++) {
    if (ev.predictions[i] === data.labels[i]) correct++;
    conf[data.labels[i]! * 10 + ev.predictions[i]!]++;
  }
  assert.is(ev.correct, correct);
  assert.is(ev.accuracy, correct / 500);
  assert.equal(Array.from(ev.confusion), conf);
  assert.is(ev.data, "mnist.test[0:500]");
});

test("an evaluation in this thread stops when the signal fires", async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 30);
  let done = 0;
  try {
    await evaluate(lenet(), mnist("test"), { signal: ac.signal, progress: (p) => (done = p.done) });
    assert.unreachable("should be interrupted");
  } catch (e) {
    assert.instance(e, InterruptedError);
  }
  assert.ok(done < 10000, `stopped after ${done} images`);
});

test("recorded activations and their ranges match a brute-force computation", () => {
  const net = lenet();
  const data = slice(mnist("test"), 0, 300);
  const nodes = ["relu1", "batchnorm1", "dense2"];
  const all = activations(net, { shape: [300, 1, 28, 28], data: data.images }, nodes);
  // Streaming in batches of 64 sees exactly the activations of the full run, in order.
  const starts: number[] = [];
  recordActivations(net, data, nodes, (b) => {
    starts.push(b.start);
    for (const id of nodes) {
      const size = all.get(id)!.data.length / 300;
      assert.equal(Array.from(b.values.get(id)!), Array.from(all.get(id)!.data.subarray(b.start * size, (b.start + b.count) * size)));
    }
  }, {}, { batch: 64 });
  assert.equal(starts, [0, 64, 128, 192, 256]);
  const ranges = activationRanges(net, data, nodes, {}, { batch: 37 });
  for (const id of nodes) {
    const v = all.get(id)!.data;
    const r = ranges.get(id)!;
    const shape = net.nodes.find((n) => n.id === id)!.shape;
    const c = shape[0]!;
    const plane = v.length / 300 / c;
    let min = Infinity;
    let max = -Infinity;
    let pos = 0;
    let sum = 0;
    const cmax = new Array(c).fill(-Infinity);
    for (let i = 0; i < v.length; i++) {
      min = Math.min(min, v[i]!);
      max = Math.max(max, v[i]!);
      if (v[i]! > 0) pos++;
      sum += v[i]!;
      const ch = Math.floor(i / plane) % c;
      cmax[ch] = Math.max(cmax[ch], v[i]!);
    }
    assert.is(r.count, v.length);
    assert.is(r.min, min);
    assert.is(r.max, max);
    assert.is(r.positive, pos);
    assert.ok(Math.abs(r.mean - sum / v.length) < 1e-9 * Math.max(1, Math.abs(sum / v.length)));
    assert.equal(Array.from(r.channelMax), cmax);
  }
  assert.ok(ranges.get("relu1")!.min === 0 && ranges.get("batchnorm1")!.min < 0);
});

test("ANN operation count: 2 per MAC plus 1 per biased neuron, LeNet by hand", () => {
  const net = sequential("lenet", [1, 28, 28], [conv(6, 5, { pad: 2 }), "relu", avgpool(2), conv(16, 5), "relu", avgpool(2), "flatten", dense(120), "relu", dense(84), "relu", dense(10, { bias: false })]);
  const c1 = 6 * 28 * 28;
  const c2 = 16 * 10 * 10;
  const expected = [2 * c1 * 25 + c1, 2 * c2 * 150 + c2, 2 * 120 * 400 + 120, 2 * 84 * 120 + 84, 2 * 10 * 84];
  assert.equal(annOpsPerLayer(net).map((l) => l.value), expected);
  assert.is(annOps(net), expected.reduce((a, b) => a + b, 0));
  assert.is(annOps(sequential("g", [4, 3, 3], [conv(8, 3, { groups: 2, pad: 1, bias: false })])), 2 * 8 * 9 * (9 * 2));
});

test("a synthetic set through an MLP reading flattened images", async () => {
  const d = synthetic({ count: 10, shape: [1, 4, 4] });
  const ev = await evaluate(initialize(sequential("m", [16], [dense(4)]), { seed: 1 }), d);
  assert.is(ev.count, 10);
});

test.run();

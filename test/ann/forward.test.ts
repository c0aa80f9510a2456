import { test } from "uvu";
import * as assert from "uvu/assert";
import { SpikelabError } from "../../stdlib/errors.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { withParams } from "../../stdlib/ir/network.ts";
import { activations, activations64, forward, forward64 } from "../../stdlib/ann/forward.ts";
import { initialize } from "../../stdlib/ann/init.ts";
import { avgpool, batchnorm, built, conv, dense, dropout, maxpool, sequential } from "../../stdlib/ann/sequential.ts";
import { tensor, type Tensor } from "../../stdlib/tensor/tensor.ts";
import { Rng } from "../../stdlib/data/rng.ts";

const t = (shape: number[], v: number[]): Tensor => tensor(shape, v);
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what = ""): void => {
  assert.is(a.length, b.length, `${what} length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test("a 2-2-1 MLP: output computed by hand", () => {
  const base = sequential("mlp", [2], [dense(2), "relu", dense(1)]);
  const net = withParams(base, new Map([
    ["dense1", { weight: t([2, 2], [1, 2, 3, -4]), bias: t([2], [0.5, -1]) }],
    ["dense2", { weight: t([1, 2], [2, -3]), bias: t([1], [0.25]) }],
  ]));
  // x = (1, 2): h = relu(1+4+0.5, 3-8-1) = (5.5, 0); y = 2·5.5 + 0.25 = 11.25
  // x = (-1, 1): h = relu(-1+2+0.5, -3-4-1) = (1.5, 0); y = 3.25
  // x = (2, -1): h = relu(0.5, 6+4-1) = (0.5, 9); y = 1 - 27 + 0.25 = -25.75
  const y = forward(net, t([3, 2], [1, 2, -1, 1, 2, -1]));
  assert.equal(y.shape, [3, 1]);
  assert.equal(Array.from(y.data), [11.25, 3.25, -25.75]);
  const one = forward64(net, t([2], [1, 2]));
  assert.equal(one.shape, [1]);
  assert.is(one.data[0], 11.25);
});

test("conv, pooling, batch norm and the smooth activations on a 1x4x4 image, by hand", () => {
  const base = sequential("c", [1, 4, 4], [conv(2, 2, { stride: 1, pad: 0 }), batchnorm({ eps: 0 }), maxpool(3, { stride: 1 }), "flatten", "softmax"]);
  const x = t([1, 4, 4], [1, 0, 2, 0, 0, 1, 0, 3, 2, 0, 1, 0, 0, 2, 0, 1]);
  const net = withParams(base, new Map<string, Record<string, Tensor>>([
    // filter 0: main-diagonal sum; filter 1: top row minus bottom row; biases 0 and 1
    ["conv1", { weight: t([2, 1, 2, 2], [1, 0, 0, 1, 1, 1, -1, -1]), bias: t([2], [0, 1]) }],
    ["batchnorm1", { gamma: t([2], [2, 1]), beta: t([2], [1, 0]), mean: t([2], [1, 0]), var: t([2], [4, 1]) }],
  ]));
  const acts = activations(net, x);
  // conv filter 0 at (r,c) = x[r][c] + x[r+1][c+1]
  const f0 = [2, 0, 5, 0, 2, 0, 4, 0, 2];
  // filter 1 = x[r][c]+x[r][c+1]-x[r+1][c]-x[r+1][c+1] + 1
  const f1 = [1, 2, 0, 0, 1, 3, 1, 0, 1];
  assert.equal(Array.from(acts.get("conv1")!.data), [...f0, ...f1]);
  // bn: channel 0 → 2·(v−1)/2 + 1 = v; channel 1 → v
  assert.equal(Array.from(acts.get("batchnorm1")!.data), [...f0, ...f1]);
  // 3x3 max pool stride 1 over 3x3 → one value per channel
  assert.equal(Array.from(acts.get("maxpool1")!.data), [5, 3]);
  const sm = acts.get("softmax1")!.data;
  close(sm, [1 / (1 + Math.exp(-2)), Math.exp(-2) / (1 + Math.exp(-2))], 1e-6, "softmax");

  const base2 = sequential("p", [1, 4, 4], [avgpool(2, { stride: 2, pad: 1 }), "sigmoid"]);
  const a2 = activations(base2, x);
  // padded 6x6 windows of 2x2 at stride 2 → 3x3; divisor 4 with zeros counted
  assert.equal(Array.from(a2.get("avgpool1")!.data), [0.25, 0.5, 0, 0.5, 0.5, 0.75, 0, 0.5, 0.25]);
  close(a2.get("sigmoid1")!.data, [0.25, 0.5, 0, 0.5, 0.5, 0.75, 0, 0.5, 0.25].map((v) => 1 / (1 + Math.exp(-v))), 1e-6, "sigmoid");
  const base3 = sequential("s", [3], ["silu", dropout(0.5)]);
  close(forward(base3, t([3], [-1, 0, 2])).data, [-1 / (1 + Math.E), 0, 2 / (1 + Math.exp(-2))], 1e-6, "silu");
});

/** A DAG with every op kind, branches, a concat and a residual add. */
function dagNet(seed: number): Network {
  const specs = [
    { id: "x", op: { kind: "input", shape: [2, 9, 9] }, inputs: [] },
    { id: "a", op: conv(4, 3, { pad: 1 }), inputs: ["x"] },
    { id: "bn", op: batchnorm(), inputs: ["a"] },
    { id: "r1", op: { kind: "relu" }, inputs: ["bn"] },
    { id: "b", op: conv(4, 3, { pad: 1, groups: 2 }), inputs: ["r1"] },
    { id: "s", op: { kind: "silu" }, inputs: ["b"] },
    { id: "sum", op: { kind: "add" }, inputs: ["s", "bn"] },
    { id: "c", op: conv(3, 1), inputs: ["r1"] },
    { id: "sg", op: { kind: "sigmoid" }, inputs: ["c"] },
    { id: "cat", op: { kind: "concat" }, inputs: ["sum", "sg"] },
    { id: "mp", op: maxpool(2, { stride: 2, pad: 1 }), inputs: ["cat"] },
    { id: "ap", op: avgpool(3, { stride: 2 }), inputs: ["mp"] },
    { id: "gap", op: { kind: "globalavgpool" }, inputs: ["mp"] },
    { id: "fl", op: { kind: "flatten" }, inputs: ["ap"] },
    { id: "d0", op: dropout(0.3), inputs: ["fl"] },
    { id: "d1", op: dense(5), inputs: ["d0"] },
    { id: "d2", op: dense(5, { bias: false }), inputs: ["gap"] },
    { id: "out", op: { kind: "add" }, inputs: ["d1", "d2"] },
  ] as const;
  const net = initialize(built("dag", specs as never), { seed });
  // Non-trivial batch-norm statistics so inference mode really transforms.
  const bn = net.nodes.find((n) => n.id === "bn")!;
  const rng = new Rng(seed + 1);
  for (const k of ["gamma", "beta", "mean", "var"]) for (let i = 0; i < 4; i++) bn.params[k]!.data[i] = k === "var" || k === "gamma" ? 0.5 + rng.uniform() : rng.normal();
  return net;
}

function randomInput(shape: number[], seed: number): Tensor {
  const r = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(shape, Array.from({ length: n }, () => r.uniform()));
}

test("every op kind in a branching DAG: float32 = float64 reference, batched = one by one, planned = all kept", () => {
  const net = dagNet(3);
  const x = randomInput([7, 2, 9, 9], 11);
  const y32 = forward(net, x, { batch: 3 });
  const y64 = forward64(net, x);
  assert.equal(y32.shape, [7, 5]);
  close(y32.data, y64.data, 1e-5, "f32 vs f64");
  // All nodes kept (no in-place, no reuse) must give the same output bit for bit.
  const all = activations(net, x);
  assert.equal(Array.from(all.get("out")!.data), Array.from(y32.data));
  // Sample 5 alone equals row 5 of the batch.
  const one = forward(net, { shape: [2, 9, 9], data: x.data.slice(5 * 162, 6 * 162) });
  assert.equal(Array.from(one.data), Array.from(y32.data.subarray(25, 30)));
  // Hand check of the concat and add plumbing from recorded float64 activations.
  const a64 = activations64(net, x, ["s", "bn", "sum", "sg", "cat"]);
  const sum = a64.get("sum")!.data;
  const s = a64.get("s")!.data;
  const bn = a64.get("bn")!.data;
  for (let i = 0; i < sum.length; i++) assert.is(sum[i], s[i]! + bn[i]!);
  const cat = a64.get("cat")!.data;
  assert.is(cat[1 * 7 * 81 + 4 * 81 + 10], a64.get("sg")!.data[1 * 3 * 81 + 10]);
  assert.is(cat[1 * 7 * 81 + 3 * 81 + 10], sum[1 * 4 * 81 + 3 * 81 + 10]);
});

test("errors: wrong input shape, untrained layers, unknown layer names", () => {
  const net = sequential("m", [4], [dense(3)]);
  assert.throws(() => forward(net, t([4], [1, 2, 3, 4])), (e: unknown) => e instanceof SpikelabError && e.code === "param" && /layer 'dense1' \(dense\) has no weights/.test(e.message));
  const ready = initialize(net, { seed: 1 });
  assert.throws(() => forward(ready, t([2, 3], [1, 2, 3, 4, 5, 6])), (e: unknown) => e instanceof SpikelabError && e.code === "shape" && /takes 4 inputs, got a tensor of shape 2x3/.test(e.message));
  assert.throws(() => activations(ready, t([4], [1, 2, 3, 4]), ["nope"]), (e: unknown) => e instanceof SpikelabError && e.code === "name");
});

test.run();

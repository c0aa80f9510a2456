// Shape inference through the language: LeNet, a VGG-style stack, an Inception block and a
// residual block check to the exact per-layer shapes and wiring (hand-computed), and shape
// mistakes are reported at their layer.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { paramCount } from "../../stdlib/ir/shapes.ts";
import { paramShapes } from "../../stdlib/ir/shapes.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { check, network, shapes } from "./helpers.ts";

function weights(net: Network): number {
  const byId = new Map(net.nodes.map((n) => [n.id, n]));
  let n = 0;
  for (const node of net.nodes) for (const s of Object.values(paramShapes(node.op, byId.get(node.inputs[0] ?? "")?.shape ?? []))) n += s.reduce((a, b) => a * b, 1);
  return n;
}

test("LeNet: conv/pool sizes, flatten, dense, and the classic parameter count", async () => {
  const net = await network(`
network lenet (input 1x28x28) {
  conv 6 kernel 5 pad 2 -> relu
  avgpool 2
  conv 16 kernel 5 -> relu
  avgpool 2
  flatten
  dense 120 -> relu
  dense 84 -> relu
  dense 10
}`, "lenet");
  assert.equal(shapes(net), {
    input: "1x28x28", conv1: "6x28x28", relu1: "6x28x28", avgpool1: "6x14x14", conv2: "16x10x10", relu2: "16x10x10",
    avgpool2: "16x5x5", flatten1: "400", dense1: "120", relu3: "120", dense2: "84", relu4: "84", dense3: "10",
  });
  // 156 + 2416 + 48120 + 10164 + 850
  assert.is(weights(net), 61706);
  assert.is(paramCount(net), 0, "a declared network has no weights until trained or loaded");
  assert.equal(net.nodes.find((n) => n.id === "conv1")!.op, { kind: "conv", filters: 6, kernel: [5, 5], stride: [1, 1], padding: [2, 2], groups: 1, bias: true });
});

test("VGG-style stack: padded 3x3 convs keep size, max pools halve it, strides and groups", async () => {
  const net = await network(`
network vgg (input 3x32x32) {
  conv 32 kernel 3 pad 1 -> batchnorm -> relu
  conv 32 kernel 3 pad 1 -> batchnorm -> relu
  maxpool 2
  conv 64 kernel 3 pad 1 groups 2 -> relu
  conv 64 kernel 3x1 stride 2 pad 1x0 bias false -> relu
  maxpool 3 stride 2 pad 1
  globalavgpool
  dense 10
}`, "vgg");
  const s = shapes(net);
  assert.is(s.conv1, "32x32x32");
  assert.is(s.batchnorm1, "32x32x32");
  assert.is(s.maxpool1, "32x16x16");
  assert.is(s.conv3, "64x16x16");
  // (16 + 2 - 3) / 2 + 1 = 8 rows; (16 + 0 - 1) / 2 + 1 = 8 columns
  assert.is(s.conv4, "64x8x8");
  // (8 + 2 - 3) / 2 + 1 = 4
  assert.is(s.maxpool2, "64x4x4");
  assert.is(s.globalavgpool1, "64");
  assert.is(s.dense1, "10");
  const conv3 = net.nodes.find((n) => n.id === "conv3")!;
  assert.equal(paramShapes(conv3.op, [32, 16, 16]).weight, [64, 16, 3, 3], "groups 2 halves each filter's input channels");
  assert.equal(Object.keys(paramShapes(net.nodes.find((n) => n.id === "conv4")!.op, [64, 16, 16])), ["weight"], "bias false");
});

test("Inception block: three branches from one stem, concatenated along channels", async () => {
  const net = await network(`
network inception (input 3x32x32) {
  stem: conv 32 kernel 3 pad 1 -> relu
  a: conv 16 kernel 1 -> relu
  b: from stem -> conv 8 kernel 1 -> relu -> conv 24 kernel 3 pad 1 -> relu
  c: from stem -> maxpool 3 stride 1 pad 1 -> conv 8 kernel 1 -> relu
  concat a b c
  globalavgpool
  dense 10
}`, "inception");
  const byId = new Map(net.nodes.map((n) => [n.id, n]));
  assert.equal(byId.get("a")!.inputs, ["conv2"]);
  assert.equal(byId.get("conv2")!.inputs, ["stem"]);
  assert.equal(byId.get("conv3")!.inputs, ["stem"], "`from stem` starts branch b at the stem");
  assert.equal(byId.get("maxpool1")!.inputs, ["stem"]);
  assert.is(byId.get("maxpool1")!.shape.join("x"), "32x32x32");
  const concat = byId.get("concat1")!;
  assert.equal(concat.inputs, ["a", "b", "c"], "concat reads its named branches in order");
  assert.is(concat.shape.join("x"), "48x32x32");
  assert.is(byId.get("globalavgpool1")!.shape.join("x"), "48");
});

test("residual block: add joins the shortcut with the layer before it", async () => {
  const net = await network(`
network res (input 16x8x8) {
  x: conv 16 kernel 3 pad 1 -> relu
  conv 16 kernel 3 pad 1 -> relu
  conv 16 kernel 3 pad 1
  add x -> relu
  s: conv 32 kernel 1 stride 2
  from x -> conv 32 kernel 3 stride 2 pad 1
  add s
  flatten
  dense 10
}`, "res");
  const byId = new Map(net.nodes.map((n) => [n.id, n]));
  assert.equal(byId.get("add1")!.inputs, ["conv3", "x"]);
  assert.is(byId.get("add1")!.shape.join("x"), "16x8x8");
  assert.equal(byId.get("s")!.inputs, ["relu2"], "the relu after add1 (the named x took no number)");
  assert.equal(byId.get("add2")!.inputs, ["conv4", "s"], "a projection shortcut (1x1 stride 2) added to a strided branch");
  assert.is(byId.get("add2")!.shape.join("x"), "32x4x4");
  assert.is(byId.get("flatten1")!.shape.join("x"), "512");
});

test("shape mistakes point at the layer", async () => {
  const c = await check(`network n (input 1x28x28) {
  conv 6 kernel 5 -> relu
  dense 10
}
network m (input 3x8x8) {
  a: conv 4 kernel 3 pad 1
  b: from a -> conv 4 kernel 3
  add a b
}
network k (input 3x8x8) {
  a: conv 4 kernel 1
  b: from a -> maxpool 2
  concat a b
}
network big (input 1x4x4) {
  conv 2 kernel 7
}`);
  assert.equal(c.messages, [
    "3:3 layer 'dense1': dense needs a vector input, got 6x24x24",
    "8:3 layer 'add1': add needs branches of one shape, got 4x8x8 and 4x6x6",
    "13:3 layer 'concat1': concat joins channels of equal height and width, got 4x8x8, 4x4x4",
    "16:3 layer 'conv1': conv kernel 7x7 does not fit the 4x4 input",
  ]);
  assert.is(c.errors[0]!.hint, "add `flatten` before it");
});

test.run();

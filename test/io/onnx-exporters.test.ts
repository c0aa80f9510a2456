// Graphs as exporters write them, which spikelab's own writer never produces: input scaling by
// constants, a conv scaled and shifted by constants (folded into its weights), SAME padding,
// PyTorch's Shape→Gather→Unsqueeze→Concat→Reshape flatten, MatMul + Add, Identity, Constant
// nodes, Gemm with alpha/beta and transB=0, SiLU as Mul(x, Sigmoid(x)), Dropout with a ratio
// input, Concat of vectors, Softmax of opset 11. Each is checked against onnxruntime on 100 inputs.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { importOnnx } from "../../stdlib/io/onnx.ts";
import { f32, i64, model, node, weights } from "./onnx-build.ts";
import { agreeWithOrt, seededInputs } from "./ort.ts";

/** A small conv net the way PyTorch 1.x writes it with dynamic batch (opset 11). */
function pytorchStyle(): Uint8Array {
  return model({
    opset: 11,
    inputs: [["x", ["batch", 1, 6, 6]]],
    outputs: [["probs", ["batch", 3]]],
    inits: [
      f32("mu", [], [0.5]), f32("sd", [], [2]),
      f32("W1", [4, 1, 3, 3], weights(36, 1)), f32("B1", [4], weights(4, 2)),
      f32("scale", [1, 4, 1, 1], [1.5, -0.5, 2, 0.25]), f32("shift", [4, 1, 1], [0.1, 0.2, -0.3, 0.4]),
      f32("W2", [36, 8], weights(288, 3)), f32("B2", [8], weights(8, 4)),
      f32("W3", [8, 3], weights(24, 5)), f32("B3", [3], weights(3, 6)),
      i64("zero", [], [0]),
    ],
    nodes: [
      node("Sub", ["x", "mu"], ["centred"], {}, "/Sub"),
      node("Div", ["centred", "sd"], ["scaled"], {}, "/Div"),
      node("Conv", ["scaled", "W1", "B1"], ["c1"], { kernel_shape: [3, 3], auto_pad: "SAME_UPPER" }, "/conv1/Conv"),
      node("Mul", ["c1", "scale"], ["c1s"], {}, "/Mul"),
      node("Add", ["c1s", "shift"], ["c1b"], {}, "/Add"),
      node("Relu", ["c1b"], ["r1"], {}, "/Relu"),
      node("MaxPool", ["r1"], ["p1"], { kernel_shape: [2, 2], strides: [2, 2] }, "/pool/MaxPool"),
      node("Shape", ["p1"], ["shp"], {}, "/Shape"),
      node("Gather", ["shp", "zero"], ["n"], { axis: 0 }, "/Gather"),
      node("Unsqueeze", ["n"], ["n1"], { axes: [0] }, "/Unsqueeze"),
      node("Constant", [], ["minus1"], { value: { tensor: i64("", [1], [-1]) } }, "/Constant"),
      node("Concat", ["n1", "minus1"], ["target"], { axis: 0 }, "/Concat"),
      node("Reshape", ["p1", "target"], ["flat"], {}, "/Reshape"),
      node("MatMul", ["flat", "W2"], ["h"], {}, "/fc1/MatMul"),
      node("Add", ["h", "B2"], ["hb"], {}, "/fc1/Add"),
      node("Relu", ["hb"], ["r2"], {}, "/Relu_1"),
      node("Identity", ["r2"], ["r2i"], {}, "/Identity"),
      node("MatMul", ["r2i", "W3"], ["o"], {}, "/fc2/MatMul"),
      node("Add", ["B3", "o"], ["ob"], {}, "/fc2/Add"),
      node("Softmax", ["ob"], ["probs"], {}, "/Softmax"),
    ],
  });
}

test("a PyTorch-style graph: constant scaling, folded affine, SAME padding, Shape→Reshape flatten, MatMul+Add", async () => {
  const bytes = pytorchStyle();
  const net = importOnnx(bytes, { file: "pytorch_style.onnx" });
  // The input scaling becomes one exact batch norm; the conv's Mul/Add fold into it; MatMul+Add into dense layers.
  assert.equal(net.nodes.map((n) => `${n.id}:${n.op.kind}:${n.shape.join("x")}`), [
    "x:input:1x6x6", "sub:batchnorm:1x6x6", "conv1:conv:4x6x6", "relu:relu:4x6x6", "pool:maxpool:4x3x3",
    "reshape:flatten:36", "fc1:dense:8", "relu_1:relu:8", "fc2:dense:3", "softmax:softmax:3",
  ]);
  const bn = net.nodes[1]!;
  assert.equal(Array.from(bn.params.gamma!.data), [0.5]);
  assert.equal(Array.from(bn.params.beta!.data), [-0.25]);
  assert.equal(bn.op, { kind: "batchnorm", eps: 0, momentum: 0.1 });
  const c = net.nodes[2]!;
  assert.equal(c.op, { kind: "conv", filters: 4, kernel: [3, 3], stride: [1, 1], padding: [1, 1], groups: 1, bias: true });
  // Folded: W' = scale·W, b' = scale·b + shift, per output channel.
  const w = weights(36, 1);
  const b = weights(4, 2);
  assert.is(c.params.weight!.data[9], Math.fround(-0.5 * w[9]!));
  assert.is(c.params.bias!.data[2], Math.fround(2 * b[2]! + Math.fround(-0.3)));
  await agreeWithOrt(net, bytes, seededInputs(100 * 36, 11), 100);
});

test("Gemm with alpha, beta and transB=0; SiLU as Mul(x, Sigmoid(x)); Dropout with a ratio input; Concat of vectors (opset 13)", async () => {
  const bytes = model({
    opset: 13,
    inputs: [["v", ["N", 10]]],
    outputs: [["y", ["N", 9]]],
    inits: [f32("A", [10, 6], weights(60, 7)), f32("C", [1, 6], weights(6, 8)), f32("B", [3, 6], weights(18, 9)), f32("D", [3, 10], weights(30, 10)), f32("ratio", [], [0.3])],
    nodes: [
      node("Gemm", ["v", "A", "C"], ["t"], { alpha: { float: 0.5 }, beta: { float: 2 } }, "/a/Gemm"),
      node("Sigmoid", ["t"], ["st"], {}, "/act/Sigmoid"),
      node("Mul", ["t", "st"], ["silu"], {}, "/act/Mul"),
      node("Dropout", ["silu", "ratio"], ["d"], {}, "/drop/Dropout"),
      node("Gemm", ["d", "B"], ["u"], { transB: 1 }, "/b/Gemm"),
      node("Gemm", ["v", "D"], ["w"], { transB: 1 }, "/c/Gemm"),
      node("Concat", ["u", "w", "u"], ["cat"], { axis: -1 }, "/Concat"),
      node("Flatten", ["cat"], ["y"], { axis: 1 }, "/Flatten"),
    ],
  });
  const net = importOnnx(bytes, { file: "vectors.onnx" });
  assert.equal(net.nodes.map((n) => `${n.id}:${n.op.kind}:${n.shape.join("x")}`), [
    "v:input:10", "a:dense:6", "act:silu:6", "drop:dropout:6", "b:dense:3", "c:dense:3", "concat:concat:9",
  ]);
  assert.equal(net.nodes[3]!.op, { kind: "dropout", rate: 0.3 });
  // alpha scales the weight, beta the bias; transB=0 stores W as [in, out].
  assert.is(net.nodes[1]!.params.weight!.data[1 * 10 + 2], Math.fround(0.5 * weights(60, 7)[2 * 6 + 1]!));
  assert.is(net.nodes[1]!.params.bias!.data[4], Math.fround(2 * weights(6, 8)[4]!));
  await agreeWithOrt(net, bytes, seededInputs(100 * 10, 12), 100);
});

test("GlobalAveragePool then Flatten, AveragePool counting padding, Sum of branches (opset 17)", async () => {
  const bytes = model({
    opset: 17,
    inputs: [["img", ["N", 2, 8, 8]]],
    outputs: [["out", ["N", 5]]],
    inits: [f32("K", [6, 2, 3, 3], weights(108, 13)), f32("K2", [6, 6, 1, 1], weights(36, 14)), f32("F", [5, 6], weights(30, 15)), f32("G", [5], weights(5, 16))],
    nodes: [
      node("Conv", ["img", "K"], ["a"], { pads: [1, 1, 1, 1] }, "/c1/Conv"),
      node("Relu", ["a"], ["ar"], {}, "/r1/Relu"),
      node("Conv", ["ar", "K2"], ["b"], {}, "/c2/Conv"),
      node("Relu", ["b"], ["br"], {}, "/r2/Relu"),
      node("Sum", ["ar", "br", "ar"], ["s"], {}, "/Sum"),
      node("AveragePool", ["s"], ["p"], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }, "/pool/AveragePool"),
      node("GlobalAveragePool", ["p"], ["g"], {}, "/gap/GlobalAveragePool"),
      node("Flatten", ["g"], ["gf"], {}, "/Flatten"),
      node("Gemm", ["gf", "F", "G"], ["out"], { transB: 1 }, "/fc/Gemm"),
    ],
  });
  const net = importOnnx(bytes, { file: "gap.onnx" });
  assert.equal(net.nodes.map((n) => `${n.id}:${n.op.kind}:${n.shape.join("x")}`), [
    "img:input:2x8x8", "c1:conv:6x8x8", "r1:relu:6x8x8", "c2:conv:6x8x8", "r2:relu:6x8x8", "sum:add:6x8x8", "pool:avgpool:6x4x4", "gap:globalavgpool:6", "fc:dense:5",
  ]);
  assert.equal(net.nodes[5]!.inputs, ["r1", "r2", "r1"]);
  await agreeWithOrt(net, bytes, seededInputs(100 * 128, 17), 100);
});

test("Pad before Conv and AveragePool folds into their padding; all-zero Pads vanish; other pads are refused (opset 16)", async () => {
  const spec = (pads: number[], mode = "constant") => model({
    opset: 16,
    inputs: [["x", ["N", 2, 6, 6]]],
    outputs: [["y", ["N", 3, 3, 3]]],
    inits: [i64("p", [8], pads), i64("p0", [8], [0, 0, 0, 0, 0, 0, 0, 0]), f32("K", [3, 2, 3, 3], weights(54, 21))],
    nodes: [
      node("Pad", ["x", "p"], ["xp"], { mode }, "/Pad"),
      node("Conv", ["xp", "K"], ["c"], {}, "/conv/Conv"),
      node("Relu", ["c"], ["r"], {}, "/Relu"),
      node("Pad", ["r", "p0"], ["rp"], { mode: "constant" }, "/Pad_1"),
      node("Pad", ["rp", "p"], ["rpp"], { mode: "constant" }, "/Pad_2"),
      node("AveragePool", ["rpp"], ["y"], { kernel_shape: [3, 3], strides: [2, 2] }, "/pool/AveragePool"),
    ],
  });
  const bytes = spec([0, 0, 1, 1, 0, 0, 1, 1]);
  const net = importOnnx(bytes, { file: "pad.onnx" });
  assert.equal(net.nodes.map((n) => `${n.id}:${n.op.kind}:${n.shape.join("x")}`), ["x:input:2x6x6", "conv:conv:3x6x6", "relu:relu:3x6x6", "pool:avgpool:3x3x3"]);
  assert.equal([(net.nodes[1]!.op as { padding?: unknown }).padding, (net.nodes[3]!.op as { padding?: unknown }).padding], [[1, 1], [1, 1]]);
  await agreeWithOrt(net, bytes, seededInputs(100 * 72, 23), 100);
  const refused = (pads: number[], mode?: string): string => {
    try {
      importOnnx(spec(pads, mode), { file: "pad.onnx" });
    } catch (e) {
      return (e as Error).message;
    }
    return "imported";
  };
  assert.is(refused([0, 0, 1, 0, 0, 0, 1, 1]), "pad.onnx: node '/Pad' (Pad): pads [0, 0, 1, 0, 0, 0, 1, 1]");
  assert.is(refused([0, 0, 1, 1, 0, 0, 1, 1], "reflect"), "pad.onnx: node '/Pad' (Pad): pads with mode 'reflect'");
});

test.run();

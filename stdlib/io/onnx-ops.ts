// One translator per supported ONNX op: reads the node's inputs and attributes, and either
// emits IR nodes, folds constants into a node that nothing else reads (a bias add, a scale), or
// computes a constant (weights, shape arithmetic such as PyTorch's Shape→Gather→Concat→Reshape).
// Anything it cannot express exactly is an error naming the node, the op and what it would need.

import type { NodeProto } from "onnx-buf";
import type { Pair } from "../ir/network.ts";
import type { Tensor } from "../tensor/tensor.ts";
import type { Attributes, ConstTensor } from "./onnx-proto.ts";
import { readTensor, shortestFloat32 } from "./onnx-proto.ts";
import { importError, type ImportState, type NodeValue, type Value } from "./onnx-import.ts";
import { affineChannels, broadcastBinary, channelVector, gatherConst, sliceConst, squeezeConst, unsqueezeConst } from "./onnx-consts.ts";

export type Translator = (n: NodeProto, a: Attributes, s: ImportState, where: string, base: string) => (Value | undefined)[];

const f32 = (dims: readonly number[], v: ArrayLike<number>): Tensor => ({ shape: [...dims], data: Float32Array.from(v) });
const konst = (t: ConstTensor): Value => ({ kind: "const", t });
const size = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);
const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Spatial window attributes (Conv, MaxPool, AveragePool) as the IR's symmetric padding. */
function window(a: Attributes, s: ImportState, where: string, x: NodeValue, kernel: Pair, pool: boolean): { stride: Pair; padding: Pair } {
  if (x.shape.length !== 3) throw importError(where, `needs an image input [N, C, H, W], got a tensor of per-sample shape ${x.shape.join("x")}`, "spikelab's conv and pooling are 2-D over NCHW");
  const strides = a.ints("strides") ?? [1, 1];
  const dil = a.ints("dilations") ?? [1, 1];
  if (strides.length !== 2 || dil.length !== 2) throw importError(where, "is not 2-D", "spikelab's conv and pooling are 2-D");
  if (dil.some((d) => d !== 1)) throw importError(where, `uses dilation ${dil.join("x")}`, "spikelab's IR has no dilated convolution or pooling; use dilation 1");
  const autoPad = a.string("auto_pad", "NOTSET");
  let pads = a.ints("pads") ?? [0, 0, 0, 0];
  const inHW = [x.shape[1]!, x.shape[2]!];
  if (autoPad === "VALID") pads = [0, 0, 0, 0];
  else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
    const total = [0, 1].map((k) => Math.max((Math.ceil(inHW[k]! / strides[k]!) - 1) * strides[k]! + kernel[k]! - inHW[k]!, 0));
    if (total.some((t) => t % 2 !== 0)) throw importError(where, `auto_pad ${autoPad} pads unevenly here (${total.join(", ")} in total)`, "spikelab pads symmetrically; use an odd kernel with stride 1, or explicit pads");
    pads = [total[0]! / 2, total[1]! / 2, total[0]! / 2, total[1]! / 2];
  } else if (autoPad !== "NOTSET") throw importError(where, `has auto_pad '${autoPad}'`, "use NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  if (pads.length !== 4 || pads[0] !== pads[2] || pads[1] !== pads[3]) {
    throw importError(where, `pads [${pads.join(", ")}] are not symmetric`, "spikelab pads top = bottom and left = right; export with symmetric padding (or pad the input yourself)");
  }
  // A Pad right before (zeros, counted by an average like any value) adds to the window's own padding.
  const before = x.pad ?? [0, 0];
  if (pool) {
    const ceil = a.int("ceil_mode", 0);
    if (ceil !== 0) {
      const exact = [0, 1].every((k) => (inHW[k]! + 2 * pads[k]! - kernel[k]!) % strides[k]! === 0);
      if (!exact) throw importError(where, "uses ceil_mode=1, which here gives a larger output than spikelab's floor rounding", "export with ceil_mode=False");
    }
  }
  return { stride: [strides[0]!, strides[1]!], padding: [pads[0]! + before[0], pads[1]! + before[1]] };
}

const conv: Translator = (n, a, s, where, base) => {
  const x = s.padded(n.input[0]!, where);
  const w = s.constant(n.input[1]!, where);
  if (w.dims.length !== 4) throw importError(where, `has a ${w.dims.length - 2}-D kernel (weight ${w.dims.join("x")})`, "spikelab imports 2-D convolutions only");
  const b = s.optional(n, 2);
  if (b !== undefined && b.kind !== "const") throw importError(where, "has a bias computed at run time", "store the bias as an initializer");
  const kernel: Pair = [w.dims[2]!, w.dims[3]!];
  const ks = a.ints("kernel_shape");
  if (ks !== undefined && !same(ks, kernel)) throw importError(where, `kernel_shape ${ks.join("x")} does not match its weight ${w.dims.join("x")}`, "the file is inconsistent; export it again");
  const groups = a.int("group", 1);
  const { stride, padding } = window(a, s, where, x, kernel, false);
  const params: Record<string, Tensor> = { weight: f32(w.dims, w.values) };
  if (b !== undefined) params.bias = f32([w.dims[0]!], b.t.values);
  return [s.emit(base, { kind: "conv", filters: w.dims[0]!, kernel, stride, padding, groups, bias: b !== undefined }, [x.id], params, where)];
};

function dense(s: ImportState, where: string, base: string, x: NodeValue, weight: Float64Array, units: number, inF: number, bias: Float64Array | undefined): NodeValue {
  if (x.shape.length !== 1) throw importError(where, `multiplies a tensor of per-sample shape ${x.shape.join("x")}`, "flatten to [N, features] before a fully connected layer");
  if (inF !== x.shape[0]) throw importError(where, `expects ${inF} input features, its input has ${x.shape[0]}`, "the file is inconsistent; export it again");
  const params: Record<string, Tensor> = { weight: f32([units, inF], weight) };
  if (bias !== undefined) params.bias = f32([units], bias);
  return s.emit(base, { kind: "dense", units, bias: bias !== undefined }, [x.id], params, where);
}

const gemm: Translator = (n, a, s, where, base) => {
  const x = s.node(n.input[0]!, where);
  const B = s.constant(n.input[1]!, where);
  const C = s.optional(n, 2);
  if (a.int("transA", 0) !== 0) throw importError(where, "has transA=1, which would mix samples of the batch", "export y = x·Wᵀ + b with the input as the first operand");
  const transB = a.int("transB", 0) !== 0;
  const alpha = a.float("alpha", 1);
  const beta = a.float("beta", 1);
  if (B.dims.length !== 2) throw importError(where, `has a weight of shape ${B.dims.join("x")}`, "Gemm's weight must be 2-D");
  const [r, c] = [B.dims[0]!, B.dims[1]!];
  const units = transB ? r : c;
  const inF = transB ? c : r;
  const w = new Float64Array(units * inF);
  for (let o = 0; o < units; o++) for (let i = 0; i < inF; i++) w[o * inF + i] = alpha * (transB ? B.values[o * inF + i]! : B.values[i * units + o]!);
  let bias: Float64Array | undefined;
  if (C !== undefined) {
    if (C.kind !== "const") throw importError(where, "adds a bias computed at run time", "store the bias as an initializer");
    const v = channelVector(C.t, [units], where);
    bias = v.map((b) => beta * b);
  }
  return [dense(s, where, base, x, w, units, inF, bias)];
};

const matmul: Translator = (n, a, s, where, base) => {
  void a;
  const x = s.value(n.input[0]!, where);
  const y = s.value(n.input[1]!, where);
  if (x.kind !== "node" || y.kind !== "const") throw importError(where, "multiplies anything but (input-dependent tensor) × (constant matrix)", "spikelab imports MatMul as a dense layer: x·W with W an initializer");
  const W = y.t;
  if (W.dims.length !== 2) throw importError(where, `multiplies by a ${W.dims.length}-D constant`, "a dense layer's weight is a 2-D matrix [in, out]");
  const [inF, units] = [W.dims[0]!, W.dims[1]!];
  const w = new Float64Array(units * inF);
  for (let o = 0; o < units; o++) for (let i = 0; i < inF; i++) w[o * inF + i] = W.values[i * units + o]!;
  return [dense(s, where, base, x, w, units, inF, undefined)];
};

/** Add, Sub, Mul, Div: constant folding, a branch join (Add), SiLU (x·sigmoid(x)), or a per-channel affine map. */
function arithmetic(kind: "Add" | "Sub" | "Mul" | "Div"): Translator {
  return (n, a, s, where, base) => {
    void a;
    const x = s.value(n.input[0]!, where);
    const y = s.value(n.input[1]!, where);
    if (x.kind === "const" && y.kind === "const") return [konst(broadcastBinary(kind, x.t, y.t, where))];
    if (x.kind === "node" && y.kind === "node") {
      if (kind === "Add") {
        if (!same(x.shape, y.shape)) throw importError(where, `adds tensors of shapes ${x.shape.join("x")} and ${y.shape.join("x")}`, "spikelab's add joins branches of one shape (no broadcasting)");
        return [s.emit(base, { kind: "add" }, [x.id, y.id], {}, where, x.shape)];
      }
      if (kind === "Mul") {
        // SiLU as exported: Mul(x, Sigmoid(x)). The sigmoid node becomes the SiLU when nothing else reads it.
        for (const [v, g, gName] of [[x, y, n.input[1]!], [y, x, n.input[0]!]] as const) {
          const w = s.work(g.id);
          if (w.op.kind !== "sigmoid" || w.inputs[0] !== v.id) continue;
          if (s.readers(gName) === 1 && w.tensor === gName) {
            w.op = { kind: "silu" };
            w.tensor = n.output[0] ?? "";
            return [{ kind: "node", id: w.id, shape: v.shape }];
          }
          return [s.emit(base, { kind: "silu" }, [v.id], {}, where, v.shape)];
        }
      }
      throw importError(where, `${kind === "Mul" ? "multiplies" : kind === "Div" ? "divides" : "subtracts"} two input-dependent tensors`, "spikelab's IR has no elementwise product or difference of branches; only Add joins branches, and x·sigmoid(x) becomes SiLU");
    }
    const xv = (x.kind === "node" ? x : y) as NodeValue;
    const c = (x.kind === "const" ? x : y) as Extract<Value, { kind: "const" }>;
    const constFirst = x.kind === "const";
    const v = channelVector(c.t, xv.shape, where);
    const ones = v.map(() => 1);
    let scale: Float64Array;
    let shift: Float64Array;
    if (kind === "Add") [scale, shift] = [ones, v];
    else if (kind === "Sub") [scale, shift] = constFirst ? [ones.map(() => -1), v] : [ones, v.map((t) => -t)];
    else if (kind === "Mul") [scale, shift] = [v, v.map(() => 0)];
    else {
      if (constFirst) throw importError(where, "divides a constant by an input-dependent tensor", "spikelab's IR has no reciprocal; only division by constants is imported");
      [scale, shift] = [v.map((t) => 1 / t), v.map(() => 0)];
    }
    return [affineChannels(s, where, base, xv, n.input[constFirst ? 1 : 0]!, n.output[0] ?? "", scale, shift)];
  };
}

const unary = (kind: "relu" | "sigmoid"): Translator => (n, a, s, where, base) => {
  void a;
  const x = s.node(n.input[0]!, where);
  return [s.emit(base, { kind }, [x.id], {}, where, x.shape)];
};

function pool(kind: "maxpool" | "avgpool"): Translator {
  return (n, a, s, where, base) => {
    const x = kind === "avgpool" ? s.padded(n.input[0]!, where) : s.node(n.input[0]!, where);
    const ks = a.ints("kernel_shape");
    if (ks === undefined || ks.length !== 2) throw importError(where, "has no 2-D kernel_shape", "spikelab's pooling is 2-D");
    const kernel: Pair = [ks[0]!, ks[1]!];
    const { stride, padding } = window(a, s, where, x, kernel, true);
    if (kind === "maxpool") {
      a.int("storage_order", 0); // only orders the (unused) indices output
    } else if (a.int("count_include_pad", 0) === 0 && (padding[0] > (x.pad?.[0] ?? 0) || padding[1] > (x.pad?.[1] ?? 0))) {
      throw importError(where, "averages over padded windows without counting the padding (count_include_pad=0)", "spikelab's average pooling counts padded zeros (as PyTorch's default count_include_pad=True); export with that, or without padding");
    }
    return [s.emit(base, { kind, kernel, stride, padding }, [x.id], {}, where)];
  };
}

const globalAvg: Translator = (n, a, s, where, base) => {
  void a;
  const x = s.node(n.input[0]!, where);
  const out = s.emit(base, { kind: "globalavgpool" }, [x.id], {}, where);
  return [{ ...out, shape: [out.shape[0]!, 1, 1] }];
};

const batchNorm: Translator = (n, a, s, where, base) => {
  const x = s.node(n.input[0]!, where);
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => s.constant(n.input[i]!, where));
  const eps = a.float("epsilon", 1e-5);
  // ONNX's momentum weighs the running value (0.9); spikelab's, like PyTorch's, the batch (0.1).
  const momentum = shortestFloat32(1 - a.float("momentum", 0.9));
  if (a.int("training_mode", 0) !== 0) throw importError(where, "is in training mode", "export the model in inference mode (model.eval())");
  if (a.int("spatial", 1) !== 1) throw importError(where, "normalises per position (spatial=0)", "spikelab's batch norm is per channel");
  const c = x.shape[0]!;
  const params: Record<string, Tensor> = {};
  for (const [k, t] of [["gamma", gamma], ["beta", beta], ["mean", mean], ["var", variance]] as const) params[k] = f32([c], channelVector(t!, [c], where));
  return [s.emit(base, { kind: "batchnorm", eps, momentum }, [x.id], params, where, x.shape)];
};

/** A per-sample reshape to a vector, or nothing at all; anything else has no IR op. */
function toVector(s: ImportState, where: string, base: string, x: NodeValue, target: readonly number[]): Value {
  if (same(target, x.shape)) return x;
  if (target.length !== 1) throw importError(where, `reshapes ${x.shape.join("x")} to ${target.join("x")} per sample`, "spikelab's IR reshapes only by flattening whole samples to vectors ([N, C·H·W]); keep the model's layout otherwise");
  const irShape = s.work(x.id).shape;
  if (irShape.length === 1) return { kind: "node", id: x.id, shape: irShape };
  return s.emit(base, { kind: "flatten" }, [x.id], {}, where);
}

const flatten: Translator = (n, a, s, where, base) => {
  const x = s.value(n.input[0]!, where);
  let axis = a.int("axis", 1);
  if (x.kind === "const") {
    const r = x.t.dims.length;
    if (axis < 0) axis += r;
    const lead = size(x.t.dims.slice(0, axis));
    return [konst({ ...x.t, dims: [lead, size(x.t.dims) / Math.max(lead, 1)] })];
  }
  if (axis < 0) axis += x.shape.length + 1;
  if (axis !== 1) throw importError(where, `flattens from axis ${axis}`, axis === 0 ? "flattening the batch axis mixes samples; use axis=1" : "spikelab flattens whole samples (axis=1) only");
  return [toVector(s, where, base, x, [size(x.shape)])];
};

const reshape: Translator = (n, a, s, where, base) => {
  const x = s.value(n.input[0]!, where);
  const t = s.constant(n.input[1]!, where);
  const allowZero = a.int("allowzero", 0) !== 0;
  const target = Array.from(t.values);
  if (x.kind === "const") {
    const dims = target.map((d, i) => (d === 0 && !allowZero ? x.t.dims[i]! : d));
    const known = dims.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
    return [konst({ ...x.t, dims: dims.map((d) => (d === -1 ? size(x.t.dims) / known : d)) })];
  }
  const full = [NaN, ...x.shape];
  const first = target[0];
  const batchLike = first !== undefined && (Number.isNaN(first) || (first === 0 && !allowZero) || first === -1 || (s.batch !== undefined && first === s.batch));
  if (!batchLike) throw importError(where, `reshapes to [${target.join(", ")}], which does not keep the batch axis first`, "reshape to [N, ...] (e.g. x.view(x.size(0), -1)) so each sample stays whole");
  const rest = target.slice(1).map((d, i) => (d === 0 && !allowZero ? full[i + 1]! : d));
  if (rest.some((d) => Number.isNaN(d))) throw importError(where, "moves the batch size into a per-sample axis", "keep the batch axis first");
  const per = size(x.shape);
  const known = rest.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const resolved = rest.map((d) => (d === -1 ? per / known : d));
  if (first === -1 && rest.includes(-1)) throw importError(where, "has two -1 dimensions", "the file is inconsistent; export it again");
  if (size(resolved) !== per || resolved.some((d) => !Number.isInteger(d) || d < 1)) throw importError(where, `cannot reshape ${x.shape.join("x")} to ${rest.join("x")} per sample`, "the file is inconsistent; export it again");
  return [toVector(s, where, base, x, resolved)];
};

const softmax: Translator = (n, a, s, where, base) => {
  const x = s.node(n.input[0]!, where);
  let axis = a.int("axis", s.opset < 13 ? 1 : -1);
  if (axis < 0) axis += x.shape.length + 1;
  if (x.shape.length !== 1 || axis !== 1) throw importError(where, `takes the softmax over axis ${axis} of a per-sample ${x.shape.join("x")} tensor`, "spikelab's softmax is over the features of a vector [N, F]; flatten before it");
  return [s.emit(base, { kind: "softmax" }, [x.id], {}, where)];
};

const dropout: Translator = (n, a, s, where, base) => {
  const x = s.node(n.input[0]!, where);
  let rate = s.opset < 12 ? a.float("ratio", 0.5) : 0.5;
  const r = s.optional(n, 1);
  if (r !== undefined) rate = shortestFloat32(s.constant(n.input[1]!, where).values[0]!);
  const tm = s.optional(n, 2);
  if (tm !== undefined && s.constant(n.input[2]!, where).values[0] !== 0) throw importError(where, "is in training mode", "export in inference mode (model.eval())");
  a.int("seed", 0);
  a.int("is_test", 1);
  return [s.emit(base, { kind: "dropout", rate }, [x.id], {}, where, x.shape)];
};

const concat: Translator = (n, a, s, where, base) => {
  const ins = n.input.map((i) => s.value(i, where));
  let axis = a.int("axis", 1);
  if (ins.every((v) => v.kind === "const")) {
    const ts = ins.map((v) => (v as { t: ConstTensor }).t);
    if (ts.some((t) => t.dims.length !== 1) || (axis !== 0 && axis !== -1)) throw importError(where, "concatenates constants of rank > 1", "spikelab folds 1-D shape arithmetic only");
    const values = Float64Array.from(ts.flatMap((t) => Array.from(t.values)));
    return [konst({ dims: [values.length], values, integer: ts.every((t) => t.integer) })];
  }
  if (ins.some((v) => v.kind === "const")) throw importError(where, "concatenates a constant with input-dependent tensors", "spikelab's concat joins branches of the network");
  const xs = ins as NodeValue[];
  if (axis < 0) axis += xs[0]!.shape.length + 1;
  if (axis !== 1) throw importError(where, `concatenates along axis ${axis}`, "spikelab's concat joins channels (axis 1 of NCHW, or the features of [N, F])");
  if (xs.length === 1) return [xs[0]!];
  return [s.emit(base, { kind: "concat" }, xs.map((v) => v.id), {}, where)];
};

const identity: Translator = (n, a, s, where) => {
  void a;
  return [s.value(n.input[0]!, where)];
};

const constant: Translator = (n, a, s, where) => {
  const t = a.tensor("value");
  if (t !== undefined) return [konst(readTensor(t, s.file, `${where} value`))];
  const f = a.floats("value_floats");
  if (f !== undefined) return [konst({ dims: [f.length], values: Float64Array.from(f), integer: false })];
  const i = a.ints("value_ints");
  if (i !== undefined) return [konst({ dims: [i.length], values: Float64Array.from(i), integer: true })];
  const names = a.names();
  if (names.includes("value_float")) return [konst({ dims: [], values: Float64Array.of(a.float("value_float", 0)), integer: false })];
  if (names.includes("value_int")) return [konst({ dims: [], values: Float64Array.of(a.int("value_int", 0)), integer: true })];
  throw importError(where, `holds a ${names[0] ?? "missing"} value`, "spikelab reads numeric tensor constants only");
};

const shape: Translator = (n, a, s, where) => {
  const x = s.value(n.input[0]!, where);
  // The batch size is not known until run time: NaN stands for it in shape arithmetic.
  const dims = x.kind === "const" ? [...x.t.dims] : [NaN, ...x.shape];
  let start = a.int("start", 0);
  let end = a.int("end", dims.length);
  if (start < 0) start += dims.length;
  if (end < 0) end += dims.length;
  const v = dims.slice(Math.max(0, start), Math.min(dims.length, end));
  return [konst({ dims: [v.length], values: Float64Array.from(v), integer: true })];
};

const gather: Translator = (n, a, s, where) => {
  const data = s.constant(n.input[0]!, where);
  const idx = s.constant(n.input[1]!, where);
  return [konst(gatherConst(data, idx, a.int("axis", 0), where))];
};

const unsqueeze: Translator = (n, a, s, where) => {
  const x = s.constant(n.input[0]!, where);
  const axes = s.opset < 13 ? a.ints("axes") ?? [] : Array.from(s.constant(n.input[1]!, where).values);
  return [konst(unsqueezeConst(x, axes))];
};

const squeeze: Translator = (n, a, s, where) => {
  const x = s.constant(n.input[0]!, where);
  const axes = s.opset < 13 ? a.ints("axes") : n.input[1] ? Array.from(s.constant(n.input[1], where).values) : undefined;
  return [konst(squeezeConst(x, axes))];
};

const slice: Translator = (n, a, s, where) => {
  const x = s.constant(n.input[0]!, where);
  const get = (i: number, attr: string): number[] | undefined => (s.opset < 10 ? a.ints(attr) : n.input[i] ? Array.from(s.constant(n.input[i]!, where).values) : undefined);
  return [konst(sliceConst(x, get(1, "starts") ?? [], get(2, "ends") ?? [], get(3, "axes"), get(4, "steps"), where))];
};

const cast: Translator = (n, a, s, where) => {
  const to = a.int("to", 1);
  const x = s.value(n.input[0]!, where);
  const intTypes = [2, 3, 4, 5, 6, 7, 9, 12, 13];
  if (x.kind === "const") return [konst({ ...x.t, values: intTypes.includes(to) ? x.t.values.map((v) => (Number.isNaN(v) ? v : Math.trunc(v))) : x.t.values, integer: intTypes.includes(to) })];
  if (to !== 1) throw importError(where, `casts the network's values to type ${to}`, "spikelab computes in float32; export without casts on the data path");
  return [x];
};

/** Pad: zeros around H and W, taken over by the Conv or AveragePool that reads it; all-zero pads vanish. */
const pad: Translator = (n, a, s, where) => {
  const x = s.value(n.input[0]!, where);
  const mode = a.string("mode", "constant");
  const pads = s.opset < 11 ? a.ints("pads") ?? [] : Array.from(s.constant(n.input[1]!, where).values);
  const value = s.opset < 11 ? a.float("value", 0) : n.input[2] ? s.constant(n.input[2], where).values[0] ?? 0 : 0;
  if (n.input[3]) throw importError(where, "pads selected axes (the axes input)", "export with pads for every axis");
  if (x.kind === "const") throw importError(where, "pads a constant", "spikelab folds Pad only on the network's data path");
  if (pads.every((p) => p === 0)) return [x];
  const r = x.shape.length + 1;
  const [b0, c0, h0, w0, b1, c1, h1, w1] = r === 4 ? pads : [];
  if (r !== 4 || pads.length !== 8 || b0 !== 0 || c0 !== 0 || b1 !== 0 || c1 !== 0 || h0 !== h1 || w0 !== w1 || h0! < 0 || w0! < 0) {
    throw importError(where, `pads [${pads.join(", ")}]`, "spikelab folds symmetric zero padding of H and W (pads [0, 0, p, q, 0, 0, p, q]) into the next Conv or AveragePool");
  }
  if (mode !== "constant" || value !== 0) throw importError(where, `pads with ${mode === "constant" ? `the value ${value}` : `mode '${mode}'`}`, "spikelab's convolutions and pools pad with zeros only");
  return [{ kind: "node", id: x.id, shape: [x.shape[0]!, x.shape[1]! + 2 * h0!, x.shape[2]! + 2 * w0!], pad: [h0!, w0!] }];
};

const sum: Translator = (n, a, s, where, base) => {
  void a;
  const xs = n.input.map((i) => s.node(i, where));
  if (xs.length === 1) return [xs[0]!];
  if (xs.some((x) => !same(x.shape, xs[0]!.shape))) throw importError(where, "adds tensors of different shapes", "spikelab's add joins branches of one shape");
  return [s.emit(base, { kind: "add" }, xs.map((x) => x.id), {}, where, xs[0]!.shape)];
};

export const TRANSLATORS: ReadonlyMap<string, Translator> = new Map<string, Translator>([
  ["Conv", conv],
  ["Gemm", gemm],
  ["MatMul", matmul],
  ["Add", arithmetic("Add")],
  ["Sub", arithmetic("Sub")],
  ["Mul", arithmetic("Mul")],
  ["Div", arithmetic("Div")],
  ["Sum", sum],
  ["Relu", unary("relu")],
  ["Sigmoid", unary("sigmoid")],
  ["MaxPool", pool("maxpool")],
  ["AveragePool", pool("avgpool")],
  ["GlobalAveragePool", globalAvg],
  ["BatchNormalization", batchNorm],
  ["Flatten", flatten],
  ["Reshape", reshape],
  ["Softmax", softmax],
  ["Dropout", dropout],
  ["Concat", concat],
  ["Pad", pad],
  ["Identity", identity],
  ["Constant", constant],
  // Shape arithmetic on constants, as exporters write it around Reshape.
  ["Shape", shape],
  ["Gather", gather],
  ["Unsqueeze", unsqueeze],
  ["Squeeze", squeeze],
  ["Slice", slice],
  ["Cast", cast],
]);

export const SUPPORTED_OPS: readonly string[] = [...TRANSLATORS.keys()];


// Constant arithmetic for ONNX import: numpy-style broadcasting on small tensors (shape
// arithmetic, where NaN stands for the batch size), per-channel views of constants, and the one
// place a constant affine map y = scale·x + shift meets the network — folded into the conv,
// dense or batch-norm node before it when nothing else reads that node, else a batch-norm node.

import type { Tensor } from "../tensor/tensor.ts";
import { importError, type ImportState, type NodeValue } from "./onnx-import.ts";
import type { ConstTensor } from "./onnx-proto.ts";

const size = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!;
  return s;
}

/** Elementwise Add/Sub/Mul/Div of two constants with ONNX (numpy) broadcasting. */
export function broadcastBinary(kind: "Add" | "Sub" | "Mul" | "Div", a: ConstTensor, b: ConstTensor, where: string): ConstTensor {
  const r = Math.max(a.dims.length, b.dims.length);
  const pad = (d: readonly number[]): number[] => [...new Array<number>(r - d.length).fill(1), ...d];
  const [da, db] = [pad(a.dims), pad(b.dims)];
  const dims = da.map((x, i) => {
    const y = db[i]!;
    if (x !== y && x !== 1 && y !== 1) throw importError(where, `cannot broadcast constants of shapes ${a.dims.join("x")} and ${b.dims.join("x")}`, "the file is inconsistent; export it again");
    return Math.max(x, y);
  });
  const [sa, sb, so] = [strides(da), strides(db), strides(dims)];
  const n = size(dims);
  const values = new Float64Array(n);
  const integer = a.integer && b.integer;
  for (let k = 0; k < n; k++) {
    let ia = 0;
    let ib = 0;
    for (let ax = 0; ax < r; ax++) {
      const c = Math.floor(k / so[ax]!) % dims[ax]!;
      if (da[ax] !== 1) ia += c * sa[ax]!;
      if (db[ax] !== 1) ib += c * sb[ax]!;
    }
    const x = a.values[ia]!;
    const y = b.values[ib]!;
    const v = kind === "Add" ? x + y : kind === "Sub" ? x - y : kind === "Mul" ? x * y : integer ? Math.trunc(x / y) : x / y;
    values[k] = v;
  }
  return { dims, values, integer };
}

/**
 * A constant broadcast against a tensor of per-sample shape `shape` (batch in front), as one
 * value per channel (axis 1 of the batched shape). Anything varying along another axis is an error.
 */
export function channelVector(t: ConstTensor, shape: readonly number[], where: string): Float64Array {
  const full = [1, ...shape];
  const c = shape[0]!;
  if (t.dims.length > full.length) throw importError(where, `has a constant of shape ${t.dims.join("x")} for a tensor of per-sample shape ${shape.join("x")}`, "the file is inconsistent; export it again");
  const aligned = [...new Array<number>(full.length - t.dims.length).fill(1), ...t.dims];
  const ok = aligned.every((d, i) => d === 1 || (i === 1 && d === c));
  if (!ok) {
    throw importError(where, `uses a constant of shape ${t.dims.join("x") || "scalar"} that varies along an axis other than the channels of its ${shape.join("x")} input`, "spikelab imports constants that are one number, or one per channel ([C, 1, 1], [1, C, 1, 1], or [F] for vectors)");
  }
  const out = new Float64Array(c);
  for (let i = 0; i < c; i++) out[i] = t.values[aligned[1] === c ? i : 0]!;
  return out;
}

/** Applies y = scale·x + shift per channel to `x`, the value of ONNX tensor `inTensor`; the result stands for `outTensor`. */
export function affineChannels(s: ImportState, where: string, base: string, x: NodeValue, inTensor: string, outTensor: string, scale: Float64Array, shift: Float64Array): NodeValue {
  const w = s.work(x.id);
  const foldable = w.tensor === inTensor && s.readers(inTensor) === 1 && (w.op.kind === "conv" || w.op.kind === "dense" || w.op.kind === "batchnorm");
  if (foldable && (w.op.kind === "conv" || w.op.kind === "dense") && w.params.weight !== undefined) {
    const wt = w.params.weight;
    const outC = wt.shape[0]!;
    const per = wt.data.length / outC;
    const weight = Float32Array.from(wt.data, (v, j) => v * scale[Math.floor(j / per)]!);
    const old = w.params.bias;
    const bias = Float32Array.from({ length: outC }, (_, o) => scale[o]! * (old === undefined ? 0 : old.data[o]!) + shift[o]!);
    w.params = { weight: { shape: [...wt.shape], data: weight }, bias: { shape: [outC], data: bias } };
    w.op = { ...w.op, bias: true };
    w.tensor = outTensor;
    return x;
  }
  if (foldable && w.op.kind === "batchnorm") {
    const g = w.params.gamma!;
    const b = w.params.beta!;
    w.params = {
      ...w.params,
      gamma: { shape: [...g.shape], data: Float32Array.from(g.data, (v, i) => v * scale[i]!) },
      beta: { shape: [...b.shape], data: Float32Array.from(b.data, (v, i) => v * scale[i]! + shift[i]!) },
    };
    w.tensor = outTensor;
    return x;
  }
  const c = scale.length;
  const t = (v: ArrayLike<number>): Tensor => ({ shape: [c], data: Float32Array.from(v) });
  // A batch norm with mean 0, variance 1 and eps 0 is exactly scale·x + shift.
  const params = { gamma: t(scale), beta: t(shift), mean: t(new Float64Array(c)), var: t(new Float64Array(c).fill(1)) };
  return s.emit(base, { kind: "batchnorm", eps: 0, momentum: 0.1 }, [x.id], params, where, x.shape);
}

export function gatherConst(data: ConstTensor, idx: ConstTensor, axis: number, where: string): ConstTensor {
  const r = data.dims.length;
  const ax = axis < 0 ? axis + r : axis;
  if (ax !== 0 || r === 0) throw importError(where, `gathers along axis ${axis} of a ${r}-D constant`, "spikelab folds gathers along axis 0 only");
  const n0 = data.dims[0]!;
  const inner = size(data.dims.slice(1));
  const dims = [...idx.dims, ...data.dims.slice(1)];
  const values = new Float64Array(size(dims));
  idx.values.forEach((i, k) => {
    const j = i < 0 ? i + n0 : i;
    if (!(j >= 0 && j < n0)) throw importError(where, `gathers index ${i} from ${n0} entries`, "the file is inconsistent; export it again");
    values.set(data.values.subarray(j * inner, (j + 1) * inner), k * inner);
  });
  return { dims, values, integer: data.integer };
}

export function unsqueezeConst(x: ConstTensor, axes: readonly number[]): ConstTensor {
  const r = x.dims.length + axes.length;
  const set = new Set(axes.map((a) => (a < 0 ? a + r : a)));
  const dims: number[] = [];
  let k = 0;
  for (let i = 0; i < r; i++) dims.push(set.has(i) ? 1 : x.dims[k++]!);
  return { ...x, dims };
}

export function squeezeConst(x: ConstTensor, axes: readonly number[] | undefined): ConstTensor {
  const r = x.dims.length;
  const set = axes === undefined ? undefined : new Set(axes.map((a) => (a < 0 ? a + r : a)));
  return { ...x, dims: x.dims.filter((d, i) => !(set === undefined ? d === 1 : set.has(i))) };
}

export function sliceConst(x: ConstTensor, starts: readonly number[], ends: readonly number[], axes: readonly number[] | undefined, steps: readonly number[] | undefined, where: string): ConstTensor {
  const r = x.dims.length;
  const lo = new Array<number>(r).fill(0);
  const step = new Array<number>(r).fill(1);
  const count = [...x.dims];
  starts.forEach((st, k) => {
    const ax0 = axes?.[k] ?? k;
    const ax = ax0 < 0 ? ax0 + r : ax0;
    const d = x.dims[ax];
    const sp = steps?.[k] ?? 1;
    if (d === undefined || sp === 0) throw importError(where, `slices axis ${ax0} of a ${r}-D constant`, "the file is inconsistent; export it again");
    const clamp = (v: number, a: number, b: number): number => Math.min(Math.max(v, a), b);
    let s0 = st < 0 ? st + d : st;
    let e0 = ends[k]! < 0 ? ends[k]! + d : ends[k]!;
    if (sp > 0) {
      s0 = clamp(s0, 0, d);
      e0 = clamp(e0, 0, d);
      count[ax] = Math.max(0, Math.ceil((e0 - s0) / sp));
    } else {
      s0 = clamp(s0, -1, d - 1);
      e0 = clamp(e0, -1, d - 1);
      count[ax] = Math.max(0, Math.ceil((s0 - e0) / -sp));
    }
    lo[ax] = s0;
    step[ax] = sp;
  });
  const src = strides(x.dims);
  const out = strides(count);
  const values = new Float64Array(size(count));
  for (let k = 0; k < values.length; k++) {
    let i = 0;
    for (let ax = 0; ax < r; ax++) i += (lo[ax]! + (Math.floor(k / out[ax]!) % count[ax]!) * step[ax]!) * src[ax]!;
    values[k] = x.values[i]!;
  }
  return { dims: count, values, integer: x.integer };
}

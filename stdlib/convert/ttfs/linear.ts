// Building blocks of the exact-TTFS canonical DAG (canonical.ts walks the network with them): a
// conv or dense node as a linear input with a pending affine map (input range, batch norm after
// a ReLU) folded in, average pooling as a depthwise input, a non-negative tensor as an identity
// input, and a batch norm before the ReLU folded into every input of a linear expression.
// Float64, new arrays every time (an expression may be read by several layers); no data, no spikes.

import { SpikelabError } from "../../errors.ts";
import type { Node } from "../../ir/network.ts";
import { sizeOf } from "../../tensor/tensor.ts";
import { chw, conv64, inputChannels, type LinearGeometry, type LinearInput, type PoolStage } from "./stages.ts";

/** x_ann = kappa·x_canonical + beta, element by element over the current shape: a batch norm (or the input range) not yet folded. */
export interface Affine {
  readonly kappa: Float64Array;
  readonly beta: Float64Array;
}

/** A pool waiting for its linear expression's ReLU (max commutes with ReLU); `src` is set when it becomes a stage. */
export type PendingPool = Omit<PoolStage, "src">;

/** A linear expression not yet through its ReLU: Σ inputs + bias over `outShape`, then `pools`. */
export interface Expression {
  /** Population id it would become. */
  readonly id: string;
  readonly origin: "conv" | "dense" | "avgpool" | "globalavgpool" | "add" | "concat";
  readonly inputs: readonly LinearInput[];
  readonly bias: Float64Array;
  readonly outShape: readonly number[];
  readonly pools: readonly PendingPool[];
}

export const unsupported = (node: Node, message: string, hint: string): SpikelabError =>
  new SpikelabError("unsupported", `exact TTFS conversion: layer '${node.id}' (${node.op.kind}) ${message}`, { ...(node.loc ? { loc: node.loc } : {}), hint });

/** Per-channel values of a per-position array, or undefined if they vary inside a channel. */
export function perChannel(values: Float64Array, shape: readonly number[]): Float64Array | undefined {
  const [c, h, w] = chw(shape);
  const hw = h * w;
  const out = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const v = values[ch * hw]!;
    for (let k = 1; k < hw; k++) if (values[ch * hw + k] !== v) return undefined;
    out[ch] = v;
  }
  return out;
}

function f64(node: Node, name: string): Float64Array {
  const t = node.params[name];
  if (t === undefined) {
    throw new SpikelabError("param", `layer '${node.id}' has no ${name}`, { ...(node.loc ? { loc: node.loc } : {}), hint: "train or load the network before converting it" });
  }
  return Float64Array.from(t.data);
}

/** A conv or dense node reading stage `src` (shape `inShape` as read) as an expression, with a pending affine map of its input folded in. */
export function linearFromNode(node: Node, src: number, inShape: readonly number[], pending: Affine | undefined): Expression {
  const op = node.op;
  if (op.kind !== "conv" && op.kind !== "dense") throw new Error("linearFromNode: not a conv/dense");
  const w = f64(node, "weight");
  const bias0 = op.bias ? f64(node, "bias") : new Float64Array(node.shape[0]!);
  const outShape = node.shape;
  const n = sizeOf(outShape);
  const bias = new Float64Array(n);
  const per = n / bias0.length;
  for (let i = 0; i < n; i++) bias[i] = bias0[Math.floor(i / per)]!;
  const geometry: LinearGeometry = op.kind === "dense" ? { kind: "dense" } : { kind: "conv", kernel: op.kernel, stride: op.stride, padding: op.padding, groups: op.groups };
  const weightShape = node.params.weight!.shape;
  if (pending !== undefined) {
    if (geometry.kind === "dense") {
      const inF = sizeOf(inShape);
      for (let o = 0; o < n; o++) {
        let s = 0;
        for (let j = 0; j < inF; j++) {
          s += w[o * inF + j]! * pending.beta[j]!;
          w[o * inF + j] = w[o * inF + j]! * pending.kappa[j]!;
        }
        bias[o] = bias[o]! + s;
      }
    } else if (geometry.kind === "conv") {
      const kappa = perChannel(pending.kappa, inShape);
      if (kappa === undefined) throw unsupported(node, "reads a batch norm whose scale varies inside a channel", "apply the batch norm per channel (before flatten)");
      // The shift reaches only real taps: convolving it with zero padding gives each position its own bias.
      const shift = new Float64Array(n);
      conv64(pending.beta, inShape, w, weightShape, geometry, shift);
      for (let i = 0; i < n; i++) bias[i] = bias[i]! + shift[i]!;
      const [inC] = chw(inShape);
      const icg = inC / geometry.groups;
      const outC = weightShape[0]!;
      const ocg = outC / geometry.groups;
      const taps = geometry.kernel[0] * geometry.kernel[1];
      for (let oc = 0; oc < outC; oc++) {
        for (let ic = 0; ic < icg; ic++) {
          const k = kappa[Math.floor(oc / ocg) * icg + ic]!;
          const base = (oc * icg + ic) * taps;
          for (let t = 0; t < taps; t++) w[base + t] = w[base + t]! * k;
        }
      }
    }
  }
  return { id: node.id, origin: op.kind, inputs: [{ src, geometry, inShape, weight: w, weightShape, offset: 0 }], bias, outShape, pools: [] };
}

/** Average pooling over non-negative inputs as a depthwise input (weights 1/(kH·kW), zero padding). */
export function avgPoolInput(node: Node, src: number, inShape: readonly number[]): LinearInput {
  const [c, h, w] = chw(inShape);
  const op = node.op;
  const geometry: Extract<LinearGeometry, { kind: "conv" }> =
    op.kind === "avgpool" ? { kind: "conv", kernel: op.kernel, stride: op.stride, padding: op.padding, groups: c } : { kind: "conv", kernel: [h, w], stride: [1, 1], padding: [0, 0], groups: c };
  const taps = geometry.kernel[0] * geometry.kernel[1];
  return { src, geometry, inShape, weight: new Float64Array(c * taps).fill(1 / taps), weightShape: [c, 1, ...geometry.kernel], offset: 0 };
}

/**
 * A non-negative tensor (stage `src`, read as `shape`) with a pending affine map as an expression of
 * the same shape: one identity input whose weight is the map's per-channel scale; its shift goes
 * into the bias (identity taps have no padding, so it is exact position by position).
 */
export function identityExpression(node: Node, id: string, src: number, shape: readonly number[], pending: Affine | undefined, what: string): Expression {
  const [c] = chw(shape);
  const n = sizeOf(shape);
  let weight: Float64Array = new Float64Array(c).fill(1);
  if (pending !== undefined) {
    const k = perChannel(pending.kappa, shape);
    if (k === undefined) throw unsupported(node, `${what} a batch norm whose scale varies inside a channel`, "apply the batch norm per channel");
    weight = k;
  }
  const bias = pending === undefined ? new Float64Array(n) : Float64Array.from(pending.beta);
  return { id, origin: "add", inputs: [{ src, geometry: { kind: "identity" }, inShape: shape, weight, weightShape: [c], offset: 0 }], bias, outShape: shape, pools: [] };
}

/** Multiplies every input row writing output channel c by scale[c] (a copy). */
export function scaleRows(inputs: readonly LinearInput[], scale: (channel: number) => number): LinearInput[] {
  return inputs.map((inp) => {
    const k = inputChannels(inp);
    const per = inp.weight.length / k;
    const w = inp.weight.slice();
    for (let o = 0; o < k; o++) {
      const f = scale(inp.offset + o);
      if (f !== 1) for (let j = 0; j < per; j++) w[o * per + j] = w[o * per + j]! * f;
    }
    return { ...inp, weight: w };
  });
}

/** A batch norm right after the expression (before its ReLU), folded in per output channel; pools in between flip to min-pools where the scale is negative. */
export function foldBatchNorm(e: Expression, scale: Float64Array, shift: Float64Array): Expression {
  const n = e.bias.length;
  const [outC] = chw(e.outShape);
  const per = n / outC;
  const bias = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ch = Math.floor(i / per);
    bias[i] = scale[ch]! * e.bias[i]! + shift[ch]!;
  }
  const pools = e.pools.map((p) => {
    const latest = p.latest.slice();
    for (let c = 0; c < outC; c++) if (scale[c]! < 0) latest[c] = 1 - latest[c]!;
    return { ...p, latest };
  });
  return { ...e, inputs: scaleRows(e.inputs, (c) => scale[c]!), bias, pools };
}

/** Whether the expression is ≥ 0 on every input: only identity inputs of non-negative tensors with weights ≥ 0, biases ≥ 0, no pools. */
export function nonNegative(e: Expression): boolean {
  return e.pools.length === 0 && e.inputs.every((i) => i.geometry.kind === "identity" && i.weight.every((v) => v >= 0)) && e.bias.every((v) => v >= 0);
}

/** Whether the expression only passes tensors on (identity inputs, no pools): a concat or sum of tensors already through their ReLU. */
export function identityOnly(e: Expression): boolean {
  return e.pools.length === 0 && e.inputs.every((i) => i.geometry.kind === "identity");
}

/**
 * A conv, dense or average-pool node reading an identity-only expression `e` (seen as `shape`),
 * composed into one input per tensor it passes on — no population in between. The node's
 * weights are split along its input channels (a grouped conv only where every group lies inside
 * one tensor) and scaled by the identity weights; `e`'s bias goes through the node (zero padding
 * included). Undefined when the grouping does not split that way.
 */
export function composeIdentity(node: Node, e: Expression, shape: readonly number[]): Expression | undefined {
  const op = node.op;
  const [C, H, W] = chw(e.outShape);
  const hw = H * W;
  if (op.kind === "dense") {
    const lin = linearFromNode(node, -1, shape, undefined).inputs[0]!;
    const units = lin.weightShape[0]!;
    const F = sizeOf(shape);
    const bias = linearFromNode(node, -1, shape, undefined).bias;
    for (let o = 0; o < units; o++) for (let j = 0; j < F; j++) bias[o] = bias[o]! + lin.weight[o * F + j]! * e.bias[j]!;
    const inputs = e.inputs.map((inp): LinearInput => {
      const nk = sizeOf(inp.inShape);
      const per = nk / inputChannels(inp);
      const base = inp.offset * hw;
      const w = new Float64Array(units * nk);
      for (let o = 0; o < units; o++) for (let j = 0; j < nk; j++) w[o * nk + j] = lin.weight[o * F + base + j]! * inp.weight[Math.floor(j / per)]!;
      return { src: inp.src, geometry: { kind: "dense" }, inShape: [nk], weight: w, weightShape: [units, nk], offset: 0 };
    });
    return { id: node.id, origin: "dense", inputs, bias, outShape: node.shape, pools: [] };
  }
  let lin: LinearInput;
  let bias0: Float64Array;
  if (op.kind === "conv") {
    const x = linearFromNode(node, -1, shape, undefined);
    lin = x.inputs[0]!;
    bias0 = x.bias;
  } else if (op.kind === "avgpool" || op.kind === "globalavgpool") {
    lin = avgPoolInput(node, -1, shape);
    bias0 = new Float64Array(sizeOf(node.shape));
  } else return undefined;
  const g = lin.geometry as Extract<LinearGeometry, { kind: "conv" }>;
  if (e.inputs.some((i) => i.inShape.length !== 3)) return undefined;
  const outC = lin.weightShape[0]!;
  const icg = C / g.groups;
  const ocg = outC / g.groups;
  const taps = g.kernel[0] * g.kernel[1];
  const bias = bias0.slice();
  conv64(e.bias, e.outShape, lin.weight, lin.weightShape, g, bias);
  const inputs: LinearInput[] = [];
  for (const inp of e.inputs) {
    const k = inputChannels(inp);
    if (g.groups === 1) {
      // Every output channel reads every input channel: the slice's columns of the kernel.
      const w = new Float64Array(outC * k * taps);
      for (let oc = 0; oc < outC; oc++) for (let c = 0; c < k; c++) for (let t = 0; t < taps; t++) w[(oc * k + c) * taps + t] = lin.weight[(oc * C + inp.offset + c) * taps + t]! * inp.weight[c]!;
      inputs.push({ src: inp.src, geometry: g, inShape: inp.inShape, weight: w, weightShape: [outC, k, ...g.kernel], offset: 0 });
    } else {
      if (inp.offset % icg !== 0 || k % icg !== 0) return undefined;
      const groups = k / icg, g0 = inp.offset / icg;
      const w = new Float64Array(groups * ocg * icg * taps);
      for (let oc = 0; oc < groups * ocg; oc++) {
        for (let ic = 0; ic < icg; ic++) {
          const c = Math.floor(oc / ocg) * icg + ic;
          for (let t = 0; t < taps; t++) w[(oc * icg + ic) * taps + t] = lin.weight[((g0 * ocg + oc) * icg + ic) * taps + t]! * inp.weight[c]!;
        }
      }
      inputs.push({ src: inp.src, geometry: { ...g, groups }, inShape: inp.inShape, weight: w, weightShape: [groups * ocg, icg, ...g.kernel], offset: g0 * ocg });
    }
  }
  return { id: node.id, origin: op.kind, inputs, bias, outShape: node.shape, pools: [] };
}

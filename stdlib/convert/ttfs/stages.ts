// The exact-TTFS family's canonical form of a ReLU network, in float64: a DAG of linear stages
// (conv, dense, average pool as a depthwise conv, and joins: several inputs summed into one
// population, each input writing a channel slice) with a per-neuron bias and an optional ReLU,
// and max-pool stages; plus the float64 forward over it. Conversion builds it, the simulator
// rebuilds it from the spiking IR to check decoded activations. No spikes, no time windows here.

import type { Pair } from "../../ir/network.ts";
import { sizeOf } from "../../tensor/tensor.ts";

export type LinearGeometry =
  | { readonly kind: "dense" }
  | { readonly kind: "conv"; readonly kernel: Pair; readonly stride: Pair; readonly padding: Pair; readonly groups: number }
  /** Element-wise: input element j (CHW) reaches output element offset·H·W + j with the weight of its output channel. */
  | { readonly kind: "identity" };

/** One input of a linear stage: another stage's output (or the network input) through a geometry, into output channels [offset, offset + weightShape[0]). */
export interface LinearInput {
  /** Index of the stage read; −1 = the network input. */
  readonly src: number;
  readonly geometry: LinearGeometry;
  /** Per-sample shape as read, [C, H, W] or [F]; a dense input reads its source flattened (CHW order). */
  readonly inShape: readonly number[];
  /** Dense [out, in]; conv [outC, inC/groups, kH, kW]; identity [out channels]. */
  readonly weight: Float64Array;
  readonly weightShape: readonly number[];
  /** First output channel it writes (a vector's channels are its elements). */
  readonly offset: number;
}

/** y = ReLU?(Σ_inputs W_k x_k + b): b has one value per output neuron, since zero padding makes folded biases position-dependent. */
export interface LinearStage {
  readonly kind: "linear";
  /** Population id it becomes (the ANN node whose output it computes, up to per-channel scale). */
  readonly id: string;
  /** What it came from in the ANN; `relay` carries a value one time window later (identity, bias 0). */
  readonly origin: "conv" | "dense" | "avgpool" | "globalavgpool" | "add" | "concat" | "relay";
  readonly inputs: readonly LinearInput[];
  readonly outShape: readonly number[];
  /** One per output neuron, CHW order. */
  readonly bias: Float64Array;
  /** Hidden stages end in a ReLU; the last stage (the logits) does not. */
  readonly relu: boolean;
}

/** Max pooling over non-negative inputs; padded taps are ignored. `latest[c] = 1` takes the minimum instead (a negative batch-norm scale folded through it). */
export interface PoolStage {
  readonly kind: "maxpool";
  readonly id: string;
  /** Index of the stage pooled; −1 = the network input. */
  readonly src: number;
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  readonly latest: Uint8Array;
}

export type Stage = LinearStage | PoolStage;

export interface Canonical {
  readonly inputShape: readonly number[];
  /** Topological order: every stage reads earlier ones; exactly one final linear stage without ReLU, last. */
  readonly stages: readonly Stage[];
  /** The ANN applies a ReLU to its logits (prediction = argmax of ReLU(logits)). */
  readonly outputRelu: boolean;
  /** What was folded or dropped, for the user. */
  readonly notes: readonly string[];
}

/** Spatial [C, H, W] of a shape; a vector [F] counts as F channels of 1x1. */
export function chw(shape: readonly number[]): [number, number, number] {
  if (shape.length === 3) return [shape[0]!, shape[1]!, shape[2]!];
  return [sizeOf(shape), 1, 1];
}

function outSize(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

/** Output [C, H, W] of a conv-like geometry over `inShape`. */
export function convOut(inShape: readonly number[], outC: number, g: Extract<LinearGeometry, { kind: "conv" }>): [number, number, number] {
  const [, h, w] = chw(inShape);
  return [outC, outSize(h, g.kernel[0], g.stride[0], g.padding[0]), outSize(w, g.kernel[1], g.stride[1], g.padding[1])];
}

/** y (+)= conv(x) over one sample, zero padding, no bias. Loops ordered so the innermost runs along a contiguous row. */
export function conv64(x: Float64Array, inShape: readonly number[], w: Float64Array, weightShape: readonly number[], g: Extract<LinearGeometry, { kind: "conv" }>, y: Float64Array): void {
  const [inC, inH, inW] = chw(inShape);
  const outC = weightShape[0]!;
  const [, outH, outW] = convOut(inShape, outC, g);
  const [kH, kW] = g.kernel;
  const [sH, sW] = g.stride;
  const [pH, pW] = g.padding;
  const icg = inC / g.groups;
  const ocg = outC / g.groups;
  for (let oc = 0; oc < outC; oc++) {
    const grp = Math.floor(oc / ocg);
    const yBase = oc * outH * outW;
    for (let ic = 0; ic < icg; ic++) {
      const ci = grp * icg + ic;
      for (let ky = 0; ky < kH; ky++) {
        for (let kx = 0; kx < kW; kx++) {
          const wv = w[((oc * icg + ic) * kH + ky) * kW + kx]!;
          if (wv === 0) continue;
          const oxLo = Math.max(0, Math.ceil((pW - kx) / sW));
          const oxHi = Math.min(outW - 1, Math.floor((inW - 1 + pW - kx) / sW));
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * sH - pH + ky;
            if (iy < 0 || iy >= inH) continue;
            const xRow = (ci * inH + iy) * inW - pW + kx;
            const yRow = yBase + oy * outW;
            for (let ox = oxLo; ox <= oxHi; ox++) y[yRow + ox] = y[yRow + ox]! + wv * x[xRow + ox * sW]!;
          }
        }
      }
    }
  }
}

/** y = W x over one sample (W [out, in]); zero inputs are skipped, as ReLU layers are mostly zeros. */
export function dense64(x: Float64Array, w: Float64Array, outF: number, y: Float64Array, nz: Int32Array = new Int32Array(x.length)): void {
  const inF = x.length;
  let n = 0;
  for (let j = 0; j < inF; j++) if (x[j] !== 0) nz[n++] = j;
  for (let o = 0; o < outF; o++) {
    const row = o * inF;
    let s = 0;
    for (let k = 0; k < n; k++) {
      const j = nz[k]!;
      s += w[row + j]! * x[j]!;
    }
    y[o] = s;
  }
}

/** Max pooling of one sample (minimum for `latest` channels), padded taps ignored. */
export function pool64(x: Float64Array, p: PoolStage, y: Float64Array): void {
  const [c, inH, inW] = chw(p.inShape);
  const [, outH, outW] = chw(p.outShape);
  for (let ch = 0; ch < c; ch++) {
    const min = p.latest[ch] === 1;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let best = min ? Infinity : -Infinity;
        for (let ky = 0; ky < p.kernel[0]; ky++) {
          const iy = oy * p.stride[0] - p.padding[0] + ky;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < p.kernel[1]; kx++) {
            const ix = ox * p.stride[1] - p.padding[1] + kx;
            if (ix < 0 || ix >= inW) continue;
            const v = x[(ch * inH + iy) * inW + ix]!;
            if (min ? v < best : v > best) best = v;
          }
        }
        y[(ch * outH + oy) * outW + ox] = best;
      }
    }
  }
}

/** Output channels an input writes. */
export function inputChannels(inp: LinearInput): number {
  return inp.weightShape[0]!;
}

/** Whether `inp` alone computes every output of a stage with `outShape` (no slice, no other input needed). */
export function coversAll(inp: LinearInput, outShape: readonly number[]): boolean {
  return inp.geometry.kind !== "identity" && inp.offset === 0 && inputChannels(inp) === chw(outShape)[0];
}

/** y (CHW, the stage's output) += this input's contribution, with `tmp` holding at least its own outputs. */
export function addInput64(inp: LinearInput, x: Float64Array, outShape: readonly number[], y: Float64Array, tmp: Float64Array, nz?: Int32Array): void {
  const [, h, w] = chw(outShape);
  const hw = h * w;
  const k = inputChannels(inp);
  const g = inp.geometry;
  if (g.kind === "identity") {
    const base = inp.offset * hw;
    const per = x.length / k;
    for (let j = 0; j < x.length; j++) y[base + j] = y[base + j]! + inp.weight[Math.floor(j / per)]! * x[j]!;
    return;
  }
  const n = k * hw;
  const t = tmp.subarray(0, n);
  if (g.kind === "dense") dense64(x, inp.weight, k, t, nz);
  else {
    t.fill(0);
    conv64(x, inp.inShape, inp.weight, inp.weightShape, g, t);
  }
  const base = inp.offset * hw;
  for (let i = 0; i < n; i++) y[base + i] = y[base + i]! + t[i]!;
}

/** One linear stage on one sample: Σ W x + b over its inputs (read by `src`), then ReLU when the stage has one. */
export function linear64(s: LinearStage, read: (src: number) => Float64Array, y: Float64Array, nz?: Int32Array, tmp?: Float64Array): void {
  const only = s.inputs.length === 1 ? s.inputs[0]! : undefined;
  if (only !== undefined && coversAll(only, s.outShape)) {
    const x = read(only.src);
    const g = only.geometry;
    if (g.kind === "dense") dense64(x, only.weight, s.bias.length, y, nz);
    else if (g.kind === "conv") {
      y.fill(0);
      conv64(x, only.inShape, only.weight, only.weightShape, g, y);
    }
  } else {
    y.fill(0);
    const t = tmp !== undefined && tmp.length >= y.length ? tmp : new Float64Array(y.length);
    for (const inp of s.inputs) addInput64(inp, read(inp.src), s.outShape, y, t, nz);
  }
  for (let i = 0; i < y.length; i++) {
    const v = y[i]! + s.bias[i]!;
    y[i] = s.relu && v < 0 ? 0 : v;
  }
}

/**
 * The float64 forward of a canonical DAG on one sample `x` (CHW, in the SNN's input range [0, 1]).
 * Returns every stage's output (the last is the logits, before any output ReLU).
 */
export function forward64(stages: readonly Stage[], x: Float64Array): Float64Array[] {
  const outs: Float64Array[] = [];
  const read = (src: number): Float64Array => (src < 0 ? x : outs[src]!);
  let nz = new Int32Array(0);
  let tmp = new Float64Array(0);
  for (const s of stages) {
    const y = new Float64Array(sizeOf(s.outShape));
    if (s.kind === "maxpool") pool64(read(s.src), s, y);
    else {
      for (const inp of s.inputs) {
        const n = sizeOf(inp.inShape);
        if (nz.length < n) nz = new Int32Array(n);
      }
      if (tmp.length < y.length) tmp = new Float64Array(y.length);
      linear64(s, read, y, nz, tmp);
    }
    outs.push(y);
  }
  return outs;
}

/** Index of the largest value (the first on ties), as every argmax in spikelab. */
export function argmax(v: ArrayLike<number>, from = 0, n = v.length - from): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (v[from + k]! > v[from + best]!) best = k;
  return best;
}

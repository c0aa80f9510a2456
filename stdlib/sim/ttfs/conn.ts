// How one projection of a TTFS spiking network reaches its target's neurons, laid out for the
// event loop (inputs outer, targets inner, neuron state in HWC order so a conv's output channels
// are contiguous), plus what the plan needs per target neuron: the sums of its weights (all taps,
// negative parts, real taps) and the synaptic events per sample. A projection may write a slice
// of its target (a concatenation) and several projections may share a target (a join).
// Plain data only (typed arrays), so it can be sent to worker threads. No simulation here.

import type { Projection } from "../../ir/spiking.ts";
import { sizeOf } from "../../tensor/tensor.ts";
import { conv64, type LinearGeometry } from "../../convert/ttfs/stages.ts";

/**
 * Dense rows: [input (HWC)][output], targets off … off + outN (a vector). Conv taps:
 * [inC][kH][kW][outC/groups], target of local output (pos, oc) = pos·stride + off + oc.
 * Identity: source e (HWC) drives target to[e] with weight w[e]; from[i] is the inverse (−1: none).
 */
export type Conn =
  | { readonly kind: "dense"; readonly inN: number; readonly outN: number; readonly rows: Float64Array; readonly rowsPos: Float64Array; readonly off: number }
  | {
      readonly kind: "conv";
      readonly inC: number; readonly inH: number; readonly inW: number;
      readonly outC: number; readonly outH: number; readonly outW: number;
      readonly kH: number; readonly kW: number;
      readonly sH: number; readonly sW: number; readonly pH: number; readonly pW: number;
      readonly icg: number; readonly ocg: number;
      readonly taps: Float64Array;
      /** max(taps, 0): the bound that rules out a crossing before all inputs have arrived. */
      readonly tapsPos: Float64Array;
      /** For input row y: pairs (ky, oy) from rowStart[y] to rowStart[y+1] in rowPairs; likewise columns. */
      readonly rowStart: Int32Array; readonly rowPairs: Int32Array;
      readonly colStart: Int32Array; readonly colPairs: Int32Array;
      /** The target's channel count and this projection's first channel in it. */
      readonly stride: number; readonly off: number;
    }
  | { readonly kind: "identity"; readonly inN: number; readonly to: Int32Array; readonly w: Float64Array; readonly wPos: Float64Array; readonly from: Int32Array };

/** Whether the conn computes every neuron of an `n`-neuron target in its own layout (no slice, no mapping). */
export function direct(c: Conn, n: number): boolean {
  if (c.kind === "dense") return c.off === 0 && c.outN === n;
  if (c.kind === "conv") return c.off === 0 && c.stride === c.outC;
  return false;
}

/** Neurons a conn writes (its own layout's size). */
export function connOutputs(c: Conn): number {
  if (c.kind === "dense") return c.outN;
  if (c.kind === "conv") return c.outC * c.outH * c.outW;
  return c.inN;
}

/** HWC index of each CHW index. */
export function chwToHwc(shape: readonly [number, number, number]): Int32Array {
  const [c, h, w] = shape;
  const out = new Int32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(ch * h + y) * w + x] = (y * w + x) * c + ch;
  return out;
}

function pairs(inSize: number, k: number, stride: number, pad: number, outSize: number): { start: Int32Array; list: Int32Array } {
  const start = new Int32Array(inSize + 1);
  const list: number[] = [];
  for (let y = 0; y < inSize; y++) {
    start[y] = list.length / 2;
    for (let ky = 0; ky < k; ky++) {
      const num = y + pad - ky;
      if (num < 0 || num % stride !== 0) continue;
      const oy = num / stride;
      if (oy < outSize) list.push(ky, oy);
    }
  }
  start[inSize] = list.length / 2;
  return { start, list: Int32Array.from(list) };
}

export function outSize(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

/** The projection's element offset in its target (0 when absent). */
export function offsetOf(p: Projection): number {
  const g = p.geometry;
  return g.kind === "dense" || g.kind === "conv" || g.kind === "identity" ? (g.offset ?? 0) : 0;
}

/** The canonical geometry of a dense, conv or identity projection. */
export function geometryOf(p: Projection): LinearGeometry {
  const g = p.geometry;
  if (g.kind === "dense") return { kind: "dense" };
  if (g.kind === "conv") return { kind: "conv", kernel: g.kernel, stride: g.stride, padding: g.padding, groups: g.groups };
  if (g.kind === "identity") return { kind: "identity" };
  throw new Error(`plan: ${p.id} has no linear geometry`);
}

/**
 * Scatter layout of a dense, conv or identity projection with weights `w` (IR layout) from
 * `inShape` into `outShape`; a string says why it does not fit.
 */
export function connection(proj: Projection, w: Float64Array, weightShape: readonly number[], inShape: readonly [number, number, number], outShape: readonly [number, number, number]): Conn | string {
  const g = proj.geometry;
  const inN = sizeOf(inShape);
  const outN = sizeOf(outShape);
  const hw = outShape[1] * outShape[2];
  const offset = offsetOf(proj);
  if (g.kind === "identity") {
    if (w.length !== inN) return `carries ${w.length} weights for ${inN} source neurons`;
    if (offset < 0 || offset + inN > outN) return `places ${inN} neurons at ${offset} in a target of ${outN}`;
    const src = chwToHwc(inShape), tgt = chwToHwc(outShape);
    const to = new Int32Array(inN), wh = new Float64Array(inN), from = new Int32Array(outN).fill(-1);
    for (let j = 0; j < inN; j++) {
      to[src[j]!] = tgt[offset + j]!;
      wh[src[j]!] = w[j]!;
      from[tgt[offset + j]!] = src[j]!;
    }
    return { kind: "identity", inN, to, w: wh, wPos: wh.map((v) => (v > 0 ? v : 0)), from };
  }
  if (g.kind === "dense") {
    const units = weightShape[0]!;
    if (w.length !== inN * units) return `holds ${w.length} weights, expected ${inN}x${units}`;
    if (hw !== 1 && units !== outN) return "writes a slice of a target that is not a vector";
    if (offset < 0 || offset + units > outN) return `writes ${units} neurons at ${offset} in a target of ${outN}`;
    const hwc = chwToHwc(inShape);
    const rows = new Float64Array(inN * units);
    for (let o = 0; o < units; o++) for (let j = 0; j < inN; j++) rows[hwc[j]! * units + o] = w[o * inN + j]!;
    return { kind: "dense", inN, outN: units, rows, rowsPos: rows.map((v) => (v > 0 ? v : 0)), off: offset };
  }
  if (g.kind !== "conv") return `is a ${g.kind} projection`;
  const [inC, inH, inW] = inShape;
  const [kH, kW] = g.kernel;
  const outC = weightShape[0]!;
  const outH = outSize(inH, kH, g.stride[0], g.padding[0]);
  const outW = outSize(inW, kW, g.stride[1], g.padding[1]);
  if (outH !== outShape[1] || outW !== outShape[2] || offset % hw !== 0 || offset / hw + outC > outShape[0]) {
    return `gives ${outC}x${outH}x${outW} at ${offset}, the target is ${outShape.join("x")}`;
  }
  const icg = inC / g.groups;
  const ocg = outC / g.groups;
  const taps = new Float64Array(inC * kH * kW * ocg);
  for (let oc = 0; oc < outC; oc++) {
    const grp = Math.floor(oc / ocg);
    for (let ic = 0; ic < icg; ic++) {
      const c = grp * icg + ic;
      for (let ky = 0; ky < kH; ky++) for (let kx = 0; kx < kW; kx++) taps[((c * kH + ky) * kW + kx) * ocg + (oc - grp * ocg)] = w[((oc * icg + ic) * kH + ky) * kW + kx]!;
    }
  }
  const r = pairs(inH, kH, g.stride[0], g.padding[0], outH);
  const cl = pairs(inW, kW, g.stride[1], g.padding[1], outW);
  return {
    kind: "conv", inC, inH, inW, outC, outH, outW, kH, kW, sH: g.stride[0], sW: g.stride[1], pH: g.padding[0], pW: g.padding[1], icg, ocg,
    taps, tapsPos: taps.map((v) => (v > 0 ? v : 0)), rowStart: r.start, rowPairs: r.list, colStart: cl.start, colPairs: cl.list,
    stride: outShape[0], off: offset / hw,
  };
}

/** Σ fan-out over real connections (each source neuron spikes once per sample). */
export function fanOut(conn: Conn): number {
  if (conn.kind === "dense") return conn.inN * conn.outN;
  if (conn.kind === "identity") return conn.inN;
  let rows = 0;
  for (let y = 0; y < conn.inH; y++) rows += conn.rowStart[y + 1]! - conn.rowStart[y]!;
  let cols = 0;
  for (let x = 0; x < conn.inW; x++) cols += conn.colStart[x + 1]! - conn.colStart[x]!;
  return conn.inC * rows * cols * conn.ocg;
}

/** Padding events per sample: per output neuron, the padded taps of its window times the channels it reads. */
export function paddingEvents(conn: Conn): number {
  if (conn.kind !== "conv") return 0;
  const full = conn.kH * conn.kW;
  let ops = 0;
  for (let oy = 0; oy < conn.outH; oy++) for (let ox = 0; ox < conn.outW; ox++) {
    let inside = 0;
    for (let ky = 0; ky < conn.kH; ky++) for (let kx = 0; kx < conn.kW; kx++) {
      const iy = oy * conn.sH - conn.pH + ky, ix = ox * conn.sW - conn.pW + kx;
      if (iy >= 0 && iy < conn.inH && ix >= 0 && ix < conn.inW) inside++;
    }
    ops += (full - inside) * conn.icg * conn.outC;
  }
  return ops;
}

/**
 * Adds, per target neuron (CHW), this projection's weight sum over all taps (padded included),
 * over its negative weights, and over its real (non-padded) taps.
 */
export function addNeuronSums(proj: Projection, w: Float64Array, weightShape: readonly number[], inShape: readonly [number, number, number], outShape: readonly [number, number, number], all: Float64Array, neg: Float64Array, real: Float64Array): void {
  const geometry = geometryOf(proj);
  const offset = offsetOf(proj);
  const hw = outShape[1] * outShape[2];
  if (geometry.kind === "identity") {
    for (let j = 0; j < w.length; j++) {
      const i = offset + j, v = w[j]!;
      all[i] = all[i]! + v;
      real[i] = real[i]! + v;
      if (v < 0) neg[i] = neg[i]! - v;
    }
    return;
  }
  const k = weightShape[0]!;
  const per = w.length / k;
  const own = geometry.kind === "conv" ? hw : 1;
  const realLocal = new Float64Array(k * own);
  if (geometry.kind === "conv") conv64(new Float64Array(sizeOf(inShape)).fill(1), inShape, w, weightShape, geometry, realLocal);
  for (let o = 0; o < k; o++) {
    let s = 0, n = 0;
    for (let j = 0; j < per; j++) {
      const v = w[o * per + j]!;
      s += v;
      if (v < 0) n -= v;
    }
    for (let p = 0; p < own; p++) {
      const i = offset + o * own + p;
      all[i] = all[i]! + s;
      neg[i] = neg[i]! + n;
      real[i] = real[i]! + (geometry.kind === "conv" ? realLocal[o * own + p]! : s);
    }
  }
}

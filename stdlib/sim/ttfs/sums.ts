// The fast path of a TTFS layer as one call per layer and sample: read the inputs' spike times
// into x_j = tEnd − max(t_j, t0), form per neuron P = Σ_j J_ij·x_j over all its inputs (and the
// bound Pp = Σ_j max(J_ij, 0)·x_j unless the layer is safe without it), and write the closed-form
// spike of every neuron the bound clears, listing the rest for the exact scan (layers.ts). A layer
// with one input covering it writes its sums directly (the chain case); a join or a concatenation
// sums each input in its own layout and adds it into the layer, input by input in order. Two
// backends with one interface: float64 WASM SIMD kernels (stdlib/tensor/assembly/ttfs.ts, the
// default) and plain TypeScript (the reference, and the fallback when the kernels are not built).
// Spike-time arrays live in the backend's memory. A backend is per thread and per plan.

import { kernels } from "../../tensor/wasm.ts";
import { connOutputs, direct } from "./conn.ts";
import type { Conn, Plan, TtfsLayer } from "./plan.ts";

/** One input's buffers. */
export interface InputBuffers {
  /** Conv and identity: the input values x (HWC, 0 where the spike came at tEnd). */
  readonly x: Float64Array;
  /** Dense: indices and values of the inputs that spiked before tEnd (the first `m` of them). */
  readonly nz: Int32Array;
  readonly xv: Float64Array;
  m: number;
}

export interface LayerBuffers {
  readonly inputs: readonly InputBuffers[];
  readonly P: Float64Array;
  /** The bound (float32 in the WASM backend's direct layers, without its rounding margin); P itself when the layer is safe without it. */
  readonly Pp: Float64Array | Float32Array;
  /** Neurons the bound could not clear (the first `uncertain` of them). */
  readonly unc: Int32Array;
}

/** What `fast` leaves for the caller. */
export interface FastResult {
  /** False when a spike came after tEnd (jitter): nothing was written, take the event loop. */
  ok: boolean;
  /** Dense: inputs of the first input before tEnd, listed in its nz/xv. */
  m: number;
  /** Neurons listed in unc, their spikes not written. */
  uncertain: number;
  /** Spikes written before tMax. */
  informative: number;
}

export interface SumsBackend {
  readonly kind: "wasm" | "js";
  /** Spike times of layer k (0 = the input layer), HWC. */
  times(k: number): Float64Array;
  buffers(layer: number): LayerBuffers;
  /** The fast path of `layer` (an index into plan.layers, a ttfs layer) into `r`. */
  fast(layer: number, r: FastResult): void;
  release(): void;
}

function sizes(plan: Plan): number[] {
  return [plan.input.n, ...plan.layers.map((l) => l.n)];
}

/** Whether a layer's single input writes its sums directly. */
function isDirect(L: TtfsLayer): boolean {
  return L.inputs.length === 1 && direct(L.inputs[0]!.conn, L.n);
}

/** dst (the layer, HWC) += src (one input's outputs in its own layout). */
function accumulate(c: Conn, src: ArrayLike<number>, dst: Float64Array, mult = 1, pad = 0): void {
  if (c.kind === "dense") {
    for (let i = 0; i < c.outN; i++) dst[c.off + i] = dst[c.off + i]! + src[i]! * mult + pad;
  } else if (c.kind === "conv") {
    const positions = c.outH * c.outW;
    for (let p = 0; p < positions; p++) {
      const s = p * c.outC, d = p * c.stride + c.off;
      for (let o = 0; o < c.outC; o++) dst[d + o] = dst[d + o]! + src[s + o]! * mult + pad;
    }
  }
}

/** An identity input's sums straight into the layer. */
function identitySums(c: Extract<Conn, { kind: "identity" }>, x: Float64Array, P: Float64Array, Pp: Float64Array | undefined): void {
  const { to, w, wPos } = c;
  for (let e = 0; e < c.inN; e++) {
    const v = x[e]!;
    if (v === 0) continue;
    const i = to[e]!;
    P[i] = P[i]! + w[e]! * v;
    if (Pp !== undefined) Pp[i] = Pp[i]! + wPos[e]! * v;
  }
}

// ---------------------------------------------------------------------------------------------
// Plain TypeScript

/** Sums of one dense input into P/Pp (its own layout, fresh). */
function jsDense(conn: Extract<Conn, { kind: "dense" }>, ib: InputBuffers, P: Float64Array, Pp: Float64Array, bound: boolean): void {
  const n = conn.outN;
  const { rows, rowsPos } = conn;
  const { nz, xv, m } = ib;
  P.fill(0, 0, n);
  if (bound) Pp.fill(0, 0, n);
  for (let k = 0; k < m; k++) {
    const x = xv[k]!;
    const base = nz[k]! * n;
    for (let i = 0; i < n; i++) P[i] = P[i]! + rows[base + i]! * x;
    if (bound) for (let i = 0; i < n; i++) Pp[i] = Pp[i]! + rowsPos[base + i]! * x;
  }
}

/** Sums of one conv input into P/Pp (its own layout, fresh). */
function jsConv(conn: Extract<Conn, { kind: "conv" }>, xs: Float64Array, P: Float64Array, Pp: Float64Array, bound: boolean): void {
  const { inC, inH, inW, kH, kW, icg, ocg, outC, outH, outW, taps, tapsPos, rowStart, rowPairs, colStart, colPairs } = conn;
  const n = outC * outH * outW;
  P.fill(0, 0, n);
  if (bound) Pp.fill(0, 0, n);
  const nIn = inC * inH * inW;
  for (let e = 0; e < nIn; e++) {
    const x = xs[e]!;
    if (x === 0) continue;
    const c = e % inC;
    const p = (e - c) / inC;
    const ix = p % inW;
    const iy = (p - ix) / inW;
    const grp = Math.floor(c / icg) * ocg;
    const tapC = c * kH;
    const r1 = rowStart[iy + 1]!, q0 = colStart[ix]!, q1 = colStart[ix + 1]!;
    for (let r = rowStart[iy]!; r < r1; r++) {
      const tapRow = (tapC + rowPairs[2 * r]!) * kW;
      const outRow = rowPairs[2 * r + 1]! * outW;
      for (let q = q0; q < q1; q++) {
        const wb = (tapRow + colPairs[2 * q]!) * ocg;
        const sb = (outRow + colPairs[2 * q + 1]!) * outC + grp;
        for (let o = 0; o < ocg; o++) P[sb + o] = P[sb + o]! + taps[wb + o]! * x;
        if (bound) for (let o = 0; o < ocg; o++) Pp[sb + o] = Pp[sb + o]! + tapsPos[wb + o]! * x;
      }
    }
  }
}

/** x from spike times; false when a spike came after tEnd. */
function jsInputs(L: TtfsLayer, conn: Conn, tin: Float64Array, ib: InputBuffers): boolean {
  const { t0, tEnd } = L;
  const uEnd = tEnd - t0;
  let late = false;
  let m = 0;
  if (conn.kind === "dense") {
    const { nz, xv } = ib;
    for (let e = 0; e < tin.length; e++) {
      const t = tin[e]!;
      if (t > tEnd) late = true;
      if (t < tEnd) {
        nz[m] = e;
        xv[m++] = t > t0 ? tEnd - t : uEnd;
      }
    }
  } else {
    const x = ib.x;
    for (let e = 0; e < tin.length; e++) {
      const t = tin[e]!;
      if (t > tEnd) late = true;
      x[e] = t < tEnd ? (t > t0 ? tEnd - t : uEnd) : 0;
    }
  }
  ib.m = m;
  return !late;
}

/** The closed form where uEnd + Pp < ϑ; the rest listed in unc. */
function jsFinish(L: TtfsLayer, b: LayerBuffers, out: Float64Array, r: FastResult): void {
  const { theta, dAll, tEnd, tMax } = L;
  const uEnd = tEnd - L.t0;
  const { P, Pp, unc } = b;
  let k = 0, informative = 0;
  for (let i = 0; i < L.n; i++) {
    const th = theta[i]!;
    if (uEnd + Pp[i]! < th) {
      const t = tEnd + (th - uEnd - P[i]!) / dAll[i]!;
      if (t < tMax) {
        informative++;
        out[i] = t;
      } else out[i] = tMax;
    } else unc[k++] = i;
  }
  r.uncertain = k;
  r.informative = informative;
}

interface JsLayer extends LayerBuffers {
  readonly P: Float64Array;
  readonly Pp: Float64Array;
  /** Per input, its own sums (unused when the layer's single input writes directly). */
  readonly own: readonly { readonly P: Float64Array; readonly Pp: Float64Array }[];
}

/** Plain TypeScript (the reference the WASM kernels are tested against). */
export class JsSums implements SumsBackend {
  readonly kind = "js";
  private readonly t: Float64Array[];
  private readonly bufs: (JsLayer | undefined)[];
  constructor(private readonly plan: Plan) {
    const n = sizes(plan);
    this.t = n.map((k) => new Float64Array(k));
    this.bufs = plan.layers.map((l) => {
      if (l.kind !== "ttfs") return undefined;
      const dir = isDirect(l);
      const inputs = l.inputs.map((inp) => ({ x: new Float64Array(n[inp.src]!), nz: new Int32Array(n[inp.src]!), xv: new Float64Array(n[inp.src]!), m: 0 }));
      const own = l.inputs.map((inp) => {
        const k = dir || inp.conn.kind === "identity" ? 0 : connOutputs(inp.conn);
        const P = new Float64Array(k);
        return { P, Pp: l.safe ? P : new Float64Array(k) };
      });
      const P = new Float64Array(l.n);
      return { inputs, own, P, Pp: l.safe ? P : new Float64Array(l.n), unc: new Int32Array(l.n) };
    });
  }
  times(k: number): Float64Array {
    return this.t[k]!;
  }
  buffers(layer: number): LayerBuffers {
    return this.bufs[layer]!;
  }
  fast(layer: number, r: FastResult): void {
    const L = this.plan.layers[layer]!;
    if (L.kind !== "ttfs") throw new Error(`JsSums.fast: layer ${layer} is a ${L.kind} layer`);
    const b = this.bufs[layer]!;
    for (let q = 0; q < L.inputs.length; q++) {
      const inp = L.inputs[q]!;
      if (!jsInputs(L, inp.conn, this.t[inp.src]!, b.inputs[q]!)) {
        r.ok = false;
        return;
      }
    }
    r.ok = true;
    r.m = b.inputs[0]!.m;
    const bound = !L.safe;
    const sums = (c: Conn, ib: InputBuffers, P: Float64Array, Pp: Float64Array): void => {
      if (c.kind === "dense") jsDense(c, ib, P, Pp, bound);
      else if (c.kind === "conv") jsConv(c, ib.x, P, Pp, bound);
    };
    if (isDirect(L)) sums(L.inputs[0]!.conn, b.inputs[0]!, b.P, b.Pp);
    else {
      b.P.fill(0);
      if (bound) b.Pp.fill(0);
      L.inputs.forEach((inp, q) => {
        const c = inp.conn;
        if (c.kind === "identity") identitySums(c, b.inputs[q]!.x, b.P, bound ? b.Pp : undefined);
        else {
          const own = b.own[q]!;
          sums(c, b.inputs[q]!, own.P, own.Pp);
          accumulate(c, own.P, b.P);
          if (bound) accumulate(c, own.Pp, b.Pp);
        }
      });
    }
    jsFinish(L, b, this.t[layer + 1]!, r);
  }
  release(): void {}
}

// ---------------------------------------------------------------------------------------------
// WASM

interface TtfsKernelExports {
  ttfsConvSums(inC: number, inH: number, inW: number, outC: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, groups: number, outH: number, outW: number, x: number, taps: number, tapsPos: number, P: number, Pp: number): void;
  ttfsConvScatter(inC: number, inH: number, inW: number, outC: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, groups: number, outH: number, outW: number, x: number, taps: number, tapsPos: number, P: number, Pp: number): void;
  ttfsDepthwiseSums(C: number, inH: number, inW: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, outH: number, outW: number, x: number, taps: number, tapsPos: number, P: number, Pp: number): void;
  ttfsDenseSums(n: number, m: number, nz: number, xv: number, rows: number, rowsPos: number, P: number, Pp: number): void;
  ttfsInputsConv(nIn: number, tin: number, t0: number, tEnd: number, x: number): number;
  ttfsInputsDense(nIn: number, tin: number, t0: number, tEnd: number, nz: number, xv: number): number;
  ttfsFinish(n: number, P: number, Pp: number, ppMult: number, theta: number, dAll: number, uEnd: number, tEnd: number, tMax: number, out: number, uncertain: number, stats: number): number;
}

/** Byte offsets in kernel memory of one input's weights and buffers. */
interface WasmInput {
  readonly w: number;
  /** 0 when the layer is safe without the bound. */
  readonly wp: number;
  readonly x: number;
  readonly nz: number;
  readonly xv: number;
  /** The input's own sums (f64) and bound (f32), when it does not write the layer directly. */
  readonly P: number;
  readonly Pp: number;
  readonly PView: Float64Array;
  readonly PpView: Float32Array;
  /** The float32 bound's rounding margin: 1 + (K + 4)·2⁻²³ for K terms per neuron (+1 when added up in float64). */
  readonly ppMult: number;
}

/** Byte offsets in kernel memory of one layer's buffers. */
interface WasmLayer {
  readonly bufs: LayerBuffers;
  readonly inputs: readonly WasmInput[];
  readonly direct: boolean;
  readonly P: number;
  /** 0 when the layer is safe without the bound; f32 for a direct layer, f64 (the inputs' bounds added up) otherwise. */
  readonly Pp: number;
  /** The f64 bound of a layer that is neither direct nor safe. */
  readonly bound: Float64Array | undefined;
  readonly theta: number;
  readonly dAll: number;
  readonly unc: number;
}

function isDepthwise(c: Conn): boolean {
  return c.kind === "conv" && c.icg === 1 && c.ocg === 1;
}

/** taps [C][kH][kW] (one output channel per group) as [kH][kW][C]. */
function depthwiseTaps(c: Extract<Conn, { kind: "conv" }>, a: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  const kk = c.kH * c.kW;
  for (let ch = 0; ch < c.inC; ch++) for (let t = 0; t < kk; t++) out[t * c.inC + ch] = a[ch * kk + t]!;
  return out;
}

/** Calls of each conv kernel timed before an input settles on the faster (both give the same sums, bit for bit). */
const TRIALS = 4;

/** The float64 WASM SIMD kernels; weights and spike times live in this thread's kernel memory. */
export class WasmSums implements SumsBackend {
  readonly kind = "wasm";
  private readonly layers: (WasmLayer | undefined)[];
  private readonly tPtr: number[];
  private readonly tView: Float64Array[];
  private readonly stats: number;
  private readonly statsView: Int32Array;
  private readonly blocks: number[] = [];
  private readonly exports: TtfsKernelExports;
  /** Per layer and conv input: milliseconds spent in [gather, scatter] trials and their counts, then the choice. */
  private readonly trials: [number, number, number, number][][];
  private readonly choice: ("gather" | "scatter" | undefined)[][];
  constructor(private readonly plan: Plan) {
    const k = kernels();
    this.exports = k.exports as unknown as TtfsKernelExports;
    const f64 = (size: number, from?: Float64Array): [number, Float64Array] => {
      const n = from ? from.length : size;
      const ptr = k.allocBytes(Math.max(1, n) * 8);
      this.blocks.push(ptr);
      const view = new Float64Array(k.memory.buffer, ptr, n); // after the allocation: it may grow the memory
      if (from) view.set(from);
      return [ptr, view];
    };
    const f32 = (from: Float64Array | number): [number, Float32Array] => {
      const n = typeof from === "number" ? from : from.length;
      const ptr = k.allocBytes(Math.max(1, n) * 4);
      this.blocks.push(ptr);
      const view = new Float32Array(k.memory.buffer, ptr, n);
      if (typeof from !== "number") view.set(from);
      return [ptr, view];
    };
    const i32 = (n: number): [number, Int32Array] => {
      const ptr = k.allocBytes(Math.max(1, n) * 4);
      this.blocks.push(ptr);
      return [ptr, new Int32Array(k.memory.buffer, ptr, n)];
    };
    const n = sizes(plan);
    const t = n.map((size) => f64(size));
    this.tPtr = t.map((x) => x[0]);
    this.tView = t.map((x) => x[1]);
    [this.stats, this.statsView] = i32(4);
    this.trials = plan.layers.map((l) => (l.kind === "ttfs" ? l.inputs.map(() => [0, 0, 0, 0]) : []));
    this.choice = plan.layers.map((l) => (l.kind === "ttfs" ? l.inputs.map(() => undefined) : []));
    this.layers = plan.layers.map((l) => {
      if (l.kind !== "ttfs") return undefined;
      const dir = isDirect(l);
      const views: InputBuffers[] = [];
      const inputs = l.inputs.map((inp): WasmInput => {
        const c = inp.conn;
        const nIn = n[inp.src]!;
        const dense = c.kind === "dense";
        const [x, xView] = f64(dense ? 0 : nIn);
        const [nz, nzView] = i32(dense ? nIn : 0);
        const [xv, xvView] = f64(dense ? nIn : 0);
        views.push({ x: xView, nz: nzView, xv: xvView, m: 0 });
        // Identity inputs are summed in TypeScript from x: one term per neuron.
        if (c.kind === "identity") return { w: 0, wp: 0, x, nz, xv, P: 0, Pp: 0, PView: new Float64Array(0), PpView: new Float32Array(0), ppMult: 0 };
        // Depthwise layers (average pooling) take their taps channel-innermost: [kH][kW][C].
        const dw = (a: Float64Array): Float64Array => (isDepthwise(c) ? depthwiseTaps(c as Extract<Conn, { kind: "conv" }>, a) : a);
        const [w] = f64(0, dw(c.kind === "dense" ? c.rows : c.taps));
        const [wp] = l.safe ? [0] : f32(dw(c.kind === "dense" ? c.rowsPos : c.tapsPos));
        const own = dir ? 0 : connOutputs(c);
        const [P, PView] = f64(own);
        const [Pp, PpView] = l.safe || dir ? [0, new Float32Array(0)] : f32(own);
        // A float32 sum of K non-negative rounded products is at least the exact sum times (1 − 2⁻²⁴)^(K+2).
        const terms = c.kind === "dense" ? c.inN : c.icg * c.kH * c.kW;
        const ppMult = l.safe ? 0 : 1 + (terms + (dir ? 4 : 5)) * 2 ** -23;
        return { w, wp, x, nz, xv, P: dir ? 0 : P, Pp, PView, PpView, ppMult };
      });
      const [P, PView] = f64(l.n);
      let Pp = 0;
      let PpView: Float64Array | Float32Array = PView;
      let bound: Float64Array | undefined;
      if (!l.safe && dir) [Pp, PpView] = f32(l.n);
      else if (!l.safe) {
        const [ptr, view] = f64(l.n);
        Pp = ptr;
        PpView = bound = view;
      }
      const [theta] = f64(l.n, l.theta);
      const [dAll] = f64(l.n, l.dAll);
      const [unc, uncView] = i32(l.n);
      const bufs: LayerBuffers = { inputs: views, P: PView, Pp: PpView, unc: uncView };
      return { bufs, inputs, direct: dir, P, Pp, bound, theta, dAll, unc };
    });
  }
  times(k: number): Float64Array {
    return this.tView[k]!;
  }
  buffers(layer: number): LayerBuffers {
    return this.layers[layer]!.bufs;
  }
  fast(layer: number, r: FastResult): void {
    const L = this.plan.layers[layer]!;
    const b = this.layers[layer]!;
    if (L.kind !== "ttfs" || b === undefined) throw new Error(`WasmSums.fast: layer ${layer} is a ${L.kind} layer`);
    const ex = this.exports;
    for (let q = 0; q < L.inputs.length; q++) {
      const inp = L.inputs[q]!;
      const wi = b.inputs[q]!;
      const tin = this.tPtr[inp.src]!;
      const nIn = this.tView[inp.src]!.length;
      if (inp.conn.kind === "dense") {
        const m = ex.ttfsInputsDense(nIn, tin, L.t0, L.tEnd, wi.nz, wi.xv);
        if (m < 0) {
          r.ok = false;
          return;
        }
        b.bufs.inputs[q]!.m = m;
      } else if (ex.ttfsInputsConv(nIn, tin, L.t0, L.tEnd, wi.x) < 0) {
        r.ok = false;
        return;
      }
    }
    r.ok = true;
    r.m = b.bufs.inputs[0]!.m;
    if (b.direct) {
      this.sums(layer, 0, L.inputs[0]!.conn, b.inputs[0]!, b.P, b.Pp);
      r.uncertain = ex.ttfsFinish(L.n, b.P, b.Pp === 0 ? b.P : b.Pp, b.inputs[0]!.ppMult, b.theta, b.dAll, L.tEnd - L.t0, L.tEnd, L.tMax, this.tPtr[layer + 1]!, b.unc, this.stats);
    } else {
      const P = b.bufs.P;
      const bound = b.bound;
      P.fill(0);
      bound?.fill(0);
      L.inputs.forEach((inp, q) => {
        const c = inp.conn;
        const wi = b.inputs[q]!;
        if (c.kind === "identity") identitySums(c, b.bufs.inputs[q]!.x, P, bound);
        else {
          this.sums(layer, q, c, wi, wi.P, wi.Pp);
          accumulate(c, wi.PView, P);
          // Terms that underflow in f32 lose at most ~1e-38 each: 1e-30 per input covers any layer.
          if (bound !== undefined) accumulate(c, wi.PpView, bound, wi.ppMult, 1e-30);
        }
      });
      r.uncertain = ex.ttfsFinish(L.n, b.P, b.Pp === 0 ? b.P : b.Pp, 0, b.theta, b.dAll, L.tEnd - L.t0, L.tEnd, L.tMax, this.tPtr[layer + 1]!, b.unc, this.stats);
    }
    r.informative = this.statsView[0]!;
  }

  /** One dense or conv input's sums into P (f64) and Pp (f32, 0: none), in its own layout. */
  private sums(layer: number, q: number, c: Conn, wi: WasmInput, P: number, Pp: number): void {
    const ex = this.exports;
    if (c.kind === "dense") ex.ttfsDenseSums(c.outN, this.layers[layer]!.bufs.inputs[q]!.m, wi.nz, wi.xv, wi.w, Pp === 0 ? 0 : wi.wp, P, Pp);
    else if (c.kind === "conv") this.conv(layer, q, c, wi, P, Pp);
  }

  /**
   * Gathering keeps a position's output channels in registers; scattering visits only non-zero
   * inputs. Which is faster depends on the layer (channels, sparsity): time both, keep the faster.
   */
  private conv(layer: number, q: number, c: Extract<Conn, { kind: "conv" }>, wi: WasmInput, P: number, Pp: number): void {
    const ex = this.exports;
    const wp = Pp === 0 ? 0 : wi.wp;
    if (isDepthwise(c)) {
      ex.ttfsDepthwiseSums(c.inC, c.inH, c.inW, c.kH, c.kW, c.sH, c.sW, c.pH, c.pW, c.outH, c.outW, wi.x, wi.w, wp, P, Pp);
      return;
    }
    const tr = this.trials[layer]![q]!;
    const settled = this.choice[layer]![q];
    const mode = settled ?? (tr[2] <= tr[3] ? "gather" : "scatter");
    const t0 = settled === undefined ? performance.now() : 0;
    const groups = c.inC / c.icg;
    if (mode === "gather") ex.ttfsConvSums(c.inC, c.inH, c.inW, c.outC, c.kH, c.kW, c.sH, c.sW, c.pH, c.pW, groups, c.outH, c.outW, wi.x, wi.w, wp, P, Pp);
    else ex.ttfsConvScatter(c.inC, c.inH, c.inW, c.outC, c.kH, c.kW, c.sH, c.sW, c.pH, c.pW, groups, c.outH, c.outW, wi.x, wi.w, wp, P, Pp);
    if (settled === undefined) {
      const k = mode === "gather" ? 0 : 1;
      tr[k] += performance.now() - t0;
      tr[k + 2]++;
      if (tr[2] >= TRIALS && tr[3] >= TRIALS) this.choice[layer]![q] = tr[0] <= tr[1] ? "gather" : "scatter";
    }
  }

  /** The conv kernel each layer's inputs settled on (for benches and reports). */
  modes(): readonly (string | undefined)[] {
    return this.choice.flat();
  }
  release(): void {
    const k = kernels();
    for (const p of this.blocks) k.freeBytes(p);
    this.blocks.length = 0;
  }
}

/** WASM when the kernels are built, else plain TypeScript. */
export function sumsBackend(plan: Plan, prefer: "wasm" | "js" = "wasm"): SumsBackend {
  if (prefer === "wasm") {
    try {
      return new WasmSums(plan);
    } catch {
      // Kernels not built (the error names `npm install`); the reference is slower but exact.
    }
  }
  return new JsSums(plan);
}

// The fast path of a TTFS layer as one call per layer and sample: read the inputs' spike times
// into x_j = tEnd − max(t_j, t0), form per neuron P = Σ_j J_ij·x_j (and the bound
// Pp = Σ_j max(J_ij, 0)·x_j unless the layer is safe without it), and write the closed-form spike
// of every neuron the bound clears, listing the rest for the exact scan (layers.ts). Two backends
// with one interface: float64 WASM SIMD kernels (stdlib/tensor/assembly/ttfs.ts, the default) and
// plain TypeScript (the reference, and the fallback when the kernels are not built). Spike-time
// arrays live in the backend's memory. A backend is per thread and per plan.

import { kernels } from "../../tensor/wasm.ts";
import type { Conn, Plan, TtfsLayer } from "./plan.ts";

export interface LayerBuffers {
  /** Conv: the input values x (HWC, 0 where the spike came at tEnd). */
  readonly x: Float64Array;
  /** Dense: indices and values of the inputs that spiked before tEnd (the first `m` of them). */
  readonly nz: Int32Array;
  readonly xv: Float64Array;
  readonly P: Float64Array;
  /** The bound (float32 in the WASM backend, without its rounding margin); P itself when the layer is safe without it. */
  readonly Pp: Float64Array | Float32Array;
  /** Neurons the bound could not clear (the first `uncertain` of them). */
  readonly unc: Int32Array;
}

/** What `fast` leaves for the caller. */
export interface FastResult {
  /** False when a spike came after tEnd (jitter): nothing was written, take the event loop. */
  ok: boolean;
  /** Dense: inputs before tEnd listed in nz/xv. */
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

function inputCount(plan: Plan, layer: number): number {
  const src = plan.layers[layer]!.src;
  return src === 0 ? plan.input.n : plan.layers[src - 1]!.n;
}

function sizes(plan: Plan): number[] {
  return [plan.input.n, ...plan.layers.map((l) => l.n)];
}

// ---------------------------------------------------------------------------------------------
// Plain TypeScript

function jsDense(conn: Extract<Conn, { kind: "dense" }>, b: LayerBuffers, m: number, bound: boolean): void {
  const n = conn.outN;
  const { rows, rowsPos } = conn;
  const { nz, xv, P, Pp } = b;
  P.fill(0, 0, n);
  if (bound) Pp.fill(0, 0, n);
  for (let k = 0; k < m; k++) {
    const x = xv[k]!;
    const base = nz[k]! * n;
    for (let i = 0; i < n; i++) P[i] = P[i]! + rows[base + i]! * x;
    if (bound) for (let i = 0; i < n; i++) Pp[i] = Pp[i]! + rowsPos[base + i]! * x;
  }
}

function jsConv(conn: Extract<Conn, { kind: "conv" }>, b: LayerBuffers, bound: boolean): void {
  const { inC, inH, inW, kH, kW, icg, ocg, outC, outH, outW, taps, tapsPos, rowStart, rowPairs, colStart, colPairs } = conn;
  const { x: xs, P, Pp } = b;
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
function jsInputs(L: TtfsLayer, tin: Float64Array, b: LayerBuffers, r: FastResult): boolean {
  const { t0, tEnd } = L;
  const uEnd = tEnd - t0;
  let late = false;
  let m = 0;
  if (L.conn.kind === "dense") {
    const { nz, xv } = b;
    for (let e = 0; e < tin.length; e++) {
      const t = tin[e]!;
      if (t > tEnd) late = true;
      if (t < tEnd) {
        nz[m] = e;
        xv[m++] = t > t0 ? tEnd - t : uEnd;
      }
    }
  } else {
    const x = b.x;
    for (let e = 0; e < tin.length; e++) {
      const t = tin[e]!;
      if (t > tEnd) late = true;
      x[e] = t < tEnd ? (t > t0 ? tEnd - t : uEnd) : 0;
    }
  }
  r.m = m;
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

/** Plain TypeScript (the reference the WASM kernels are tested against). */
export class JsSums implements SumsBackend {
  readonly kind = "js";
  private readonly t: Float64Array[];
  private readonly bufs: (LayerBuffers | undefined)[];
  constructor(private readonly plan: Plan) {
    this.t = sizes(plan).map((n) => new Float64Array(n));
    this.bufs = plan.layers.map((l, i) => {
      if (l.kind !== "ttfs") return undefined;
      const nIn = inputCount(plan, i);
      const P = new Float64Array(l.n);
      return { x: new Float64Array(nIn), nz: new Int32Array(nIn), xv: new Float64Array(nIn), P, Pp: l.safe ? P : new Float64Array(l.n), unc: new Int32Array(l.n) };
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
    r.ok = jsInputs(L, this.t[L.src]!, b, r);
    if (!r.ok) return;
    if (L.conn.kind === "dense") jsDense(L.conn, b, r.m, !L.safe);
    else jsConv(L.conn, b, !L.safe);
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

/** Byte offsets in kernel memory of one layer's weights and buffers. */
interface WasmLayer {
  readonly bufs: LayerBuffers;
  readonly w: number;
  readonly wp: number;
  readonly x: number;
  readonly nz: number;
  readonly xv: number;
  readonly P: number;
  /** 0 when the layer is safe without the bound. */
  readonly Pp: number;
  readonly theta: number;
  readonly dAll: number;
  readonly unc: number;
  /** The float32 bound's rounding margin: 1 + (K + 4)·2⁻²³ for K terms per neuron (0: the bound is P itself). */
  readonly ppMult: number;
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

/** Calls of each conv kernel timed before a layer settles on the faster (both give the same sums, bit for bit). */
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
  /** Per conv layer: milliseconds spent in [gather, scatter] trials and their counts, then the choice. */
  private readonly trials: [number, number, number, number][];
  private readonly choice: ("gather" | "scatter" | undefined)[];
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
    const t = sizes(plan).map((n) => f64(n));
    this.tPtr = t.map((x) => x[0]);
    this.tView = t.map((x) => x[1]);
    [this.stats, this.statsView] = i32(4);
    this.trials = plan.layers.map(() => [0, 0, 0, 0]);
    this.choice = plan.layers.map(() => undefined);
    this.layers = plan.layers.map((l, i) => {
      if (l.kind !== "ttfs") return undefined;
      const nIn = inputCount(plan, i);
      const dense = l.conn.kind === "dense";
      // Depthwise layers (average pooling) take their taps channel-innermost: [kH][kW][C].
      const dw = (a: Float64Array): Float64Array => (isDepthwise(l.conn) ? depthwiseTaps(l.conn as Extract<Conn, { kind: "conv" }>, a) : a);
      const [w] = f64(0, dw(l.conn.kind === "dense" ? l.conn.rows : l.conn.taps));
      const [wp] = l.safe ? [0] : f32(dw(l.conn.kind === "dense" ? l.conn.rowsPos : l.conn.tapsPos));
      const [x, xView] = f64(dense ? 0 : nIn);
      const [nz, nzView] = i32(dense ? nIn : 0);
      const [xv, xvView] = f64(dense ? nIn : 0);
      const [P, PView] = f64(l.n);
      const [Pp, PpView] = l.safe ? [0, PView] : f32(l.n);
      const [theta] = f64(l.n, l.theta);
      const [dAll] = f64(l.n, l.dAll);
      const [unc, uncView] = i32(l.n);
      // A float32 sum of K non-negative rounded products is at least the exact sum times (1 − 2⁻²⁴)^(K+2).
      const terms = l.conn.kind === "dense" ? l.conn.inN : l.conn.icg * l.conn.kH * l.conn.kW;
      const ppMult = l.safe ? 0 : 1 + (terms + 4) * 2 ** -23;
      return { bufs: { x: xView, nz: nzView, xv: xvView, P: PView, Pp: PpView, unc: uncView }, w, wp, x, nz, xv, P, Pp, theta, dAll, unc, ppMult };
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
    const c = L.conn;
    const tin = this.tPtr[L.src]!;
    const nIn = this.tView[L.src]!.length;
    if (c.kind === "dense") {
      const m = ex.ttfsInputsDense(nIn, tin, L.t0, L.tEnd, b.nz, b.xv);
      r.ok = m >= 0;
      if (!r.ok) return;
      r.m = m;
      ex.ttfsDenseSums(c.outN, m, b.nz, b.xv, b.w, b.wp, b.P, b.Pp);
    } else {
      r.ok = ex.ttfsInputsConv(nIn, tin, L.t0, L.tEnd, b.x) >= 0;
      if (!r.ok) return;
      r.m = 0;
      this.conv(layer, c, b);
    }
    r.uncertain = ex.ttfsFinish(L.n, b.P, b.Pp === 0 ? b.P : b.Pp, b.ppMult, b.theta, b.dAll, L.tEnd - L.t0, L.tEnd, L.tMax, this.tPtr[layer + 1]!, b.unc, this.stats);
    r.informative = this.statsView[0]!;
  }

  /**
   * Gathering keeps a position's output channels in registers; scattering visits only non-zero
   * inputs. Which is faster depends on the layer (channels, sparsity): time both, keep the faster.
   */
  private conv(layer: number, c: Extract<Conn, { kind: "conv" }>, b: WasmLayer): void {
    const ex = this.exports;
    if (isDepthwise(c)) {
      ex.ttfsDepthwiseSums(c.inC, c.inH, c.inW, c.kH, c.kW, c.sH, c.sW, c.pH, c.pW, c.outH, c.outW, b.x, b.w, b.wp, b.P, b.Pp);
      return;
    }
    const tr = this.trials[layer]!;
    const settled = this.choice[layer];
    const mode = settled ?? (tr[2] <= tr[3] ? "gather" : "scatter");
    const t0 = settled === undefined ? performance.now() : 0;
    const groups = c.inC / c.icg;
    if (mode === "gather") ex.ttfsConvSums(c.inC, c.inH, c.inW, c.outC, c.kH, c.kW, c.sH, c.sW, c.pH, c.pW, groups, c.outH, c.outW, b.x, b.w, b.wp, b.P, b.Pp);
    else ex.ttfsConvScatter(c.inC, c.inH, c.inW, c.outC, c.kH, c.kW, c.sH, c.sW, c.pH, c.pW, groups, c.outH, c.outW, b.x, b.w, b.wp, b.P, b.Pp);
    if (settled === undefined) {
      const k = mode === "gather" ? 0 : 1;
      tr[k] += performance.now() - t0;
      tr[k + 2]++;
      if (tr[2] >= TRIALS && tr[3] >= TRIALS) this.choice[layer] = tr[0] <= tr[1] ? "gather" : "scatter";
    }
  }

  /** The conv kernel each layer settled on (for benches and reports). */
  modes(): readonly (string | undefined)[] {
    return this.choice;
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

// The event loop of one TTFS layer, in continuous time and float64 (PAPERS.md §3). A neuron
// integrates dV/dt = 1 + Σ_{t_j ≤ t} J_ij from V(t0) = 0 and fires once, at its first crossing
// of ϑ_i, or at tMax. With D = 1 + Σ J (the slope so far) and C = ϑ + Σ J·u_j, V(u) ≥ ϑ ⟺
// D·u ≥ C and the crossing is at u = C/D: the paper's closed form over the prefix of the
// neuron's time-sorted inputs.
// Fast path (all inputs by the window's end tEnd): once every input has arrived the slope is
// D_all = 1 + ΣJ_i and V(uEnd) = uEnd + Σ_j J_ij x_j with x_j = tEnd − t_j, so the spike is
// closed-form from one sum over the non-zero inputs — provided V never reached ϑ earlier. Since
// V(u) ≤ uEnd + Σ_j max(J_ij, 0)·x_j on [0, uEnd], that sum proves it for almost every neuron;
// the rest are scanned input by input in time order. With jitter (inputs after tEnd) every
// neuron takes the event loop. It must not allocate per sample or know about datasets.

import type { Conn, ReadoutLayer, RelayLayer, TtfsLayer } from "./plan.ts";
import { SpikeSorter } from "./sort.ts";
import type { FastResult, SumsBackend } from "./sums.ts";

/** Buffers reused across samples and layers (one per thread). */
export class Scratch {
  readonly D: Float64Array;
  readonly C: Float64Array;
  /** Local firing time u of neurons that crossed during the event loop. */
  readonly fu: Float64Array;
  readonly order: Int32Array;
  /** One neuron's inputs for the exact scan: local arrival time and weight. */
  readonly ru: Float64Array;
  readonly rj: Float64Array;
  /** A join's input spike times side by side, for one time order over all of them. */
  readonly tcat: Float64Array;
  readonly one = new Int32Array(1);
  /** Where each input of a join starts in tcat. */
  readonly bases: number[] = [];
  readonly sorter = new SpikeSorter();
  readonly fast: FastResult = { ok: true, m: 0, uncertain: 0, informative: 0 };
  /** `maxInputs`: the most input spikes any layer reads (summed over its inputs). */
  constructor(maxNeurons: number, maxInputs: number, readonly backend: SumsBackend) {
    this.D = new Float64Array(maxNeurons);
    this.C = new Float64Array(maxNeurons);
    this.fu = new Float64Array(maxNeurons);
    this.order = new Int32Array(maxInputs);
    this.ru = new Float64Array(maxInputs);
    this.rj = new Float64Array(maxInputs);
    this.tcat = new Float64Array(maxInputs);
  }
}

/** Per-layer counts a sample adds to the figures. */
export interface LayerCounts {
  /** Neurons firing before tMax (carrying a non-zero value). */
  informative: number;
  /** Neurons firing before their window opens (t < t_min): the windows are too short (ζ too small). */
  early: number;
  /** Neurons the bound could not clear, scanned input by input. */
  scanned: number;
}

function scatterDense(conn: Extract<Conn, { kind: "dense" }>, tin: Float64Array, t0: number, order: Int32Array, m: number, D: Float64Array, C: Float64Array, fu: Float64Array): void {
  const n = conn.outN;
  const { rows, off } = conn;
  for (let k = 0; k < m; k++) {
    const e = order[k]!;
    let u = tin[e]! - t0;
    if (u < 0) u = 0;
    const base = e * n;
    for (let o = 0; o < n; o++) {
      const i = off + o;
      const w = rows[base + o]!;
      const d = D[i]!;
      let c = C[i]!;
      if (d * u >= c) {
        fu[i] = d > 0 ? c / d : u;
        c = Infinity;
      }
      D[i] = d + w;
      C[i] = c + w * u;
    }
  }
}

function scatterConv(conn: Extract<Conn, { kind: "conv" }>, tin: Float64Array, t0: number, order: Int32Array, m: number, D: Float64Array, C: Float64Array, fu: Float64Array): void {
  const { inC, inW, kH, kW, icg, ocg, outW, taps, rowStart, rowPairs, colStart, colPairs, stride, off } = conn;
  for (let k = 0; k < m; k++) {
    const e = order[k]!;
    let u = tin[e]! - t0;
    if (u < 0) u = 0;
    const c = e % inC;
    const p = (e - c) / inC;
    const x = p % inW;
    const y = (p - x) / inW;
    const grp = Math.floor(c / icg) * ocg + off;
    const tapC = c * kH;
    const r1 = rowStart[y + 1]!, q0 = colStart[x]!, q1 = colStart[x + 1]!;
    for (let r = rowStart[y]!; r < r1; r++) {
      const tapRow = (tapC + rowPairs[2 * r]!) * kW;
      const outRow = rowPairs[2 * r + 1]! * outW;
      for (let q = q0; q < q1; q++) {
        const wb = (tapRow + colPairs[2 * q]!) * ocg;
        const sb = (outRow + colPairs[2 * q + 1]!) * stride + grp;
        for (let o = 0; o < ocg; o++) {
          const i = sb + o;
          const w = taps[wb + o]!;
          const d = D[i]!;
          let cc = C[i]!;
          if (d * u >= cc) {
            fu[i] = d > 0 ? cc / d : u;
            cc = Infinity;
          }
          D[i] = d + w;
          C[i] = cc + w * u;
        }
      }
    }
  }
}

function scatterIdentity(conn: Extract<Conn, { kind: "identity" }>, tin: Float64Array, t0: number, order: Int32Array, m: number, D: Float64Array, C: Float64Array, fu: Float64Array): void {
  for (let k = 0; k < m; k++) {
    const e = order[k]!;
    let u = tin[e]! - t0;
    if (u < 0) u = 0;
    const i = conn.to[e]!;
    const w = conn.w[e]!;
    const d = D[i]!;
    let c = C[i]!;
    if (d * u >= c) {
      fu[i] = d > 0 ? c / d : u;
      c = Infinity;
    }
    D[i] = d + w;
    C[i] = c + w * u;
  }
}

function scatter(conn: Conn, tin: Float64Array, t0: number, order: Int32Array, m: number, s: Scratch): void {
  if (conn.kind === "dense") scatterDense(conn, tin, t0, order, m, s.D, s.C, s.fu);
  else if (conn.kind === "conv") scatterConv(conn, tin, t0, order, m, s.D, s.C, s.fu);
  else scatterIdentity(conn, tin, t0, order, m, s.D, s.C, s.fu);
}

/** The layer's input spike times as one array (a join's side by side, starting at bases[q]). */
function eventTimes(L: TtfsLayer, times: readonly Float64Array[], s: Scratch): Float64Array {
  const bases = s.bases;
  bases.length = 0;
  if (L.inputs.length === 1) {
    bases.push(0);
    return times[L.inputs[0]!.src]!;
  }
  let at = 0;
  for (const inp of L.inputs) {
    const t = times[inp.src]!;
    bases.push(at);
    s.tcat.set(t, at);
    at += t.length;
  }
  return s.tcat.subarray(0, at);
}

/** Scatters events order[0:m] (indices into eventTimes' array) in that order. */
function scatterEvents(L: TtfsLayer, times: readonly Float64Array[], bases: readonly number[], order: Int32Array, m: number, s: Scratch): void {
  if (L.inputs.length === 1) {
    scatter(L.inputs[0]!.conn, times[L.inputs[0]!.src]!, L.t0, order, m, s);
    return;
  }
  for (let k = 0; k < m; k++) {
    const e = order[k]!;
    let q = bases.length - 1;
    while (bases[q]! > e) q--;
    s.one[0] = e - bases[q]!;
    const inp = L.inputs[q]!;
    scatter(inp.conn, times[inp.src]!, L.t0, s.one, 1, s);
  }
}

/** A crossing check at local time u for every neuron still silent. */
function checkAt(u: number, n: number, s: Scratch): void {
  const { D, C, fu } = s;
  for (let i = 0; i < n; i++) {
    const d = D[i]!, c = C[i]!;
    if (d * u >= c) {
      fu[i] = d > 0 ? c / d : u;
      C[i] = Infinity;
    }
  }
}

/** Appends layer neuron i's inputs through a conv that arrive before tEnd (local time, weight) to s.ru / s.rj from m; returns the new count. */
function gatherConv(conn: Extract<Conn, { kind: "conv" }>, i: number, tin: Float64Array, t0: number, tEnd: number, s: Scratch, m: number): number {
  const { ru, rj } = s;
  const { inC, inH, inW, kH, kW, sH, sW, pH, pW, icg, ocg, outC, outW, taps, stride, off } = conn;
  const ch = i % stride;
  if (ch < off || ch >= off + outC) return m;
  const oc = ch - off;
  const pos = (i - ch) / stride;
  const ox = pos % outW;
  const oy = (pos - ox) / outW;
  const grp = Math.floor(oc / ocg);
  const ol = oc - grp * ocg;
  for (let ic = 0; ic < icg; ic++) {
    const c = grp * icg + ic;
    for (let ky = 0; ky < kH; ky++) {
      const iy = oy * sH - pH + ky;
      if (iy < 0 || iy >= inH) continue;
      for (let kx = 0; kx < kW; kx++) {
        const ix = ox * sW - pW + kx;
        if (ix < 0 || ix >= inW) continue;
        const t = tin[(iy * inW + ix) * inC + c]!;
        if (t < tEnd) {
          ru[m] = t > t0 ? t - t0 : 0;
          rj[m++] = taps[((c * kH + ky) * kW + kx) * ocg + ol]!;
        }
      }
    }
  }
  return m;
}

/** Likewise through a dense or identity input. */
function gatherOther(conn: Exclude<Conn, { kind: "conv" }>, i: number, tin: Float64Array, t0: number, tEnd: number, s: Scratch, m: number): number {
  const { ru, rj } = s;
  if (conn.kind === "identity") {
    const e = conn.from[i]!;
    if (e >= 0 && tin[e]! < tEnd) {
      const t = tin[e]!;
      ru[m] = t > t0 ? t - t0 : 0;
      rj[m++] = conn.w[e]!;
    }
    return m;
  }
  const o = i - conn.off;
  if (o < 0 || o >= conn.outN) return m;
  for (let e = 0; e < conn.inN; e++) {
    const t = tin[e]!;
    if (t < tEnd) {
      ru[m] = t > t0 ? t - t0 : 0;
      rj[m++] = conn.rows[e * conn.outN + o]!;
    }
  }
  return m;
}

/**
 * The exact first crossing of one neuron given its inputs before tEnd in time order (local time
 * ru[order[k]], weight rj[order[k]]); inputs at tEnd (x = 0, padding) and the rest of ΣJ join at
 * uEnd. Returns the local firing time.
 */
function scan(ru: Float64Array, rj: Float64Array, order: Int32Array, m: number, theta: number, dAll: number, uEnd: number): number {
  let d = 1, c = theta;
  for (let k = 0; k < m; k++) {
    const q = order[k]!;
    const u = ru[q]!;
    if (d * u >= c) return d > 0 ? c / d : u;
    d += rj[q]!;
    c += rj[q]! * u;
  }
  if (d * uEnd >= c) return d > 0 ? c / d : uEnd;
  return (c + (dAll - d) * uEnd) / dAll;
}

/** Neuron i: every input's contributions gathered and sorted, then scanned. */
function scanNeuron(L: TtfsLayer, i: number, times: readonly Float64Array[], s: Scratch): number {
  let m = 0;
  for (const inp of L.inputs) {
    const tin = times[inp.src]!;
    m = inp.conn.kind === "conv" ? gatherConv(inp.conn, i, tin, L.t0, L.tEnd, s, m) : gatherOther(inp.conn, i, tin, L.t0, L.tEnd, s, m);
  }
  const idx = s.order;
  for (let k = 0; k < m; k++) idx[k] = k;
  s.sorter.sort(s.ru, idx, m);
  return scan(s.ru, s.rj, idx, m, L.theta[i]!, L.dAll[i]!, L.tEnd - L.t0);
}

/**
 * Spike times (HWC, absolute) of a TTFS layer given every layer's spike times `times` (HWC).
 * Every neuron fires exactly once: at its first threshold crossing, or at tMax.
 */
export function runTtfs(L: TtfsLayer, li: number, times: readonly Float64Array[], out: Float64Array, s: Scratch, counts: LayerCounts): void {
  const r = s.fast;
  s.backend.fast(li, r);
  if (!r.ok) {
    runTtfsEvents(L, times, out, s, counts);
    return;
  }
  counts.informative += r.informative;
  if (r.uncertain === 0) return;
  // The neurons the bound could not clear: their inputs, in time order, one by one.
  const { t0, tEnd, tMax, theta, dAll } = L;
  const uEnd = tEnd - t0;
  const b = s.backend.buffers(li);
  const { ru, rj, order } = s;
  const only = L.inputs.length === 1 ? L.inputs[0]!.conn : undefined;
  if (only?.kind === "dense") {
    // Every neuron reads every input, so the layer's inputs are sorted once.
    const { xv } = b.inputs[0]!;
    const m = r.m;
    for (let k = 0; k < m; k++) {
      ru[k] = uEnd - xv[k]!;
      order[k] = k;
    }
    s.sorter.sort(ru, order, m);
  }
  for (let k = 0; k < r.uncertain; k++) {
    const i = b.unc[k]!;
    counts.scanned++;
    let u: number;
    if (only?.kind === "dense") {
      const { nz } = b.inputs[0]!;
      const o = i - only.off;
      for (let q = 0; q < r.m; q++) rj[q] = only.rows[nz[q]! * only.outN + o]!;
      u = scan(ru, rj, order, r.m, theta[i]!, dAll[i]!, uEnd);
    } else u = scanNeuron(L, i, times, s);
    let t = t0 + (u > 0 ? u : 0);
    if (t >= tMax) t = tMax;
    else counts.informative++;
    if (t < tEnd) counts.early++;
    out[i] = t;
  }
}

function finish(L: TtfsLayer, n: number, out: Float64Array, fu: Float64Array, counts: LayerCounts): void {
  let informative = 0, early = 0;
  for (let i = 0; i < n; i++) {
    const u = fu[i]!;
    let t = L.t0 + (u > 0 ? u : 0);
    if (t >= L.tMax) t = L.tMax;
    else informative++;
    if (t < L.tEnd) early++;
    out[i] = t;
  }
  counts.informative += informative;
  counts.early += early;
}

/** The same spikes by the event loop over all inputs in time order: needed when inputs can arrive after tEnd (jitter). */
export function runTtfsEvents(L: TtfsLayer, times: readonly Float64Array[], out: Float64Array, s: Scratch, counts: LayerCounts): void {
  const n = L.n;
  const { D, C, fu, order, sorter } = s;
  D.fill(1, 0, n);
  C.set(L.theta);
  const uEnd = L.tEnd - L.t0;
  const tin = eventTimes(L, times, s);
  const bases = s.bases;
  const nIn = tin.length;
  const m = sorter.before(tin, nIn, L.tEnd, order);
  scatterEvents(L, times, bases, order, m, s);
  checkAt(uEnd, n, s);
  // Padding lands at tEnd, then inputs at and after tEnd in time order.
  const jPad = L.jPad;
  for (let i = 0; i < n; i++) {
    D[i] = D[i]! + jPad[i]!;
    C[i] = C[i]! + jPad[i]! * uEnd;
  }
  let r = 0;
  for (let e = 0; e < nIn; e++) if (tin[e]! === L.tEnd) order[r++] = e;
  scatterEvents(L, times, bases, order, r, s);
  const k = sorter.after(tin, nIn, L.tEnd, order);
  scatterEvents(L, times, bases, order, k, s);
  for (let i = 0; i < n; i++) {
    if (C[i] !== Infinity) fu[i] = D[i]! > 0 ? C[i]! / D[i]! : Infinity;
  }
  finish(L, n, out, fu, counts);
}

/** Max pooling: each output passes its window's earliest spike (the latest on `latest` channels). */
export function runRelay(L: RelayLayer, inShape: readonly [number, number, number], tin: Float64Array, out: Float64Array, counts: LayerCounts): void {
  const [c, inH, inW] = inShape;
  const [, outH, outW] = L.shape;
  const [kH, kW] = L.kernel;
  let informative = 0;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * L.stride[0] - L.padding[0];
    const ys = Math.max(0, y0), ye = Math.min(inH, y0 + kH);
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * L.stride[1] - L.padding[1];
      const xs = Math.max(0, x0), xe = Math.min(inW, x0 + kW);
      const ob = (oy * outW + ox) * c;
      for (let ch = 0; ch < c; ch++) {
        const latest = L.latest[ch] === 1;
        let best = latest ? -Infinity : Infinity;
        for (let y = ys; y < ye; y++) {
          for (let x = xs; x < xe; x++) {
            const t = tin[(y * inW + x) * c + ch]!;
            if (latest ? t > best : t < best) best = t;
          }
        }
        out[ob + ch] = best;
        if (best < L.tMax) informative++;
      }
    }
  }
  counts.informative += informative;
}

/** Output potentials (HWC) at tEnd: V = b + Σ_j W_j·(tEnd − max(t_j, t0)) over every input's spikes that arrived. */
export function runReadout(L: ReadoutLayer, times: readonly Float64Array[], out: Float64Array, s: Scratch): void {
  const n = L.n;
  out.set(L.bias);
  const uEnd = L.tEnd - L.t0;
  const order = s.order;
  for (const inp of L.inputs) {
    const tin = times[inp.src]!;
    let m = 0;
    for (let e = 0; e < tin.length; e++) if (tin[e]! < L.tEnd) order[m++] = e;
    const conn = inp.conn;
    if (conn.kind === "dense") {
      const { rows, off, outN } = conn;
      for (let k = 0; k < m; k++) {
        const e = order[k]!;
        const u = tin[e]! - L.t0;
        const v = uEnd - (u > 0 ? u : 0);
        const base = e * outN;
        for (let i = 0; i < outN; i++) out[off + i] = out[off + i]! + rows[base + i]! * v;
      }
    } else if (conn.kind === "identity") {
      for (let k = 0; k < m; k++) {
        const e = order[k]!;
        const u = tin[e]! - L.t0;
        out[conn.to[e]!] = out[conn.to[e]!]! + conn.w[e]! * (uEnd - (u > 0 ? u : 0));
      }
    } else {
      const { inC, inW, kH, kW, icg, ocg, outW, taps, rowStart, rowPairs, colStart, colPairs, stride, off } = conn;
      for (let k = 0; k < m; k++) {
        const e = order[k]!;
        const u = tin[e]! - L.t0;
        const v = uEnd - (u > 0 ? u : 0);
        const c = e % inC;
        const p = (e - c) / inC;
        const x = p % inW;
        const y = (p - x) / inW;
        const grp = Math.floor(c / icg) * ocg + off;
        for (let r = rowStart[y]!; r < rowStart[y + 1]!; r++) {
          const tapRow = (c * kH + rowPairs[2 * r]!) * kW;
          const outRow = rowPairs[2 * r + 1]! * outW;
          for (let q = colStart[x]!; q < colStart[x + 1]!; q++) {
            const wb = (tapRow + colPairs[2 * q]!) * ocg;
            const sb = (outRow + colPairs[2 * q + 1]!) * stride + grp;
            for (let o = 0; o < ocg; o++) out[sb + o] = out[sb + o]! + taps[wb + o]! * v;
          }
        }
      }
    }
  }
  if (L.relu) for (let i = 0; i < n; i++) if (out[i]! < 0) out[i] = 0;
}

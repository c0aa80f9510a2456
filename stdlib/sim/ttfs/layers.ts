// The event loop of one TTFS layer, in continuous time and float64 (PAPERS.md §3). A neuron
// integrates dV/dt = 1 + Σ_{t_j ≤ t} J_ij from V(t0) = 0 and fires once, at its first crossing
// of ϑ_i, or at tMax. Its state is two numbers: D = 1 + Σ J (the slope) and C = ϑ + Σ J·u_j, so
// V(u) ≥ ϑ ⟺ D·u ≥ C and the crossing is at u = C/D — the paper's closed form over the prefix
// of its time-sorted inputs. Inputs arrive in time order; each checks the segment it closes.
// Spikes at exactly the window's end (x = 0, and zero padding) only add to D and C, in bulk.
// It must not allocate per sample or know about datasets.

import type { Conn, ReadoutLayer, RelayLayer, TtfsLayer } from "./plan.ts";
import { SpikeSorter } from "./sort.ts";

/** Buffers reused across samples and layers (one per thread). */
export class Scratch {
  readonly D: Float64Array;
  readonly C: Float64Array;
  /** Local firing time u of neurons that crossed during the event loop. */
  readonly fu: Float64Array;
  readonly order: Int32Array;
  readonly sorter = new SpikeSorter();
  constructor(maxNeurons: number, maxInputs: number) {
    this.D = new Float64Array(maxNeurons);
    this.C = new Float64Array(maxNeurons);
    this.fu = new Float64Array(maxNeurons);
    this.order = new Int32Array(maxInputs);
  }
}

/** Per-layer counts a sample adds to the figures. */
export interface LayerCounts {
  /** Neurons firing before tMax (carrying a non-zero value). */
  informative: number;
  /** Neurons firing before their window opens (t < t_min): the windows are too short (ζ too small). */
  early: number;
}

function scatterDense(conn: Extract<Conn, { kind: "dense" }>, tin: Float64Array, t0: number, order: Int32Array, m: number, D: Float64Array, C: Float64Array, fu: Float64Array): void {
  const n = conn.outN;
  const rows = conn.rows;
  for (let k = 0; k < m; k++) {
    const e = order[k]!;
    let u = tin[e]! - t0;
    if (u < 0) u = 0;
    const base = e * n;
    for (let i = 0; i < n; i++) {
      const w = rows[base + i]!;
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
  const { inC, inW, kH, kW, icg, ocg, outC, outW, taps, rowStart, rowPairs, colStart, colPairs } = conn;
  for (let k = 0; k < m; k++) {
    const e = order[k]!;
    let u = tin[e]! - t0;
    if (u < 0) u = 0;
    const c = e % inC;
    const p = (e - c) / inC;
    const x = p % inW;
    const y = (p - x) / inW;
    const grp = Math.floor(c / icg) * ocg;
    const tapC = c * kH;
    const r1 = rowStart[y + 1]!, q0 = colStart[x]!, q1 = colStart[x + 1]!;
    for (let r = rowStart[y]!; r < r1; r++) {
      const tapRow = (tapC + rowPairs[2 * r]!) * kW;
      const outRow = rowPairs[2 * r + 1]! * outW;
      for (let q = q0; q < q1; q++) {
        const wb = (tapRow + colPairs[2 * q]!) * ocg;
        const sb = (outRow + colPairs[2 * q + 1]!) * outC + grp;
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

function scatter(conn: Conn, tin: Float64Array, t0: number, order: Int32Array, m: number, s: Scratch): void {
  if (conn.kind === "dense") scatterDense(conn, tin, t0, order, m, s.D, s.C, s.fu);
  else scatterConv(conn, tin, t0, order, m, s.D, s.C, s.fu);
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

/**
 * Spike times (HWC, absolute) of a TTFS layer given its inputs' spike times `tin` (HWC, `nIn` of
 * them). Every neuron fires exactly once: at its first threshold crossing, or at tMax.
 */
export function runTtfs(L: TtfsLayer, tin: Float64Array, nIn: number, out: Float64Array, s: Scratch, counts: LayerCounts): void {
  const n = L.n;
  const { D, C, fu, order, sorter } = s;
  D.fill(1, 0, n);
  C.set(L.theta);
  const uEnd = L.tEnd - L.t0;
  // Inputs before the window's end, in time order; each closes a linear piece of V.
  const m = sorter.before(tin, nIn, L.tEnd, order);
  scatter(L.conn, tin, L.t0, order, m, s);
  checkAt(uEnd, n, s);
  let late = 0;
  for (let e = 0; e < nIn; e++) if (tin[e]! > L.tEnd) late++;
  if (late === 0) {
    // All other inputs (x = 0) and the padding arrive together at tEnd: their J sum is what is left of ΣJ.
    const dAll = L.dAll;
    for (let i = 0; i < n; i++) {
      const c = C[i]!;
      if (c !== Infinity) {
        const d = dAll[i]!;
        fu[i] = (c + (d - D[i]!) * uEnd) / d;
      }
    }
  } else {
    // Jittered inputs can arrive after tEnd: padding lands at tEnd, then the rest in time order.
    const jPad = L.jPad;
    for (let i = 0; i < n; i++) {
      D[i] = D[i]! + jPad[i]!;
      C[i] = C[i]! + jPad[i]! * uEnd;
    }
    let r = 0;
    for (let e = 0; e < nIn; e++) if (tin[e]! === L.tEnd) order[r++] = e;
    scatter(L.conn, tin, L.t0, order, r, s);
    const k = sorter.after(tin, nIn, L.tEnd, order);
    scatter(L.conn, tin, L.t0, order, k, s);
    for (let i = 0; i < n; i++) {
      if (C[i] !== Infinity) fu[i] = D[i]! > 0 ? C[i]! / D[i]! : Infinity;
    }
  }
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

/** Output potentials (HWC) at tEnd: V = b + Σ_j W_j·(tEnd − max(t_j, t0)) over inputs that arrived. */
export function runReadout(L: ReadoutLayer, tin: Float64Array, nIn: number, out: Float64Array, s: Scratch): void {
  const n = L.n;
  out.set(L.bias);
  const uEnd = L.tEnd - L.t0;
  const order = s.order;
  let m = 0;
  for (let e = 0; e < nIn; e++) if (tin[e]! < L.tEnd) order[m++] = e;
  const conn = L.conn;
  if (conn.kind === "dense") {
    const rows = conn.rows;
    for (let k = 0; k < m; k++) {
      const e = order[k]!;
      const u = tin[e]! - L.t0;
      const v = uEnd - (u > 0 ? u : 0);
      const base = e * n;
      for (let i = 0; i < n; i++) out[i] = out[i]! + rows[base + i]! * v;
    }
  } else {
    const { inC, inW, kH, kW, icg, ocg, outC, outW, taps, rowStart, rowPairs, colStart, colPairs } = conn;
    for (let k = 0; k < m; k++) {
      const e = order[k]!;
      const u = tin[e]! - L.t0;
      const v = uEnd - (u > 0 ? u : 0);
      const c = e % inC;
      const p = (e - c) / inC;
      const x = p % inW;
      const y = (p - x) / inW;
      const grp = Math.floor(c / icg) * ocg;
      for (let r = rowStart[y]!; r < rowStart[y + 1]!; r++) {
        const tapRow = (c * kH + rowPairs[2 * r]!) * kW;
        const outRow = rowPairs[2 * r + 1]! * outW;
        for (let q = colStart[x]!; q < colStart[x + 1]!; q++) {
          const wb = (tapRow + colPairs[2 * q]!) * ocg;
          const sb = (outRow + colPairs[2 * q + 1]!) * outC + grp;
          for (let o = 0; o < ocg; o++) out[sb + o] = out[sb + o]! + taps[wb + o]! * v;
        }
      }
    }
  }
  if (L.relu) for (let i = 0; i < n; i++) if (out[i]! < 0) out[i] = 0;
}

// The one heavy step of a TTFS layer's fast path: per neuron P = Σ_j J_ij·x_j and
// Pp = Σ_j max(J_ij, 0)·x_j over the inputs that spiked before the window's end. Two backends
// with one interface: float64 WASM SIMD kernels (stdlib/tensor/assembly/ttfs.ts, the default)
// and plain TypeScript (the reference, and the fallback when the kernels are not built).
// Buffers live where the backend reads them; a backend is per thread and per plan.

import { kernels } from "../../tensor/wasm.ts";
import type { Conn, Plan } from "./plan.ts";

export interface LayerBuffers {
  /** Conv: the input values x (HWC, 0 where nothing arrived before tEnd). */
  readonly x: Float64Array;
  /** Dense: indices and values of the non-zero inputs. */
  readonly nz: Int32Array;
  readonly xv: Float64Array;
  readonly P: Float64Array;
  readonly Pp: Float64Array;
}

export interface SumsBackend {
  readonly kind: "wasm" | "js";
  buffers(layer: number): LayerBuffers;
  /** Fills P and Pp of layer `layer` from its x (conv) or its first `m` nz/xv entries (dense). */
  run(layer: number, m: number): void;
  release(): void;
}

function jsDense(conn: Extract<Conn, { kind: "dense" }>, b: LayerBuffers, m: number): void {
  const n = conn.outN;
  const { rows, rowsPos } = conn;
  const { nz, xv, P, Pp } = b;
  P.fill(0, 0, n);
  Pp.fill(0, 0, n);
  for (let k = 0; k < m; k++) {
    const x = xv[k]!;
    const base = nz[k]! * n;
    for (let i = 0; i < n; i++) {
      P[i] = P[i]! + rows[base + i]! * x;
      Pp[i] = Pp[i]! + rowsPos[base + i]! * x;
    }
  }
}

function jsConv(conn: Extract<Conn, { kind: "conv" }>, b: LayerBuffers): void {
  const { inC, inH, inW, kH, kW, icg, ocg, outC, outH, outW, taps, tapsPos, rowStart, rowPairs, colStart, colPairs } = conn;
  const { x: xs, P, Pp } = b;
  const n = outC * outH * outW;
  P.fill(0, 0, n);
  Pp.fill(0, 0, n);
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
        for (let o = 0; o < ocg; o++) {
          P[sb + o] = P[sb + o]! + taps[wb + o]! * x;
          Pp[sb + o] = Pp[sb + o]! + tapsPos[wb + o]! * x;
        }
      }
    }
  }
}

function inputsOf(plan: Plan, layer: number): number {
  const src = plan.layers[layer]!.src;
  return src === 0 ? plan.input.n : plan.layers[src - 1]!.n;
}

/** Plain TypeScript sums (the reference the WASM kernels are tested against). */
export class JsSums implements SumsBackend {
  readonly kind = "js";
  private readonly bufs: (LayerBuffers | undefined)[];
  constructor(private readonly plan: Plan) {
    this.bufs = plan.layers.map((l, i) => {
      if (l.kind !== "ttfs") return undefined;
      const nIn = inputsOf(plan, i);
      return { x: new Float64Array(nIn), nz: new Int32Array(nIn), xv: new Float64Array(nIn), P: new Float64Array(l.n), Pp: new Float64Array(l.n) };
    });
  }
  buffers(layer: number): LayerBuffers {
    return this.bufs[layer]!;
  }
  run(layer: number, m: number): void {
    const l = this.plan.layers[layer]!;
    if (l.kind !== "ttfs") return;
    if (l.conn.kind === "dense") jsDense(l.conn, this.bufs[layer]!, m);
    else jsConv(l.conn, this.bufs[layer]!);
  }
  release(): void {}
}

interface TtfsKernelExports {
  ttfsConvSums(inC: number, inH: number, inW: number, outC: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, groups: number, outH: number, outW: number, x: number, taps: number, tapsPos: number, P: number, Pp: number): void;
  ttfsConvScatter(inC: number, inH: number, inW: number, outC: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, groups: number, outH: number, outW: number, x: number, taps: number, tapsPos: number, P: number, Pp: number): void;
  ttfsDenseSums(n: number, m: number, nz: number, xv: number, rows: number, rowsPos: number, P: number, Pp: number): void;
}

/** Calls of each conv kernel timed before a layer settles on the faster (both give the same sums, bit for bit). */
const TRIALS = 4;

interface WasmLayer {
  readonly bufs: LayerBuffers;
  /** Byte offsets in kernel memory: weights, positive weights, and the buffers. */
  readonly w: number;
  readonly wp: number;
  readonly x: number;
  readonly nz: number;
  readonly xv: number;
  readonly P: number;
  readonly Pp: number;
}

/** The float64 WASM SIMD sums; weights are copied into this thread's kernel memory once. */
export class WasmSums implements SumsBackend {
  readonly kind = "wasm";
  private readonly layers: (WasmLayer | undefined)[];
  private readonly blocks: number[] = [];
  private readonly exports: TtfsKernelExports;
  /** Per conv layer: CPU milliseconds spent in [gather, scatter] trials, then the choice. */
  private readonly trials: [number, number, number, number][];
  private readonly choice: ("gather" | "scatter" | undefined)[];
  constructor(private readonly plan: Plan) {
    this.trials = plan.layers.map(() => [0, 0, 0, 0]);
    this.choice = plan.layers.map(() => undefined);
    const k = kernels();
    this.exports = k.exports as unknown as TtfsKernelExports;
    const f64 = (n: number, from?: Float64Array): [number, Float64Array] => {
      const ptr = k.allocBytes(Math.max(1, n) * 8);
      this.blocks.push(ptr);
      const view = new Float64Array(k.memory.buffer, ptr, n); // after the allocation: it may grow the memory
      if (from) view.set(from);
      return [ptr, view];
    };
    const i32 = (n: number): [number, Int32Array] => {
      const ptr = k.allocBytes(Math.max(1, n) * 4);
      this.blocks.push(ptr);
      return [ptr, new Int32Array(k.memory.buffer, ptr, n)];
    };
    this.layers = plan.layers.map((l, i) => {
      if (l.kind !== "ttfs") return undefined;
      const nIn = inputsOf(plan, i);
      const [w] = f64(l.conn.kind === "dense" ? l.conn.rows.length : l.conn.taps.length, l.conn.kind === "dense" ? l.conn.rows : l.conn.taps);
      const [wp] = f64(l.conn.kind === "dense" ? l.conn.rowsPos.length : l.conn.tapsPos.length, l.conn.kind === "dense" ? l.conn.rowsPos : l.conn.tapsPos);
      const [x, xView] = f64(l.conn.kind === "conv" ? nIn : 0);
      const [nz, nzView] = i32(l.conn.kind === "dense" ? nIn : 0);
      const [xv, xvView] = f64(l.conn.kind === "dense" ? nIn : 0);
      const [P, PView] = f64(l.n);
      const [Pp, PpView] = f64(l.n);
      return { bufs: { x: xView, nz: nzView, xv: xvView, P: PView, Pp: PpView }, w, wp, x, nz, xv, P, Pp };
    });
  }
  buffers(layer: number): LayerBuffers {
    return this.layers[layer]!.bufs;
  }
  run(layer: number, m: number): void {
    const l = this.plan.layers[layer]!;
    const b = this.layers[layer]!;
    if (l.kind !== "ttfs") return;
    const c = l.conn;
    if (c.kind === "dense") {
      this.exports.ttfsDenseSums(c.outN, m, b.nz, b.xv, b.w, b.wp, b.P, b.Pp);
      return;
    }
    // Gathering keeps a position's output channels in registers; scattering visits only non-zero
    // inputs. Which is faster depends on the layer (channels, sparsity): time both, keep the faster.
    let mode = this.choice[layer];
    const tr = this.trials[layer]!;
    if (mode === undefined) mode = tr[2] <= tr[3] ? "gather" : "scatter";
    const t0 = this.choice[layer] === undefined ? performance.now() : 0;
    const args = [c.inC, c.inH, c.inW, c.outC, c.kH, c.kW, c.sH, c.sW, c.pH, c.pW, c.inC / c.icg, c.outH, c.outW, b.x, b.w, b.wp, b.P, b.Pp] as const;
    if (mode === "gather") this.exports.ttfsConvSums(...args);
    else this.exports.ttfsConvScatter(...args);
    if (this.choice[layer] === undefined) {
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

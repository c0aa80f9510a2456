// A circuit's output as the staircase it is: the input range splits into intervals on which the
// firing pattern, hence the output, is constant. Knowing the intervals exactly gives the squared
// error against f as a sum of integrals and its exact gradient in the thresholds and inhibitions
// (each step's edge moves with them), which the fit uses to polish what gradient descent found.
// Pure numerics; no fitting loop here.

import { throwIfAborted } from "../../errors.ts";
import { circuit, type Circuit } from "./circuit.ts";
import { Adam, solveLinear } from "./numerics.ts";
import type { GateTable } from "./table.ts";

/** One interval (lo, hi] of constant firing pattern. */
export interface Step {
  readonly lo: number;
  readonly hi: number;
  readonly y: number;
  /** z_k for each unit on this interval. */
  readonly pattern: Uint8Array;
}

/** An inner edge between steps i and i+1: where unit `unit` starts firing, given the shared earlier pattern. */
export interface Edge {
  readonly x: number;
  readonly unit: number;
  readonly prefix: Uint8Array;
}

export interface Staircase {
  readonly steps: Step[];
  /** edges[i] lies between steps[i] and steps[i + 1]. */
  readonly edges: Edge[];
}

/**
 * The steps of a circuit in flat, reusable arrays (the polish enumerates them thousands of times,
 * so nothing is allocated per step). Step s covers (lo[s], hi[s]]; edge e, between steps e and
 * e + 1, is where unit edgeUnit[e] starts firing; its earlier pattern is step e's.
 */
export class StepBuffer {
  count = 0;
  lo = new Float64Array(64);
  hi = new Float64Array(64);
  y = new Float64Array(64);
  pattern = new Uint8Array(64);
  edgeX = new Float64Array(64);
  edgeUnit = new Int32Array(64);
  K = 0;

  reset(K: number): void {
    this.count = 0;
    this.K = K;
    if (this.pattern.length < this.lo.length * K) this.pattern = new Uint8Array(this.lo.length * K);
  }

  private grow(): void {
    const cap = this.lo.length * 2;
    const more = <A extends Float64Array | Int32Array>(a: A, n: number): A => {
      const b = new (a.constructor as new (n: number) => A)(n);
      b.set(a);
      return b;
    };
    this.lo = more(this.lo, cap);
    this.hi = more(this.hi, cap);
    this.y = more(this.y, cap);
    this.edgeX = more(this.edgeX, cap);
    this.edgeUnit = more(this.edgeUnit, cap);
    const p = new Uint8Array(cap * this.K);
    p.set(this.pattern.subarray(0, this.count * this.K));
    this.pattern = p;
  }

  push(a: number, b: number, y: number, z: Uint8Array): void {
    if (this.count === this.lo.length) this.grow();
    const s = this.count++;
    this.lo[s] = a;
    this.hi[s] = b;
    this.y[s] = y;
    this.pattern.set(z, s * this.K);
  }

  /** Records the edge after the step just pushed. */
  edge(x: number, unit: number): void {
    if (this.count > this.edgeX.length - 1) this.grow();
    this.edgeX[this.count - 1] = x;
    this.edgeUnit[this.count - 1] = unit;
  }
}

function visit(buf: StepBuffer, c: Circuit, z: Uint8Array, k: number, a: number, b: number, offset: number, y: number): void {
  if (k === c.K) {
    buf.push(a, b, y, z);
    return;
  }
  const edge = c.T[k]! + offset;
  if (edge >= b) {
    z[k] = 0;
    visit(buf, c, z, k + 1, a, b, offset, y);
  } else if (edge <= a) {
    z[k] = 1;
    visit(buf, c, z, k + 1, a, b, offset + c.h[k]!, y + c.d[k]!);
  } else {
    z[k] = 0;
    visit(buf, c, z, k + 1, a, edge, offset, y);
    buf.edge(edge, k);
    z[k] = 1;
    visit(buf, c, z, k + 1, edge, b, offset + c.h[k]!, y + c.d[k]!);
  }
  z[k] = 0;
}

/** Fills `buf` with the steps of `c` over (lo, hi], left to right. Unit k fires for x > T_k + Σ_{j<k} h_j z_j. */
export function enumerateSteps(c: Circuit, lo: number, hi: number, buf: StepBuffer): void {
  buf.reset(c.K);
  visit(buf, c, new Uint8Array(c.K), 0, lo, hi, 0, 0);
}

/** The steps of `c` over (lo, hi] as objects (for tests and figures). */
export function staircase(c: Circuit, lo: number, hi: number): Staircase {
  const buf = new StepBuffer();
  enumerateSteps(c, lo, hi, buf);
  const K = c.K;
  const steps: Step[] = [];
  const edges: Edge[] = [];
  for (let s = 0; s < buf.count; s++) {
    steps.push({ lo: buf.lo[s]!, hi: buf.hi[s]!, y: buf.y[s]!, pattern: buf.pattern.slice(s * K, (s + 1) * K) });
    if (s < buf.count - 1) edges.push({ x: buf.edgeX[s]!, unit: buf.edgeUnit[s]!, prefix: buf.pattern.slice(s * K, s * K + buf.edgeUnit[s]!) });
  }
  return { steps, edges };
}

/** Running integrals of f and f² over the table's range, for exact interval integrals. */
export interface Integrals {
  readonly lo: number;
  readonly dx: number;
  readonly f: Float64Array;
  readonly F1: Float64Array;
  readonly F2: Float64Array;
}

export function integrals(t: GateTable): Integrals {
  const n = t.x.length;
  const dx = (t.x[n - 1]! - t.x[0]!) / (n - 1);
  const F1 = new Float64Array(n), F2 = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const a = t.y[i - 1]!, b = t.y[i]!;
    F1[i] = F1[i - 1]! + ((a + b) / 2) * dx;
    // Simpson-like for the square of a linear piece: exact for linear f between grid points.
    F2[i] = F2[i - 1]! + ((a * a + a * b + b * b) / 3) * dx;
  }
  return { lo: t.x[0]!, dx, f: t.y, F1, F2 };
}

function interp(arr: Float64Array, I: Integrals, x: number): number {
  const u = (x - I.lo) / I.dx;
  const i = Math.max(0, Math.min(arr.length - 2, Math.floor(u)));
  const w = u - i;
  return arr[i]! * (1 - w) + arr[i + 1]! * w;
}

/** ∫ from the range's start to x of f (running[0]) and f² (running[1]); f is linear between grid points. */
function runningIntegrals(I: Integrals, x: number, out: Float64Array): void {
  const s = (x - I.lo) / I.dx;
  const i = Math.max(0, Math.min(I.f.length - 2, Math.floor(s)));
  const w = (s - i) * I.dx;
  const f0 = I.f[i]!, f1 = I.f[i + 1]!;
  const slope = (f1 - f0) / I.dx;
  out[0] = I.F1[i]! + f0 * w + (slope * w * w) / 2;
  out[1] = I.F2[i]! + f0 * f0 * w + f0 * slope * w * w + (slope * slope * w * w * w) / 3;
}

/** The mean squared error over the range (continuous), the optimal d, and the gradient in h and T. */
export interface ExactFit {
  readonly mse: number;
  readonly d: Float64Array;
  readonly gradH: Float64Array;
  readonly gradT: Float64Array;
}

/**
 * For fixed h and T, solves the d minimising the continuous squared error (d enters linearly),
 * then differentiates the error in h and T by moving each edge: an edge at b between outputs
 * yL and yR changes the error at rate ((yL − f(b))² − (yR − f(b))²)/L, and it sits at
 * T_k + Σ_{j<k} h_j z_j, so ∂b/∂T_k = 1 and ∂b/∂h_j = z_j. With d optimal, d's own gradient is 0.
 */
export function exactFit(c: Circuit, I: Integrals, lo: number, hi: number, buf: StepBuffer = new StepBuffer()): ExactFit {
  const K = c.K;
  enumerateSteps(c, lo, hi, buf);
  const n = buf.count;
  const P = buf.pattern;
  const A = new Float64Array(K * K), rhs = new Float64Array(K);
  const on = new Int32Array(K);
  const f1 = new Float64Array(n);
  const at = new Float64Array(2);
  runningIntegrals(I, lo, at);
  const f2Start = at[1]!;
  for (let s = 0; s < n; s++) {
    const len = buf.hi[s]! - buf.lo[s]!;
    const before = at[0]!;
    runningIntegrals(I, buf.hi[s]!, at);
    const i1 = at[0]! - before;
    f1[s] = i1;
    let m = 0;
    for (let a = 0; a < K; a++) if (P[s * K + a] === 1) on[m++] = a;
    for (let i = 0; i < m; i++) {
      const a = on[i]!;
      rhs[a] = rhs[a]! + i1;
      for (let j = 0; j < m; j++) A[a * K + on[j]!] = A[a * K + on[j]!]! + len;
    }
  }
  const L = hi - lo;
  const ridge = 1e-10 * L;
  for (let a = 0; a < K; a++) {
    A[a * K + a] = A[a * K + a]! + ridge;
    rhs[a] = rhs[a]! + ridge * c.d[a]!;
  }
  const d = solveLinear(A, rhs, K);
  const ys = buf.y;
  runningIntegrals(I, hi, at);
  let se = at[1]! - f2Start;
  for (let s = 0; s < n; s++) {
    let y = 0;
    for (let a = 0; a < K; a++) if (P[s * K + a] === 1) y += d[a]!;
    ys[s] = y;
    se += y * y * (buf.hi[s]! - buf.lo[s]!) - 2 * y * f1[s]!;
  }
  const gradH = new Float64Array(K), gradT = new Float64Array(K);
  for (let e = 0; e < n - 1; e++) {
    const x = buf.edgeX[e]!, unit = buf.edgeUnit[e]!;
    const fb = interp(I.f, I, x);
    const g = ((ys[e]! - fb) ** 2 - (ys[e + 1]! - fb) ** 2) / L;
    gradT[unit] = gradT[unit]! + g;
    for (let j = 0; j < unit; j++) if (P[e * K + j] === 1) gradH[j] = gradH[j]! + g;
  }
  return { mse: Math.max(0, se / L), d, gradH, gradT };
}

/**
 * Polishes h and T by Adam on the exact (continuous) squared error, with d re-solved by least
 * squares at every step; keeps the best circuit seen. Moves existing edges; creates none.
 * Yields to the event loop every 100 steps and stops on `signal`.
 */
export async function refineExact(c: Circuit, I: Integrals, lo: number, hi: number, iterations: number, lr: number, signal?: AbortSignal): Promise<{ c: Circuit; mse: number }> {
  const K = c.K;
  const flat = new Float64Array(2 * K);
  flat.set(c.h, 0);
  flat.set(c.T, K);
  const grad = new Float64Array(2 * K);
  const adam = new Adam(2 * K, lr);
  const buf = new StepBuffer();
  let d = c.d;
  let best = { c, mse: Infinity };
  // Stop early once 300 steps in a row gained less than 0.1 % (the polish has converged).
  let mark = Infinity, since = 0;
  for (let it = 0; it < iterations; it++) {
    const cur: Circuit = { K, h: flat.subarray(0, K), d, T: flat.subarray(K) };
    const e = exactFit(cur, I, lo, hi, buf);
    d = e.d;
    if (e.mse < best.mse) best = { c: circuit(flat.subarray(0, K), e.d, flat.subarray(K)), mse: e.mse };
    if (best.mse < mark * 0.999) {
      mark = best.mse;
      since = 0;
    } else if (++since >= 300) break;
    // A large circuit's polish takes seconds: let an interrupt land.
    if (it % 100 === 99) {
      await new Promise((res) => setImmediate(res));
      throwIfAborted(signal);
    }
    grad.set(e.gradH, 0);
    grad.set(e.gradT, K);
    adam.step(flat, grad);
  }
  return best;
}

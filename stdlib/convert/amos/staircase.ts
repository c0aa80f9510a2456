// A circuit's output as the staircase it is: the input range splits into intervals on which the
// firing pattern, hence the output, is constant. Knowing the intervals exactly gives the squared
// error against f as a sum of integrals and its exact gradient in the thresholds and inhibitions
// (each step's edge moves with them), which the fit uses to polish what gradient descent found.
// Pure numerics; no fitting loop here.

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

/** The steps of `c` over (lo, hi], left to right. Unit k fires for x > T_k + Σ_{j<k} h_j z_j. */
export function staircase(c: Circuit, lo: number, hi: number): Staircase {
  const { K, h, d, T } = c;
  const steps: Step[] = [];
  const edges: Edge[] = [];
  const z = new Uint8Array(K);
  const visit = (k: number, a: number, b: number, offset: number, y: number): void => {
    if (k === K) {
      steps.push({ lo: a, hi: b, y, pattern: z.slice() });
      return;
    }
    const edge = T[k]! + offset;
    if (edge >= b) {
      z[k] = 0;
      visit(k + 1, a, b, offset, y);
    } else if (edge <= a) {
      z[k] = 1;
      visit(k + 1, a, b, offset + h[k]!, y + d[k]!);
    } else {
      z[k] = 0;
      visit(k + 1, a, edge, offset, y);
      edges.push({ x: edge, unit: k, prefix: z.slice(0, k) });
      z[k] = 1;
      visit(k + 1, edge, b, offset + h[k]!, y + d[k]!);
    }
    z[k] = 0;
  };
  visit(0, lo, hi, 0, 0);
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

/** ∫ over (a, b] of f and f², from the running integrals (f linear between grid points). */
function pieceIntegrals(I: Integrals, a: number, b: number): [number, number] {
  const u = (x: number): [number, number] => {
    const s = (x - I.lo) / I.dx;
    const i = Math.max(0, Math.min(I.f.length - 2, Math.floor(s)));
    const w = (s - i) * I.dx;
    const f0 = I.f[i]!, f1 = I.f[i + 1]!;
    const slope = (f1 - f0) / I.dx;
    // Integrate the linear piece from grid point i to x exactly.
    const one = I.F1[i]! + f0 * w + (slope * w * w) / 2;
    const two = I.F2[i]! + f0 * f0 * w + f0 * slope * w * w + (slope * slope * w * w * w) / 3;
    return [one, two];
  };
  const [a1, a2] = u(a);
  const [b1, b2] = u(b);
  return [b1 - a1, b2 - a2];
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
export function exactFit(c: Circuit, I: Integrals, lo: number, hi: number): ExactFit {
  const K = c.K;
  const s0 = staircase(c, lo, hi);
  const A = new Float64Array(K * K), rhs = new Float64Array(K);
  const fInt: number[] = [], f2Int: number[] = [];
  for (const st of s0.steps) {
    const len = st.hi - st.lo;
    const [i1, i2] = pieceIntegrals(I, st.lo, st.hi);
    fInt.push(i1);
    f2Int.push(i2);
    for (let a = 0; a < K; a++) {
      if (st.pattern[a] === 0) continue;
      rhs[a] = rhs[a]! + i1;
      for (let b = 0; b < K; b++) if (st.pattern[b] === 1) A[a * K + b] = A[a * K + b]! + len;
    }
  }
  const L = hi - lo;
  const ridge = 1e-10 * L;
  for (let a = 0; a < K; a++) {
    A[a * K + a] = A[a * K + a]! + ridge;
    rhs[a] = rhs[a]! + ridge * c.d[a]!;
  }
  const d = solveLinear(A, rhs, K);
  const ys = s0.steps.map((st) => {
    let y = 0;
    for (let k = 0; k < K; k++) if (st.pattern[k] === 1) y += d[k]!;
    return y;
  });
  let se = 0;
  s0.steps.forEach((st, i) => {
    const y = ys[i]!;
    se += y * y * (st.hi - st.lo) - 2 * y * fInt[i]! + f2Int[i]!;
  });
  const gradH = new Float64Array(K), gradT = new Float64Array(K);
  s0.edges.forEach((e, i) => {
    const fb = interp(I.f, I, e.x);
    const g = ((ys[i]! - fb) ** 2 - (ys[i + 1]! - fb) ** 2) / L;
    gradT[e.unit] = gradT[e.unit]! + g;
    for (let j = 0; j < e.unit; j++) if (e.prefix[j] === 1) gradH[j] = gradH[j]! + g;
  });
  return { mse: Math.max(0, se / L), d, gradH, gradT };
}

/**
 * Polishes h and T by Adam on the exact (continuous) squared error, with d re-solved by least
 * squares at every step; keeps the best circuit seen. Moves existing edges; creates none.
 */
export function refineExact(c: Circuit, I: Integrals, lo: number, hi: number, iterations: number, lr: number): { c: Circuit; mse: number } {
  const K = c.K;
  const flat = new Float64Array(2 * K);
  flat.set(c.h, 0);
  flat.set(c.T, K);
  const grad = new Float64Array(2 * K);
  const adam = new Adam(2 * K, lr);
  let d = c.d;
  let best = { c, mse: Infinity };
  for (let it = 0; it < iterations; it++) {
    const cur: Circuit = { K, h: flat.subarray(0, K), d, T: flat.subarray(K) };
    const e = exactFit(cur, I, lo, hi);
    d = e.d;
    if (e.mse < best.mse) best = { c: circuit(flat.subarray(0, K), e.d, flat.subarray(K)), mse: e.mse };
    grad.set(e.gradH, 0);
    grad.set(e.gradT, K);
    adam.step(flat, grad);
  }
  return best;
}

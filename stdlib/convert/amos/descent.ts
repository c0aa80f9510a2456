// The authors' fitting procedure (Stöckl & Maass; PAPERS.md §2): Adam on the squared error of
// sampled grid points, the spike's step differentiated through a pseudo-derivative, a regulariser
// keeping scaled potentials where that derivative lives, random starts. It explores: it can create
// steps the exact polish (staircase.ts) cannot. No restarts or caching here.

import { throwIfAborted } from "../../errors.ts";
import type { RunContext } from "../../context.ts";
import { circuit, type Circuit } from "./circuit.ts";
import { Adam } from "./numerics.ts";
import type { GateTable } from "./table.ts";

// Batch size: a stratified sample of the grid (one point per stratum, fresh each step), an
// unbiased estimate of the grid's mean squared error at a fraction of the cost.
const BATCH = 2048;

interface Params {
  h: Float64Array;
  d: Float64Array;
  T: Float64Array;
}

/**
 * One Adam step's loss and gradient on a batch. Loss = mean (y − f)² + reg · Σ_k R_k², where
 * s = (v − T_k)/(|v| + 1) is the scaled potential, z = [s > 0], the pseudo-derivative is
 * dz/ds = max(0, 1 − |s|) and R_k = mean max(|s| − 1, 0) pulls potentials back into its support.
 */
function lossAndGradient(p: Params, K: number, xs: Float64Array, ts: Float64Array, reg: number, grad: Float64Array, S: Float64Array, V: Float64Array, Y: Float64Array): number {
  const B = xs.length;
  const { h, d, T } = p;
  const R = new Float64Array(K);
  let se = 0;
  for (let i = 0; i < B; i++) {
    let v = xs[i]!;
    let y = 0;
    const o = i * K;
    for (let k = 0; k < K; k++) {
      const s = (v - T[k]!) / (Math.abs(v) + 1);
      V[o + k] = v;
      S[o + k] = s;
      const a = Math.abs(s);
      if (a > 1) R[k] = R[k]! + (a - 1);
      if (s > 0) {
        y += d[k]!;
        v -= h[k]!;
      }
    }
    Y[i] = y;
    const e = y - ts[i]!;
    se += e * e;
  }
  let regLoss = 0;
  for (let k = 0; k < K; k++) {
    R[k] = R[k]! / B;
    regLoss += R[k]! * R[k]!;
  }
  grad.fill(0);
  // grad layout: h[0..K), d[K..2K), T[2K..3K)
  for (let i = 0; i < B; i++) {
    const gy = (2 * (Y[i]! - ts[i]!)) / B;
    let gv = 0;
    const o = i * K;
    for (let k = K - 1; k >= 0; k--) {
      const s = S[o + k]!;
      const v = V[o + k]!;
      const fired = s > 0;
      if (fired) {
        grad[K + k] = grad[K + k]! + gy;
        grad[k] = grad[k]! - gv;
      }
      const gz = gy * d[k]! - gv * h[k]!;
      const a = Math.abs(s);
      let gs = a < 1 ? gz * (1 - a) : 0;
      if (a > 1) gs += (reg * 2 * R[k]! * (s > 0 ? 1 : -1)) / B;
      const inv = 1 / (Math.abs(v) + 1);
      grad[2 * K + k] = grad[2 * K + k]! - gs * inv;
      gv += gs * (1 - s * (v >= 0 ? 1 : -1)) * inv;
    }
  }
  return se / B + reg * regLoss;
}

/** The authors' initial distributions, stretched to the range and the gate's output scale. */
export function randomStart(K: number, random: () => number, inScale: number, outScale: number, centre: number): Circuit {
  const u = (a: number, b: number): number => a + (b - a) * random();
  return circuit(
     Float64Array.from({ length: K }, () => u(-1, 0) * inScale),
    Float64Array.from({ length: K }, () => u(-0.5, 1) * outScale),
    Float64Array.from({ length: K }, () => centre + u(-1, 1) * inScale),
  );
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Scratch buffers of the pseudo-derivative descent, sized for one batch. */
export interface Descent {
  readonly table: GateTable;
  readonly xs: Float64Array;
  readonly ts: Float64Array;
  readonly S: Float64Array;
  readonly V: Float64Array;
  readonly Y: Float64Array;
  readonly grad: Float64Array;
}

export function descent(table: GateTable, K: number): Descent {
  const B = Math.min(BATCH, table.x.length);
  return { table, xs: new Float64Array(B), ts: new Float64Array(B), S: new Float64Array(B * K), V: new Float64Array(B * K), Y: new Float64Array(B), grad: new Float64Array(3 * K) };
}

/** Adam with the pseudo-derivative from `start`; returns the circuit of the lowest batch loss seen. */
export async function pseudoDescent(start: Circuit, D: Descent, lr: number, reg: number, iterations: number, random: () => number, ctx: RunContext): Promise<Circuit> {
  const K = start.K;
  const flat = new Float64Array(3 * K);
  flat.set(start.h, 0);
  flat.set(start.d, K);
  flat.set(start.T, 2 * K);
  const view: Params = { h: flat.subarray(0, K), d: flat.subarray(K, 2 * K), T: flat.subarray(2 * K) };
  const adam = new Adam(3 * K, lr);
  let bestLoss = Infinity;
  const bestFlat = flat.slice();
  const n = D.table.x.length;
  const B = D.xs.length;
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < B; i++) {
      const j = Math.min(n - 1, Math.floor(((i + random()) * n) / B));
      D.xs[i] = D.table.x[j]!;
      D.ts[i] = D.table.y[j]!;
    }
    const loss = lossAndGradient(view, K, D.xs, D.ts, reg, D.grad, D.S, D.V, D.Y);
    if (loss < bestLoss) {
      bestLoss = loss;
      bestFlat.set(flat);
    }
    adam.step(flat, D.grad);
    if (it % 64 === 63) {
      await yieldToEventLoop();
      throwIfAborted(ctx.signal);
    }
  }
  return circuit(bestFlat.subarray(0, K), bestFlat.subarray(K, 2 * K), bestFlat.subarray(2 * K));
}

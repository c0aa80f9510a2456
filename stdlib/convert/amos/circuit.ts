// The AMOS / FS gate circuit (Stöckl & Maass 2019, 2021; PAPERS.md §2): K units with
// parameters (h, d, T) that replace one gate y = f(x). Two forms compute the same output:
// FS, one neuron stepping K times, and AMOS, K neurons each firing at most once, inhibited by
// the earlier ones. Pure numerics over one value or an array; no networks, no fitting here.

import { SpikelabError } from "../../errors.ts";

/** One fitted (or analytic) circuit: unit k fires when its potential exceeds T[k], then sends d[k] on and h[k] back. */
export interface Circuit {
  readonly K: number;
  /** Inhibition (FS: reset) each unit applies when it fires. */
  readonly h: Float64Array;
  /** Output weight of each unit's spike: the gate's output is Σ d_k z_k. */
  readonly d: Float64Array;
  /** Threshold of each unit (strict: fires when v > T). */
  readonly T: Float64Array;
}

export function circuit(h: ArrayLike<number>, d: ArrayLike<number>, T: ArrayLike<number>): Circuit {
  const K = h.length;
  if (K < 1 || d.length !== K || T.length !== K) {
    throw new SpikelabError("param", `an AMOS circuit needs h, d and T of one length K ≥ 1, got ${h.length}, ${d.length}, ${T.length}`, { hint: "give K values for each of h, d and T" });
  }
  const c = { K, h: Float64Array.from(h), d: Float64Array.from(d), T: Float64Array.from(T) };
  for (const k of ["h", "d", "T"] as const) {
    if (c[k].some((v) => !Number.isFinite(v))) throw new SpikelabError("param", `AMOS circuit parameter ${k} holds a non-finite value`, { hint: "refit the gate or check the parameters given" });
  }
  return c;
}

/**
 * FS form: one neuron whose potential starts at x and, at step k, fires if v > T_k, sending d_k
 * and dropping by h_k. Returns the output; `spikes` (length K), when given, receives z_k.
 */
export function fsOutput(c: Circuit, x: number, spikes?: Uint8Array): number {
  let v = x;
  let y = 0;
  for (let k = 0; k < c.K; k++) {
    const z = v > c.T[k]! ? 1 : 0;
    if (spikes !== undefined) spikes[k] = z;
    if (z === 1) {
      y += c.d[k]!;
      v -= c.h[k]!;
    }
  }
  return y;
}

/**
 * AMOS form, simulated as the network it is: K neurons all receive x at time 0; neuron k may
 * fire only in its own step k, and each neuron j that fired sends inhibition h_j to every later
 * neuron. Written as K membranes and a spike scatter (not as one running potential) so a test
 * can show the two forms agree; the sums run in the same order, so they agree exactly.
 */
export function amosOutput(c: Circuit, x: number, spikes?: Uint8Array): number {
  const K = c.K;
  const membrane = new Float64Array(K).fill(x);
  let y = 0;
  for (let k = 0; k < K; k++) {
    const z = membrane[k]! > c.T[k]! ? 1 : 0;
    if (spikes !== undefined) spikes[k] = z;
    if (z === 1) {
      y += c.d[k]!;
      // Lateral inhibition: neuron k's single spike reaches every neuron that has not had its turn.
      for (let j = k + 1; j < K; j++) membrane[j] = membrane[j]! - c.h[k]!;
    }
  }
  return y;
}

export interface CircuitRun {
  /** Spikes per unit k summed over all inputs (length K). */
  readonly spikesPerUnit: Float64Array;
  readonly spikes: number;
}

/**
 * Applies the circuit to every value of `x` into `y` (may be the same array) and counts spikes.
 * `counts`, when given (one per element), receives each gate's number of spikes. This is the
 * hot loop of the network simulation: plain FS stepping, which the AMOS form equals exactly.
 */
export function applyCircuit(c: Circuit, x: ArrayLike<number>, y: { [i: number]: number; readonly length: number }, counts?: Uint8Array): CircuitRun {
  const K = c.K;
  const { h, d, T } = c;
  const perUnit = new Float64Array(K);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    let v = x[i]!;
    let out = 0;
    let n = 0;
    for (let k = 0; k < K; k++) {
      if (v > T[k]!) {
        out += d[k]!;
        v -= h[k]!;
        perUnit[k]!++;
        n++;
      }
    }
    y[i] = out;
    if (counts !== undefined) counts[i] = n;
    total += n;
  }
  return { spikesPerUnit: perUnit, spikes: total };
}

// ReLU needs no fitting: with h = d = T = α·2^-k the circuit is a K-bit successive-approximation
// quantiser of x on [0, α) (PAPERS.md §2). This file builds that circuit, states the quantiser it
// equals, and picks α from a layer's recorded activations. No fitting, no networks.

import { SpikelabError } from "../../errors.ts";
import { circuit, type Circuit } from "./circuit.ts";

/**
 * The analytic ReLU circuit: unit k (1-based) has h = d = T = α·2^-k (the paper's, `floor`).
 * `nearest` lowers every threshold by half a level, α·2^-(K+1): comparing v − Σh with T − Δ/2 is
 * comparing (x + Δ/2) − Σh with T, so the circuit rounds to the nearest level instead of down —
 * half the largest error and no downward bias, which matters at small K.
 */
export function reluCircuit(alpha: number, K: number, rounding: "floor" | "nearest" = "floor"): Circuit {
  if (!(alpha > 0) || !Number.isFinite(alpha)) {
    throw new SpikelabError("param", `AMOS ReLU range alpha must be a positive number, got ${alpha}`, { hint: "set `alpha: auto` to take it from the layer's activations, or give a positive value" });
  }
  if (!Number.isInteger(K) || K < 1 || K > 64) throw new SpikelabError("param", `AMOS K must be a whole number in 1..64, got ${K}`);
  const w = Array.from({ length: K }, (_, k) => alpha * 2 ** -(k + 1));
  const half = rounding === "nearest" ? alpha * 2 ** -(K + 1) : 0;
  return circuit(w, w, w.map((t) => t - half));
}

/**
 * What the ReLU circuit computes, in closed form. Thresholds are strict (v > T), so an input
 * exactly on a level α·m/2^K maps to the level below it: y = α·(⌈x·2^K/α⌉ − 1)/2^K for
 * 0 < x ≤ α·(1 − 2^-K), i.e. α·⌊x·2^K/α⌋/2^K everywhere except on the levels themselves;
 * 0 for x ≤ 0; α·(1 − 2^-K) above. Every subtraction in the circuit is exact in floating point
 * (Sterbenz: the potential before unit k lies in (T_k, 2·T_k] when it fires), so the identity is
 * exact, not approximate.
 */
export function reluQuantiser(alpha: number, K: number, x: number): number {
  const levels = 2 ** K;
  if (x <= 0) return 0;
  if (x > (alpha * (levels - 1)) / levels) return (alpha * (levels - 1)) / levels;
  // The largest m with α·m/2^K < x; α·m and the division by 2^K are exact for the m that occur.
  let m = Math.floor((x * levels) / alpha);
  while (m > 0 && (alpha * m) / levels >= x) m--;
  while ((alpha * (m + 1)) / levels < x) m++;
  return (alpha * m) / levels;
}

/**
 * α for a layer from its activations' p-th percentile `level`: the top quantiser level
 * α·(1 − 2^-K) lands on `level`, so values up to it are representable and only larger ones clip.
 */
export function alphaForLevel(level: number, K: number): number {
  const levels = 2 ** K;
  return (level * levels) / (levels - 1);
}

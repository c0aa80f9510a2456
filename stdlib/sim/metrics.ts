// Family-neutral figures every simulator reports the same way: accuracy (final and over time),
// agreement with the ANN, synaptic operations against the ANN's, the error-vs-operations curve,
// the rate-vs-activation correlation, spikes per neuron. Plain arithmetic over arrays;
// it must not run a network or know how the numbers were produced.

import type { LayerCount } from "../ir/results.ts";

/** Fraction of predictions equal to the labels (−1 never matches). */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>, n = predictions.length): number {
  if (n === 0) return NaN;
  let ok = 0;
  for (let i = 0; i < n; i++) if (predictions[i] === labels[i]) ok++;
  return ok / n;
}

/** Fraction of samples where two classifiers agree. */
export function agreement(a: ArrayLike<number>, b: ArrayLike<number>, n = a.length): number {
  return accuracy(a, b, n);
}

/** Accuracy after each step from per-sample predictions stored sample-major: predictions[i·steps + t]. */
export function accuracyOverTime(predictions: ArrayLike<number>, labels: ArrayLike<number>, samples: number, steps: number): Float64Array {
  const acc = new Float64Array(steps);
  if (samples === 0) return acc.fill(NaN);
  for (let i = 0; i < samples; i++) {
    const l = labels[i];
    for (let t = 0; t < steps; t++) if (predictions[i * steps + t] === l) acc[t]!++;
  }
  for (let t = 0; t < steps; t++) acc[t]! /= samples;
  return acc;
}

/** Running sum (cumulative operations from per-step operations). */
export function cumulative(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let s = 0;
  for (let i = 0; i < values.length; i++) out[i] = s += values[i]!;
  return out;
}

export interface OpsPoint {
  readonly time: number;
  /** Cumulative synaptic operations per sample up to `time`. */
  readonly ops: number;
  /** ops / the ANN's operations per sample. */
  readonly ratio: number;
  readonly error: number;
}

/** The error-vs-operations curve (the papers' trade-off figure): one point per time step. */
export function errorVsOps(time: ArrayLike<number>, accuracyOverT: ArrayLike<number>, cumulativeOps: ArrayLike<number>, annOps: number): OpsPoint[] {
  const out: OpsPoint[] = [];
  for (let t = 0; t < accuracyOverT.length; t++) {
    out.push({ time: time[t]!, ops: cumulativeOps[t]!, ratio: cumulativeOps[t]! / annOps, error: 1 - accuracyOverT[t]! });
  }
  return out;
}

/**
 * Where the SNN does better than its ANN on operations: the cheapest point whose error is at
 * most `annError + margin`, or undefined if none. (The papers' claim: ≥ 2× fewer operations at
 * an error a few points above the ANN's.)
 */
export function cheapestWithin(curve: readonly OpsPoint[], annError: number, margin: number): OpsPoint | undefined {
  let best: OpsPoint | undefined;
  for (const p of curve) if (p.error <= annError + margin + 1e-12 && (best === undefined || p.ops < best.ops)) best = p;
  return best;
}

/** Pearson correlation of two equally long series (NaN when either is constant). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>, n = x.length): number {
  let sx = 0, sy = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i]!;
    sy += y[i]!;
  }
  const mx = sx / n, my = sy / n;
  let cxy = 0, cxx = 0, cyy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx, dy = y[i]! - my;
    cxy += dx * dy;
    cxx += dx * dx;
    cyy += dy * dy;
  }
  return cxx > 0 && cyy > 0 ? cxy / Math.sqrt(cxx * cyy) : NaN;
}

/** Total of a per-layer list. */
export function total(counts: readonly LayerCount[]): number {
  return counts.reduce((s, c) => s + c.value, 0);
}

/** SNN operations over ANN operations per layer, matched by layer name (the SNN layer that the ANN layer feeds). */
export function opsRatioByLayer(snn: readonly LayerCount[], ann: readonly LayerCount[], annLayerOf: (snnLayer: string) => string | undefined): LayerCount[] {
  const annBy = new Map(ann.map((c) => [c.layer, c.value]));
  return snn.map((c) => {
    const a = annBy.get(annLayerOf(c.layer) ?? "");
    return { layer: c.layer, value: a === undefined || a === 0 ? NaN : c.value / a };
  });
}

/**
 * An evenly spaced subsample of indices [0, n) of at most `max` (deterministic, for plots that
 * cannot take a million points).
 */
export function subsampleIndices(n: number, max: number): Int32Array {
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  const out = new Int32Array(max);
  for (let k = 0; k < max; k++) out[k] = Math.floor((k * n) / max);
  return out;
}

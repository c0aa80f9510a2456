// Histogram binning as plotly.js does it by default (autoBin: a nice bin size from the data's
// spread, edges shifted off integers), or from explicit `xbins` / `nbinsx`. Chart builders pass
// explicit xbins so both renderers bin identically; the auto path serves hand-written specs.
// It must not draw.

import { niceStep, clean } from "./ticks.ts";

export interface Bins {
  readonly start: number;
  readonly end: number;
  readonly size: number;
}

export type HistNorm = "" | "percent" | "probability" | "density" | "probability density";

export interface Histogram {
  /** Bin edges: edges.length = counts.length + 1. */
  readonly edges: Float64Array;
  /** Heights after normalisation. */
  readonly counts: Float64Array;
}

function finite(values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) out.push(values[i]!);
  return out;
}

/** Plotly's autoBin for a linear axis; `nbins` (Plotly's nbinsx) is a maximum, rounded to a nice size. */
export function autoBins(values: ArrayLike<number>, nbins?: number): Bins {
  const data = finite(values);
  if (data.length === 0) return { start: 0, end: 1, size: 1 };
  let min = Infinity, max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let size0: number;
  if (nbins !== undefined && nbins > 0) size0 = (max - min) / nbins;
  else {
    // Scale off the standard deviation, but never below the rounded-down smallest gap between values.
    const sorted = [...new Set(data)].sort((a, b) => a - b);
    let minDiff = sorted.length > 1 ? sorted[sorted.length - 1]! - sorted[0]! : 1;
    const errDiff = minDiff / Math.max(1, sorted.length - 1) / 10000;
    for (let i = 1; i < sorted.length; i++) {
      const d = sorted[i]! - sorted[i - 1]!;
      if (d > errDiff && d < minDiff) minDiff = d;
    }
    const msexp = Math.pow(10, Math.floor(Math.log10(minDiff)));
    const r = minDiff / msexp;
    const minSize = msexp * (r >= 9.9 ? 9.9 : r >= 4.9 ? 4.9 : r >= 1.9 ? 1.9 : 0.9);
    let mean = 0;
    for (const v of data) mean += v;
    mean /= data.length;
    let variance = 0;
    for (const v of data) variance += (v - mean) * (v - mean);
    const stdev = Math.sqrt(variance / data.length);
    size0 = Math.max(minSize, (2 * stdev) / Math.pow(data.length, 0.4));
  }
  if (!(size0 > 0) || !Number.isFinite(size0)) size0 = 1;
  const size = niceStep(size0);
  // First "tick" at or above the (slightly expanded) minimum, then one bin down.
  const r0 = min - (max - min) * 0.0005;
  let start = clean(Math.ceil(r0 / size) * size - size);
  start = shiftBins(start, size, data, min, max);
  const count = 1 + Math.floor((max - start) / size);
  return { start: clean(start), end: clean(start + count * size), size };
}

/** Plotly's autoShiftNumericBins: centre integer data in bins; move edges off crowded values. */
function shiftBins(start: number, size: number, data: readonly number[], min: number, max: number): number {
  const nearEdge = (v: number): boolean => (1 + ((v - start) * 100) / size) % 100 < 2;
  let edge = 0, mid = 0, ints = 0;
  for (const v of data) {
    if (v % 1 === 0) ints++;
    if (nearEdge(v)) edge++;
    if (nearEdge(v + size / 2)) mid++;
  }
  if (ints === data.length) {
    if (size < 1) return min - 0.5 * size;
    let s = start - 0.5;
    if (s + size < min) s += size;
    return s;
  }
  if (mid < data.length * 0.1 && (edge > data.length * 0.3 || nearEdge(min) || nearEdge(max))) {
    const shift = size / 2;
    return start + (start + shift < min ? shift : -shift);
  }
  return start;
}

/**
 * Counts values into [start + i·size, start + (i+1)·size); the last bin may pass `end`, and empty
 * bins before the first and after the last value are dropped, as in Plotly.
 */
export function histogram(values: ArrayLike<number>, bins: Bins, norm: HistNorm = ""): Histogram {
  const n = Math.max(1, Math.ceil((bins.end - bins.start) / bins.size - 1e-9));
  const edges = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) edges[i] = clean(bins.start + i * bins.size);
  const counts = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const k = Math.floor((v - bins.start) / bins.size + 1e-9);
    if (k < 0 || k >= n) continue;
    counts[k]!++;
    total++;
  }
  if (norm !== "" && total > 0) {
    for (let i = 0; i < n; i++) {
      const c = counts[i]!;
      counts[i] =
        norm === "percent" ? (100 * c) / total
        : norm === "probability" ? c / total
        : norm === "density" ? c / bins.size
        : c / (total * bins.size);
    }
  }
  let first = 0, last = n - 1;
  while (first < n && counts[first] === 0) first++;
  while (last > first && counts[last] === 0) last--;
  if (first >= n) return { edges: edges.slice(0, 1), counts: new Float64Array(0) };
  return { edges: edges.slice(first, last + 2), counts: counts.slice(first, last + 1) };
}

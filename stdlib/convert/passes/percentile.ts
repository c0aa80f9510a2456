// Exact percentiles of the positive values of huge activation streams (10,000 images × every
// neuron) without holding them: pass 1 histograms the float32 bit patterns (order-preserving
// for positives), pass 2 keeps only the values in the bins the wanted ranks fall into.
// Numbers only: it must not know networks or how the stream is produced.

/** Positive float32 values sort like their bit patterns; the top 16 bits (sign 0) give 32768 ordered bins. */
const BINS = 32768;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function binOf(v: number): number {
  f32[0] = v;
  return u32[0]! >>> 16;
}

/** numpy's default ("linear") percentile of a sorted array: rank r = p/100·(n−1), interpolated. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const r = (p / 100) * (n - 1);
  const lo = Math.floor(r);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo]!;
  return a + (sorted[hi]! - a) * (r - lo);
}

/**
 * Per-group percentile p of the strictly positive values fed to it, in two passes over the
 * same stream: feed everything with `add`, call `nextPass()`, feed the same stream again, then
 * `result()`. With p = 100 one pass suffices (`needsSecondPass` is false). A group with no
 * positive value gets NaN. Groups are e.g. one layer (layer-wise) or its channels (channel-wise).
 */
export class PositivePercentile {
  readonly groups: number;
  readonly p: number;
  private pass = 1;
  private readonly hist: Uint32Array | undefined;
  private readonly max: Float64Array;
  private readonly count: Float64Array;
  /** Pass 2: per group, the bin range [lo, hi] holding the wanted ranks, values seen below it, and the kept values. */
  private binLo: Int32Array | undefined;
  private binHi: Int32Array | undefined;
  private below: Float64Array | undefined;
  private kept: number[][] | undefined;

  constructor(groups: number, p: number) {
    if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside (0, 100]`);
    this.groups = groups;
    this.p = p;
    this.max = new Float64Array(groups);
    this.count = new Float64Array(groups);
    this.hist = p === 100 ? undefined : new Uint32Array(groups * BINS);
  }

  get needsSecondPass(): boolean {
    return this.hist !== undefined;
  }

  /** Feeds values[start + i·stride] for i < n into `group` (zeros and negatives are skipped). */
  add(group: number, values: ArrayLike<number>, start = 0, n = values.length - start, stride = 1): void {
    if (this.pass === 1) {
      let m = this.max[group]!;
      let c = 0;
      const h = this.hist;
      const base = group * BINS;
      for (let i = 0, j = start; i < n; i++, j += stride) {
        const v = values[j]!;
        if (!(v > 0)) continue;
        c++;
        if (v > m) m = v;
        if (h !== undefined) h[base + binOf(v)]!++;
      }
      this.max[group] = m;
      this.count[group]! += c;
      return;
    }
    const lo = this.binLo![group]!;
    if (lo < 0) return;
    const hi = this.binHi![group]!;
    const keep = this.kept![group]!;
    for (let i = 0, j = start; i < n; i++, j += stride) {
      const v = values[j]!;
      if (!(v > 0)) continue;
      const b = binOf(v);
      if (b >= lo && b <= hi) keep.push(v);
    }
  }

  /** Ends pass 1: finds, per group, the bins the two ranks around p/100·(n−1) fall into. */
  nextPass(): void {
    if (this.pass !== 1 || this.hist === undefined) throw new Error("PositivePercentile: nextPass() is for the end of pass 1 with p < 100");
    this.pass = 2;
    const g = this.groups;
    this.binLo = new Int32Array(g).fill(-1);
    this.binHi = new Int32Array(g).fill(-1);
    this.below = new Float64Array(g);
    this.kept = Array.from({ length: g }, () => []);
    for (let k = 0; k < g; k++) {
      const n = this.count[k]!;
      if (n === 0) continue;
      const r = (this.p / 100) * (n - 1);
      const rLo = Math.floor(r);
      const rHi = Math.min(n - 1, rLo + 1);
      let seen = 0;
      const base = k * BINS;
      for (let b = 0; b < BINS; b++) {
        const c = this.hist[base + b]!;
        if (this.binLo[k]! < 0 && seen + c > rLo) {
          this.binLo[k] = b;
          this.below[k] = seen;
        }
        if (seen + c > rHi) {
          this.binHi[k] = b;
          break;
        }
        seen += c;
      }
    }
  }

  /** Per-group percentiles (NaN for a group without positive values). */
  result(): Float64Array {
    const out = new Float64Array(this.groups);
    for (let k = 0; k < this.groups; k++) {
      const n = this.count[k]!;
      if (n === 0) {
        out[k] = NaN;
        continue;
      }
      if (this.hist === undefined) {
        out[k] = this.max[k]!;
        continue;
      }
      if (this.pass !== 2) throw new Error("PositivePercentile: result() before the second pass");
      const keep = Float64Array.from(this.kept![k]!).sort();
      const r = (this.p / 100) * (n - 1);
      const rLo = Math.floor(r);
      const rHi = Math.min(n - 1, rLo + 1);
      const below = this.below![k]!;
      const a = keep[rLo - below]!;
      const b = keep[rHi - below]!;
      if (a === undefined || b === undefined) throw new Error("PositivePercentile: the second pass saw a different stream than the first");
      out[k] = a + (b - a) * (r - rLo);
    }
    return out;
  }

  /** Largest positive value per group (0 if none); known after pass 1. */
  maxima(): Float64Array {
    return Float64Array.from(this.max);
  }

  /** Positive values counted per group in pass 1. */
  counts(): Float64Array {
    return Float64Array.from(this.count);
  }
}

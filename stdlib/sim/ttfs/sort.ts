// Orders one layer's input spikes by time, exactly (ties kept in index order), in about linear
// time: a bucket pass on the time value, then insertion sort, which only has to undo the
// disorder inside buckets. A comparator sort costs more than the scatter it feeds here.
// It must not change the times; it only writes indices.

/** Scratch space reused across calls (one per thread). */
export class SpikeSorter {
  private counts = new Int32Array(0);
  private tmp = new Int32Array(0);

  /** Indices of spikes strictly before `bound`, sorted by time. */
  before(times: Float64Array, n: number, bound: number, out: Int32Array): number {
    let m = 0;
    for (let e = 0; e < n; e++) if (times[e]! < bound) out[m++] = e;
    this.sort(times, out, m);
    return m;
  }

  /** Indices of spikes strictly after `bound`, sorted by time. */
  after(times: Float64Array, n: number, bound: number, out: Int32Array): number {
    let m = 0;
    for (let e = 0; e < n; e++) if (times[e]! > bound) out[m++] = e;
    this.sort(times, out, m);
    return m;
  }

  /** Sorts idx[0:m] by times[idx[k]] ascending (stable). */
  sort(times: Float64Array, idx: Int32Array, m: number): void {
    if (m < 2) return;
    if (m > 48) this.bucket(times, idx, m);
    // Insertion sort: after the bucket pass only neighbours within a bucket are out of order.
    for (let k = 1; k < m; k++) {
      const e = idx[k]!;
      const t = times[e]!;
      let j = k - 1;
      while (j >= 0 && times[idx[j]!]! > t) {
        idx[j + 1] = idx[j]!;
        j--;
      }
      idx[j + 1] = e;
    }
  }

  private bucket(times: Float64Array, idx: Int32Array, m: number): void {
    let lo = Infinity, hi = -Infinity;
    for (let k = 0; k < m; k++) {
      const t = times[idx[k]!]!;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    if (!(hi > lo) || !Number.isFinite(hi - lo)) return;
    if (this.counts.length < m + 1) this.counts = new Int32Array(2 * m + 1);
    if (this.tmp.length < m) this.tmp = new Int32Array(2 * m);
    const counts = this.counts;
    const tmp = this.tmp;
    counts.fill(0, 0, m + 1);
    // Rounding keeps (t − lo)·scale monotone in t, so bucket order never contradicts time order.
    const scale = m / (hi - lo);
    const last = m - 1;
    for (let k = 0; k < m; k++) {
      const b = Math.min(last, Math.floor((times[idx[k]!]! - lo) * scale));
      counts[b + 1]!++;
    }
    for (let b = 1; b <= m; b++) counts[b] = counts[b]! + counts[b - 1]!;
    for (let k = 0; k < m; k++) {
      const e = idx[k]!;
      const b = Math.min(last, Math.floor((times[e]! - lo) * scale));
      tmp[counts[b]!++] = e;
    }
    idx.set(tmp.subarray(0, m));
  }
}

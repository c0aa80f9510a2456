// Dataset transforms that make copies: per-channel statistics and normalisation, gathering
// samples by index, and deterministic (seeded) shuffling. Views (slices) live in dataset.ts.
// Nothing here reads files or mutates its input.

import { SpikelabError } from "../errors.ts";
import { type Dataset, sampleSize } from "./dataset.ts";
import { Rng } from "./rng.ts";
import { sharedFloat32 } from "./store.ts";

export interface ChannelStats {
  readonly mean: readonly number[];
  /** Population standard deviation per channel. */
  readonly std: readonly number[];
}

/** Mean and standard deviation of each channel over all samples and pixels (float64 sums). */
export function channelStats(d: Dataset): ChannelStats {
  const [c, h, w] = d.shape;
  const plane = h * w;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let s = 0; s < d.count; s++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (s * c + ch) * plane;
      let a = 0;
      let b = 0;
      for (let i = 0; i < plane; i++) {
        const x = d.images[base + i]!;
        a += x;
        b += x * x;
      }
      sum[ch] += a;
      sq[ch] += b;
    }
  }
  const n = d.count * plane;
  const mean = Array.from(sum, (x) => x / n);
  const std = Array.from(sq, (x, i) => Math.sqrt(Math.max(0, x / n - mean[i]! * mean[i]!)));
  return { mean, std };
}

/** (x - mean_c) / std_c per channel; defaults to the dataset's own statistics. Returns a copy. */
export function normalize(d: Dataset, stats: ChannelStats = channelStats(d)): Dataset {
  const [c, h, w] = d.shape;
  if (stats.mean.length !== c || stats.std.length !== c) {
    throw new SpikelabError("shape", `normalize: ${d.name} has ${c} channel(s), but ${stats.mean.length} mean(s) and ${stats.std.length} std(s) were given`);
  }
  const zero = stats.std.findIndex((s) => !(s > 0));
  if (zero >= 0) throw new SpikelabError("param", `normalize: channel ${zero} of ${d.name} has standard deviation ${stats.std[zero]}; cannot divide by it`, { hint: "give a positive std for that channel" });
  const plane = h * w;
  const out = sharedFloat32(d.images.length);
  for (let s = 0; s < d.count; s++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (s * c + ch) * plane;
      const m = stats.mean[ch]!;
      const inv = 1 / stats.std[ch]!;
      for (let i = 0; i < plane; i++) out[base + i] = (d.images[base + i]! - m) * inv;
    }
  }
  return { ...d, images: out, labels: d.labels.slice() };
}

/** The samples at `indices`, in that order, as a copy (offset 0: the samples are no longer contiguous). */
export function take(d: Dataset, indices: ArrayLike<number>): Dataset {
  const n = sampleSize(d);
  const images = sharedFloat32(indices.length * n);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    if (!Number.isInteger(j) || j < 0 || j >= d.count) throw new SpikelabError("param", `take: index ${j} is outside ${d.name} (0..${d.count - 1})`);
    images.set(d.images.subarray(j * n, (j + 1) * n), i * n);
    labels[i] = d.labels[j]!;
  }
  return { ...d, count: indices.length, images, labels, offset: 0 };
}

/** A seeded permutation of the samples; the same seed always gives the same order. */
export function shuffle(d: Dataset, seed: number): Dataset {
  return take(d, new Rng(seed).permutation(d.count));
}

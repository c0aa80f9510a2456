// The in-memory dataset type every reader produces and every stage consumes: images as one
// float array in NCHW order with values in [0, 1] (before any user normalisation) and byte
// labels. Slices are views, not copies. It must not know file formats.

export interface Dataset {
  /** e.g. "mnist", "fashion_mnist", "cifar10", "synthetic_blobs". */
  readonly name: string;
  readonly split: "train" | "test";
  /** Per-sample shape [C, H, W]. */
  readonly shape: readonly [number, number, number];
  readonly count: number;
  /** count · C·H·W values, sample-major. */
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly classes: readonly string[];
  /** Index of the first sample in the full split (slices keep it, so sample numbers stay meaningful). */
  readonly offset: number;
}

export function sampleSize(d: Dataset): number {
  return d.shape[0] * d.shape[1] * d.shape[2];
}

/** A view of samples [start, end) of `d`; bounds are clipped to the dataset. */
export function slice(d: Dataset, start: number, end: number = d.count): Dataset {
  const s = Math.max(0, Math.min(start, d.count));
  const e = Math.max(s, Math.min(end, d.count));
  const n = sampleSize(d);
  return { ...d, count: e - s, images: d.images.subarray(s * n, e * n), labels: d.labels.subarray(s, e), offset: d.offset + s };
}

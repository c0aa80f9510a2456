// Streams a network's per-node activations over a dataset to a visitor, batch by batch, so
// statistics over 10,000 samples (normalisation percentiles, AMOS input ranges, TTFS maxima)
// never hold all activations. Also the common summary: per-node and per-channel ranges.
// It must not decide what the statistics mean for a conversion family.

import { SpikelabError, throwIfAborted } from "../errors.ts";
import type { Network } from "../ir/network.ts";
import type { RunContext } from "../context.ts";
import { type Dataset, sampleSize } from "../data/dataset.ts";
import { sizeOf } from "../tensor/tensor.ts";
import { Executor } from "./executor.ts";
import { F32, F64 } from "./kernels.ts";
import { checkDataset, DEFAULT_BATCH } from "./forward.ts";

export interface RecordedBatch<A extends Float32Array | Float64Array = Float32Array | Float64Array> {
  /** Index of the batch's first sample within the dataset given (add data.offset for the split's numbering). */
  readonly start: number;
  readonly count: number;
  readonly labels: Uint8Array;
  /** Node id → count · size values in NCHW order. Valid only during the visitor call. */
  readonly values: ReadonlyMap<string, A>;
}

export interface RecordOptions {
  readonly batch?: number;
  /** "float64" runs the reference kernels (exact, slow). Default float32. */
  readonly precision?: "float32" | "float64";
}

function checkNodes(net: Network, nodes: readonly string[]): void {
  for (const id of nodes) {
    if (!net.nodes.some((n) => n.id === id)) {
      const names = net.nodes.map((n) => n.id).join(", ");
      throw new SpikelabError("name", `network '${net.name}' has no layer '${id}'`, { hint: `its layers are: ${names}` });
    }
  }
}

/**
 * Runs `net` over `data` and calls `visitor` once per batch with the outputs of `nodes`.
 * Honours ctx.signal between batches and reports progress in images.
 */
export function recordActivations(net: Network, data: Dataset, nodes: readonly string[], visitor: (b: RecordedBatch) => void, ctx: RunContext = {}, options: RecordOptions = {}): void {
  checkNodes(net, nodes);
  checkDataset(net, data);
  const batch = Math.max(1, Math.min(options.batch ?? DEFAULT_BATCH, data.count));
  const ids = new Set(nodes);
  const f64 = options.precision === "float64";
  const ex = f64 ? new Executor(net, F64, batch, { keep: ids }) : new Executor(net, F32, batch, { keep: ids });
  const idx = ex.steps.map((s, i) => [s.node.id, i] as const).filter(([id]) => ids.has(id));
  const n = sampleSize(data);
  const label = `record ${net.name}`;
  try {
    for (let s = 0; s < data.count; s += batch) {
      throwIfAborted(ctx.signal);
      const b = Math.min(batch, data.count - s);
      const x = data.images.subarray(s * n, (s + b) * n);
      if (f64) (ex as Executor<Float64Array>).run(Float64Array.from(x), b);
      else (ex as Executor<Float32Array>).run(x, b);
      const values = new Map<string, Float32Array | Float64Array>(idx.map(([id, i]) => [id, ex.output(i)]));
      visitor({ start: s, count: b, labels: data.labels.subarray(s, s + b), values });
      ctx.progress?.({ label, done: s + b, total: data.count, unit: "images" });
    }
  } finally {
    ex.release();
  }
}

/** Range of one node's activations over a dataset, overall and per channel (axis 0 of the per-sample shape). */
export interface ActivationRange {
  readonly node: string;
  /** Values seen (samples × per-sample size). */
  readonly count: number;
  /** Values > 0. */
  readonly positive: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly channelMin: Float64Array;
  readonly channelMax: Float64Array;
  readonly channelPositive: Float64Array;
}

interface Acc {
  c: number;
  plane: number;
  count: number;
  sum: number;
  min: Float64Array;
  max: Float64Array;
  pos: Float64Array;
}

/** Streaming min / max / mean / positive counts of the given nodes over `data`. */
export function activationRanges(net: Network, data: Dataset, nodes: readonly string[], ctx: RunContext = {}, options: RecordOptions = {}): Map<string, ActivationRange> {
  checkNodes(net, nodes);
  const acc = new Map(nodes.map((id) => {
    const shape = net.nodes.find((m) => m.id === id)!.shape;
    const c = shape[0]!;
    const a: Acc = { c, plane: sizeOf(shape) / c, count: 0, sum: 0, min: new Float64Array(c).fill(Infinity), max: new Float64Array(c).fill(-Infinity), pos: new Float64Array(c) };
    return [id, a] as const;
  }));
  recordActivations(net, data, nodes, (b) => {
    for (const [id, v] of b.values) {
      const a = acc.get(id)!;
      a.count += v.length;
      let sum = 0;
      for (let s = 0; s < b.count; s++) {
        for (let ch = 0; ch < a.c; ch++) {
          const base = (s * a.c + ch) * a.plane;
          let lo = a.min[ch]!;
          let hi = a.max[ch]!;
          let pos = 0;
          for (let i = 0; i < a.plane; i++) {
            const x = v[base + i]!;
            if (x < lo) lo = x;
            if (x > hi) hi = x;
            if (x > 0) pos++;
            sum += x;
          }
          a.min[ch] = lo;
          a.max[ch] = hi;
          a.pos[ch]! += pos;
        }
      }
      a.sum += sum;
    }
  }, ctx, options);
  const out = new Map<string, ActivationRange>();
  for (const [id, a] of acc) {
    let positive = 0;
    for (const p of a.pos) positive += p;
    out.set(id, {
      node: id,
      count: a.count,
      positive,
      min: Math.min(...a.min),
      max: Math.max(...a.max),
      mean: a.count > 0 ? a.sum / a.count : NaN,
      channelMin: a.min,
      channelMax: a.max,
      channelPositive: a.pos,
    });
  }
  return out;
}

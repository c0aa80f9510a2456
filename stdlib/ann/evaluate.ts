// A network's predictions and accuracy on a dataset: argmax of the output node, accuracy and
// confusion matrix; split over the worker pool when the context has one (each worker runs
// predictChunk in ann/tasks.ts), in this thread otherwise. Results are the same either way.

import { throwIfAborted } from "../errors.ts";
import type { Network } from "../ir/network.ts";
import type { RunContext } from "../context.ts";
import { type Dataset, sampleSize } from "../data/dataset.ts";
import { Executor } from "./executor.ts";
import { F32 } from "./kernels.ts";
import { argmaxRows, checkDataset, DEFAULT_BATCH } from "./forward.ts";

export interface Evaluation {
  readonly kind: "evaluation";
  readonly network: string;
  /** What was evaluated, e.g. "mnist.test[0:1000]". */
  readonly data: string;
  readonly count: number;
  readonly correct: number;
  readonly accuracy: number;
  readonly predictions: Int32Array;
  readonly labels: Uint8Array;
  readonly classes: number;
  /** classes × classes counts, row = true label, column = prediction. */
  readonly confusion: Int32Array;
}

/** "mnist.test[100:200]" for a slice, "mnist.test" for a whole split. */
export function describeData(d: Dataset): string {
  return `${d.name}.${d.split}[${d.offset}:${d.offset + d.count}]`;
}

/**
 * Predictions for `count` samples of `images` (sample-major) in this thread, written to
 * out[at..]. Checks ctx.signal between batches; `onBatch` reports samples done.
 */
export function predictInto(net: Network, images: Float32Array, count: number, out: Int32Array, at = 0, options: { batch?: number; signal?: AbortSignal; onBatch?: (done: number) => void } = {}): void {
  const batch = Math.max(1, Math.min(options.batch ?? DEFAULT_BATCH, count));
  const ex = new Executor(net, F32, batch);
  const n = images.length / Math.max(count, 1);
  const classes = net.nodes[net.nodes.length - 1]!.shape.reduce((a, b) => a * b, 1);
  try {
    for (let s = 0; s < count; s += batch) {
      throwIfAborted(options.signal);
      const b = Math.min(batch, count - s);
      const y = ex.run(images.subarray(s * n, (s + b) * n), b);
      argmaxRows(y, b, classes, out, at + s);
      options.onBatch?.(s + b);
    }
  } finally {
    ex.release();
  }
}

/** Predicted class of every sample of `data` (the pool's workers share the work when given). */
export async function predict(net: Network, data: Dataset, ctx: RunContext = {}, options: { batch?: number } = {}): Promise<Int32Array> {
  checkDataset(net, data);
  const out = new Int32Array(data.count);
  const label = `evaluate ${net.name}`;
  const report = (done: number): void => ctx.progress?.({ label, done, total: data.count, unit: "images" });
  if (ctx.pool !== undefined && ctx.pool.size > 1 && data.count > 1) {
    const { predictOnPool } = await import("./parallel.ts");
    await predictOnPool(ctx.pool, net, data, out, { ...options, ...(ctx.signal ? { signal: ctx.signal } : {}), onDone: report });
    return out;
  }
  // In this thread: chunks of ~1,000 images with a turn of the event loop between them, so an
  // interrupt (the AbortSignal fires from an event) can land.
  const n = sampleSize(data);
  const chunk = 1024;
  for (let s = 0; s < data.count; s += chunk) {
    const e = Math.min(data.count, s + chunk);
    predictInto(net, data.images.subarray(s * n, e * n), e - s, out, s, { ...options, ...(ctx.signal ? { signal: ctx.signal } : {}), onBatch: (d) => report(s + d) });
    if (e < data.count) await new Promise((r) => setImmediate(r));
  }
  throwIfAborted(ctx.signal);
  return out;
}

/** Accuracy from predictions and labels, with the confusion matrix. */
export function scorePredictions(net: string, data: Dataset, predictions: Int32Array, classes: number): Evaluation {
  const confusion = new Int32Array(classes * classes);
  let correct = 0;
  for (let i = 0; i < data.count; i++) {
    const y = data.labels[i]!;
    const p = predictions[i]!;
    if (p === y) correct++;
    if (y < classes) confusion[y * classes + p]!++;
  }
  return { kind: "evaluation", network: net, data: describeData(data), count: data.count, correct, accuracy: data.count > 0 ? correct / data.count : NaN, predictions, labels: data.labels, classes, confusion };
}

/** Accuracy, predictions and confusion matrix of `net` on `data`. */
export async function evaluate(net: Network, data: Dataset, ctx: RunContext = {}, options: { batch?: number } = {}): Promise<Evaluation> {
  const predictions = await predict(net, data, ctx, options);
  const classes = Math.max(data.classes.length, net.nodes[net.nodes.length - 1]!.shape.reduce((a, b) => a * b, 1));
  return scorePredictions(net.name, data, predictions, classes);
}

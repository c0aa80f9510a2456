// Splits ANN inference over the worker pool: the network's parameters and the images go to the
// workers in shared memory (no copies), each worker predicts its chunks with the same executor
// code as the calling thread, so the predictions are identical to a single-thread run.
// The worker side is `predictChunk`; it keeps one executor per network between chunks.

import type { Network, Node } from "../ir/network.ts";
import { type Dataset, sampleSize } from "../data/dataset.ts";
import { type TaskContext, type WorkerPool, toShared } from "../tensor/pool.ts";
import { Executor } from "./executor.ts";
import { F32 } from "./kernels.ts";
import { argmaxRows, DEFAULT_BATCH } from "./forward.ts";

/** What each worker receives (structured clone; the typed arrays are on SharedArrayBuffers). */
export interface PredictShared {
  readonly net: Network;
  readonly images: Float32Array;
  readonly sampleSize: number;
  readonly out: Int32Array;
  readonly batch: number;
}

/** A copy of `net` whose parameter arrays live in shared memory (cached per network object). */
const sharedNets = new WeakMap<Network, Network>();
export function sharedNetwork(net: Network): Network {
  let s = sharedNets.get(net);
  if (s === undefined) {
    s = {
      name: net.name,
      nodes: net.nodes.map((n): Node => ({ ...n, params: Object.fromEntries(Object.entries(n.params).map(([k, t]) => [k, { shape: [...t.shape], data: toShared(t.data) }])) })),
    };
    sharedNets.set(net, s);
  }
  return s;
}

export async function predictOnPool(pool: WorkerPool, net: Network, data: Dataset, out: Int32Array, options: { batch?: number; signal?: AbortSignal; onDone?: (done: number) => void } = {}): Promise<void> {
  const n = sampleSize(data);
  const shared: PredictShared = {
    net: sharedNetwork(net),
    images: toShared(data.images.subarray(0, data.count * n)),
    sampleSize: n,
    out: toShared(new Int32Array(data.count)),
    batch: options.batch ?? DEFAULT_BATCH,
  };
  await pool.map<PredictShared, number>(
    { module: new URL("./parallel.ts", import.meta.url), fn: "predictChunk", items: data.count, shared },
    { ...(options.signal ? { signal: options.signal } : {}), ...(options.onDone ? { progress: (done: number) => options.onDone!(done) } : {}) },
  );
  out.set(shared.out);
}

// Worker side: one executor for the network of the current call, released when another arrives.
let cached: { net: Network; ex: Executor<Float32Array> } | undefined;

/** Pool function: predictions for samples [start, end) into shared.out. */
export function predictChunk(shared: PredictShared, start: number, end: number, ctx: TaskContext): number {
  if (cached === undefined || cached.net !== shared.net || cached.ex.maxBatch < Math.min(shared.batch, end - start)) {
    cached?.ex.release();
    cached = { net: shared.net, ex: new Executor(shared.net, F32, shared.batch) };
  }
  const ex = cached.ex;
  const n = shared.sampleSize;
  const classes = shared.net.nodes[shared.net.nodes.length - 1]!.shape.reduce((a, b) => a * b, 1);
  for (let s = start; s < end; s += ex.maxBatch) {
    ctx.throwIfAborted();
    const b = Math.min(ex.maxBatch, end - s);
    const y = ex.run(shared.images.subarray(s * n, (s + b) * n), b);
    argmaxRows(y, b, classes, shared.out, s);
    ctx.itemsDone(b);
  }
  return end - start;
}

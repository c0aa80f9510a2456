// What a pool worker runs for the TTFS family (PoolFunctions of stdlib/tensor/pool.ts): a chunk
// of a simulation, and a chunk of the window measurement X_n. Inputs arrive as plain data on
// shared memory; each thread copies a plan's weights into its kernel memory once and keeps the
// last few (by plan key). It must not depend on how items are split into chunks.

import type { TaskContext } from "../../tensor/pool.ts";
import { toShared } from "../../tensor/pool.ts";
import type { Network } from "../../ir/network.ts";
import type { Stage } from "../../convert/ttfs/stages.ts";
import { stageMaxima32 } from "../../convert/ttfs/maxima.ts";
import type { Plan } from "./plan.ts";
import { simulateChunk, type Chunk, type ResolvedOptions } from "./chunk.ts";
import { sumsBackend, type SumsBackend } from "./sums.ts";

const backends = new Map<string, SumsBackend>();
const KEEP = 2;

/** This thread's sums backend for `plan` (weights copied into kernel memory on first use). */
export function backendFor(plan: Plan): SumsBackend {
  let b = backends.get(plan.key);
  if (b === undefined) {
    if (backends.size >= KEEP) {
      const [oldKey, old] = backends.entries().next().value as [string, SumsBackend];
      old.release();
      backends.delete(oldKey);
    }
    b = sumsBackend(plan);
    backends.set(plan.key, b);
  }
  return b;
}

export interface SimShared {
  readonly plan: Plan;
  readonly source: Network;
  /** All images of the run, sample-major. */
  readonly images: Float32Array;
  readonly sampleSize: number;
  /** Global number of the run's first sample (seeds follow it). */
  readonly offset: number;
  readonly options: ResolvedOptions;
}

export function simulateItems(shared: SimShared, start: number, end: number, ctx: TaskContext): Chunk {
  const n = shared.sampleSize;
  const out = simulateChunk(shared.plan, shared.source, shared.images.subarray(start * n, end * n), end - start, start, shared.offset + start, shared.options, backendFor(shared.plan));
  ctx.itemsDone(end - start);
  return out;
}

export interface MaximaShared {
  readonly stages: readonly Stage[];
  readonly images: Float32Array;
  readonly sampleSize: number;
}

/** Per stage, the largest output value over samples [start, end) (float32 kernels: X_n only sizes windows). */
export function maximaItems(shared: MaximaShared, start: number, end: number, ctx: TaskContext): Float64Array {
  let reported = 0;
  return stageMaxima32(shared.stages, shared.images, shared.sampleSize, start, end, (done) => {
    ctx.throwIfAborted();
    ctx.itemsDone(done - reported);
    reported = done;
  });
}

/** A copy of plain data with every typed array on shared memory (cheap to hand to workers). */
export function shareDeep<T>(value: T): T {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return toShared(value as unknown as Float64Array) as unknown as T;
  if (Array.isArray(value)) return value.map((v) => shareDeep(v)) as unknown as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = shareDeep(v);
    return out as T;
  }
  return value;
}

// The kernel's worker pool, started on the first cell that needs it (most cells never do, and
// starting workers slows the kernel's start-up) and then kept for the session, so repeated
// simulations reuse warm workers. It only defers creation and allows a fresh start.

import { createPool, type ChunkResult, type MapOptions, type PoolTask, type WorkerPool } from "../stdlib/tensor/pool.ts";

export interface KernelPool extends WorkerPool {
  /** Drops the current workers (a cell abandoned after an interrupt may have left them stuck); the next map starts new ones. */
  reset(): Promise<void>;
}

export function lazyPool(size?: number): KernelPool {
  let pool: WorkerPool | undefined;
  const get = (): WorkerPool => (pool ??= size === undefined ? createPool() : createPool(size));
  return {
    get size(): number {
      return pool?.size ?? size ?? get().size;
    },
    map<S, R>(task: PoolTask<S>, options?: MapOptions): Promise<ChunkResult<R>[]> {
      return get().map<S, R>(task, options);
    },
    async reset(): Promise<void> {
      const old = pool;
      pool = undefined;
      await old?.close();
    },
    async close(): Promise<void> {
      await pool?.close();
    },
  };
}

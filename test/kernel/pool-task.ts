// A pool task for kernel tests: each item spins the worker's CPU for `msPerItem` (synchronous,
// as a simulator's inner loop is), checking for an interrupt between items.
import type { TaskContext } from "../../stdlib/tensor/pool.ts";

export function spin(shared: { msPerItem: number }, start: number, end: number, ctx: TaskContext): number {
  let x = 0;
  for (let i = start; i < end; i++) {
    ctx.throwIfAborted();
    const until = performance.now() + shared.msPerItem;
    while (performance.now() < until) x += Math.sqrt(i + x);
    ctx.itemsDone(1);
  }
  return end - start;
}

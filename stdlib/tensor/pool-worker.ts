// The worker side of pool.ts: loads a task's module once per call, runs the chunks it is sent,
// posts results or errors. It holds no state beyond the current calls; numerics live in the tasks.

import { parentPort, workerData } from "node:worker_threads";
import { InterruptedError, SpikelabError } from "../errors.ts";
import type { FromWorker, SerializedError, ToWorker } from "./pool-protocol.ts";
import type { PoolFunction, TaskContext } from "./pool.ts";

const port = parentPort!;
const index = (workerData as { index: number }).index;

interface Active {
  readonly fn: Promise<PoolFunction<unknown, unknown>>;
  readonly shared: unknown;
  readonly control: Int32Array;
}
const calls = new Map<number, Active>();

function serialize(e: unknown): SerializedError {
  if (e instanceof SpikelabError) return { name: e.name, message: e.message, stack: e.stack, code: e.code, ...(e.hint === undefined ? {} : { hint: e.hint }) };
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: "Error", message: String(e) };
}

async function load(module: string, name: string): Promise<PoolFunction<unknown, unknown>> {
  const mod = (await import(module)) as Record<string, unknown>;
  const fn = mod[name];
  if (typeof fn !== "function") throw new SpikelabError("name", `pool task: ${module} exports no function '${name}'`);
  return fn as PoolFunction<unknown, unknown>;
}

async function run(call: number, start: number, end: number): Promise<FromWorker> {
  const active = calls.get(call);
  if (!active) return { type: "error", call, start, end, error: serialize(new Error(`worker ${index}: chunk for unknown call ${call}`)) };
  const { control } = active;
  const ctx: TaskContext = {
    worker: index,
    aborted: () => Atomics.load(control, 0) !== 0,
    throwIfAborted: () => {
      if (Atomics.load(control, 0) !== 0) throw new InterruptedError("interrupted by the user");
    },
    itemsDone: (n) => void Atomics.add(control, 1, n),
  };
  try {
    const fn = await active.fn;
    const value = await fn(active.shared, start, end, ctx);
    return { type: "result", call, start, end, value };
  } catch (e) {
    return { type: "error", call, start, end, error: serialize(e) };
  }
}

port.on("message", (m: ToWorker) => {
  if (m.type === "begin") {
    const fn = load(m.module, m.fn);
    fn.catch(() => undefined); // reported by the first chunk that awaits it
    calls.set(m.call, { fn, shared: m.shared, control: new Int32Array(m.control) });
  } else if (m.type === "run") {
    void run(m.call, m.start, m.end).then((reply) => {
      try {
        port.postMessage(reply);
      } catch (e) {
        // A result that cannot be cloned (a function, a class instance with methods) is the task's bug.
        port.postMessage({ type: "error", call: m.call, start: m.start, end: m.end, error: serialize(new SpikelabError("runtime", `pool task result cannot be sent between threads: ${(e as Error).message}`)) } satisfies FromWorker);
      }
    });
  } else {
    calls.delete(m.call);
  }
});

port.postMessage({ type: "ready" } satisfies FromWorker);

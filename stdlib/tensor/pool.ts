// The worker_threads pool every stage splits independent items (images) over: started once,
// reused across calls, shared memory for big inputs and outputs, interruptible, and never
// keeping an idle process alive. It runs any module's exported function; it knows no numerics.
//
// A task names a module (absolute URL) and an exported PoolFunction; `map` splits the items
// into chunks, hands chunks to idle workers, and returns the chunk results in item order.

import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { InterruptedError, SpikelabError, type ErrorCode } from "../errors.ts";
import type { ToWorker, FromWorker, SerializedError } from "./pool-protocol.ts";

/** What a task function gets besides its data. */
export interface TaskContext {
  /** Index of the worker running the chunk (−1 when run in the calling thread). */
  readonly worker: number;
  /** True once the caller interrupted: stop early (the chunk's result is discarded). */
  aborted(): boolean;
  /** Throws InterruptedError once interrupted; call it between items. */
  throwIfAborted(): void;
  /** Reports finished items, so progress moves inside long chunks. */
  itemsDone(n: number): void;
}

/**
 * A function a worker runs on items [start, end). `shared` arrives by structured clone: typed
 * arrays on a SharedArrayBuffer (see `sharedF32`) are shared, not copied — put weights, inputs
 * and outputs there. It must not depend on how items are chunked.
 */
export type PoolFunction<S, R> = (shared: S, start: number, end: number, ctx: TaskContext) => R | Promise<R>;

export interface PoolTask<S> {
  /** The module exporting the function: an absolute file URL (e.g. `new URL("./eval.ts", import.meta.url)`) or path. */
  readonly module: URL | string;
  /** The exported PoolFunction's name. */
  readonly fn: string;
  /** Number of independent items; chunks cover [0, items). */
  readonly items: number;
  readonly shared: S;
  /** Items per chunk (default: about 8 chunks per worker, for balance and prompt interrupts). */
  readonly chunk?: number;
}

export interface MapOptions {
  readonly signal?: AbortSignal;
  /** Called as items finish (from chunk results and TaskContext.itemsDone), at most every ~100 ms. */
  readonly progress?: (done: number, total: number) => void;
}

export interface ChunkResult<R> {
  readonly start: number;
  readonly end: number;
  readonly value: R;
}

export interface WorkerPool {
  readonly size: number;
  /** Runs the task's function over all items; results sorted by `start`. Throws InterruptedError on abort. */
  map<S, R>(task: PoolTask<S>, options?: MapOptions): Promise<ChunkResult<R>[]>;
  close(): Promise<void>;
}

/** A zeroed Float32Array on a SharedArrayBuffer: workers given it read and write the same memory. */
export function sharedF32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * 4));
}

/** The same values on a SharedArrayBuffer (the array itself when it already is shared). */
export function toShared<A extends Float32Array | Float64Array | Int32Array | Uint8Array>(a: A): A {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => A;
  const s = new Ctor(new SharedArrayBuffer(a.byteLength));
  s.set(a as never);
  return s;
}

/** Chunk boundaries over [0, items). */
export function chunks(items: number, chunk: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < items; s += chunk) out.push([s, Math.min(items, s + chunk)]);
  return out;
}

const moduleHref = (m: URL | string): string => (m instanceof URL ? m.href : m.startsWith("file:") ? m : pathToFileURL(m).href);

/** Runs a task in this thread, chunk by chunk (the reference a pool's result must equal). */
export async function runLocal<S, R>(task: PoolTask<S>, options: MapOptions = {}): Promise<ChunkResult<R>[]> {
  const mod = (await import(moduleHref(task.module))) as Record<string, unknown>;
  const fn = mod[task.fn];
  if (typeof fn !== "function") throw new SpikelabError("name", `pool task: ${moduleHref(task.module)} exports no function '${task.fn}'`);
  const out: ChunkResult<R>[] = [];
  let done = 0;
  const ctx: TaskContext = {
    worker: -1,
    aborted: () => options.signal?.aborted === true,
    throwIfAborted: () => {
      if (options.signal?.aborted) throw new InterruptedError("interrupted by the user", out);
    },
    itemsDone: (n) => {
      done += n;
      options.progress?.(Math.min(done, task.items), task.items);
    },
  };
  for (const [start, end] of chunks(task.items, chunkSize(task, 1))) {
    // Yield so an abort from the event loop (a kernel interrupt) can land between chunks.
    await new Promise((r) => setImmediate(r));
    ctx.throwIfAborted();
    out.push({ start, end, value: (await (fn as PoolFunction<S, R>)(task.shared, start, end, ctx)) as R });
  }
  return out;
}

function chunkSize(task: PoolTask<unknown>, workers: number): number {
  if (task.chunk !== undefined) {
    if (!Number.isInteger(task.chunk) || task.chunk < 1) throw new SpikelabError("param", `pool task: chunk must be a whole number >= 1, got ${task.chunk}`);
    return task.chunk;
  }
  return Math.max(1, Math.ceil(task.items / (workers * 8)));
}

function revive(e: SerializedError): Error {
  let err: Error;
  if (e.name === "InterruptedError") err = new InterruptedError(e.message);
  else if (e.code !== undefined) err = new SpikelabError(e.code as ErrorCode, e.message, e.hint === undefined ? {} : { hint: e.hint });
  else err = new Error(e.message);
  if (e.stack) err.stack = e.stack;
  return err;
}

/**
 * The execArgv for workers: the parent's, minus tsx's loader (the worker bootstrap registers it
 * itself) and the flags that describe the parent's entry point (-e, --input-type, --test …),
 * which a worker refuses.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  const isTsx = (v: string | undefined): boolean => v !== undefined && /(^|[\\/])tsx([\\/]|$)/.test(v);
  const loaders = new Set(["--import", "--loader", "--experimental-loader", "--require", "-r"]);
  const withValue = new Set(["-e", "--eval", "-p", "--print"]);
  const entryOnly = /^(--input-type|--test|--watch|--check|-c$|--interactive|-i$)/;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (loaders.has(a) && isTsx(argv[i + 1])) {
      i++;
      continue;
    }
    if (withValue.has(a)) {
      i++;
      continue;
    }
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0 && isTsx(a.slice(eq + 1))) continue;
    if (entryOnly.test(a) || /^(--eval|--print)=/.test(a)) continue;
    out.push(a);
  }
  return out;
}

const GRACE_MS = 800;

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  /** Set once the worker said "ready": a crash after that is replaced, one before is reported. */
  started: boolean;
  failed: boolean;
  busy: boolean;
  index: number;
}

interface Call {
  readonly id: number;
  readonly todo: [number, number][];
  readonly results: ChunkResult<unknown>[];
  readonly control: Int32Array;
  readonly total: number;
  failure?: Error;
  settle: () => void;
}

class Pool implements WorkerPool {
  readonly size: number;
  private slots: Slot[] = [];
  private closed = false;
  private nextCall = 1;
  private current: Call | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(size: number) {
    this.size = size;
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(i));
  }

  private spawn(index: number): Slot {
    const worker = new Worker(new URL("./pool-worker.mjs", import.meta.url), { execArgv: workerExecArgv(), workerData: { index } });
    worker.unref();
    const slot: Slot = { worker, busy: false, index, started: false, failed: false, ready: Promise.resolve() };
    slot.ready = new Promise<void>((resolve, reject) => {
      const onReady = (m: FromWorker): void => {
        if (m.type === "ready") {
          worker.off("message", onReady);
          slot.started = true;
          resolve();
        }
      };
      const onFail = (e: Error): void => {
        slot.failed = true;
        reject(new SpikelabError("runtime", `worker ${index} could not start: ${e.message}`, { cause: e, hint: "check that `npm install` completed (tsx and the WASM kernels)" }));
      };
      worker.on("message", onReady);
      worker.once("error", onFail);
      worker.once("exit", (code) => onFail(new Error(`exit code ${code}`)));
    });
    slot.ready.catch(() => undefined); // reported by the call that awaits it
    worker.on("message", (m: FromWorker) => this.onMessage(slot, m));
    worker.on("error", (e) => this.onCrash(slot, e));
    worker.on("exit", (code) => {
      if (!this.closed && this.slots[slot.index] === slot) this.onCrash(slot, new SpikelabError("runtime", `worker ${slot.index} exited unexpectedly (code ${code})`));
    });
    return slot;
  }

  private replace(slot: Slot): void {
    if (this.slots[slot.index] !== slot) return;
    this.slots[slot.index] = this.spawn(slot.index);
    void slot.worker.terminate();
  }

  private onCrash(slot: Slot, e: Error): void {
    if (this.closed || this.slots[slot.index] !== slot || !slot.started) return;
    const call = this.current;
    const wasBusy = slot.busy;
    slot.busy = false;
    this.replace(slot);
    if (call && wasBusy) this.fail(call, e);
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    const call = this.current;
    if (m.type === "ready" || !call || m.call !== call.id) return;
    slot.busy = false;
    // After an interrupt or error a chunk may have stopped early: its value is not kept.
    if (m.type === "result") {
      if (!call.failure) call.results.push({ start: m.start, end: m.end, value: m.value });
    } else this.fail(call, revive(m.error));
    this.dispatch(call);
  }

  private fail(call: Call, e: Error): void {
    if (!call.failure) call.failure = e;
    Atomics.store(call.control, 0, 1);
    this.dispatch(call);
  }

  private dispatch(call: Call): void {
    if (!call.failure) {
      for (const slot of this.slots) {
        if (slot.busy || call.todo.length === 0) continue;
        const [start, end] = call.todo.shift()!;
        slot.busy = true;
        slot.worker.postMessage({ type: "run", call: call.id, start, end } satisfies ToWorker);
      }
    }
    if (this.slots.every((s) => !s.busy) && (call.failure || call.todo.length === 0)) call.settle();
  }

  map<S, R>(task: PoolTask<S>, options: MapOptions = {}): Promise<ChunkResult<R>[]> {
    const run = this.queue.then(() => this.run<S, R>(task, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run<S, R>(task: PoolTask<S>, options: MapOptions): Promise<ChunkResult<R>[]> {
    if (this.closed) throw new SpikelabError("runtime", "the worker pool is closed", { hint: "create a new pool" });
    if (!Number.isInteger(task.items) || task.items < 0) throw new SpikelabError("param", `pool task: items must be a whole number >= 0, got ${task.items}`);
    const { signal, progress } = options;
    if (signal?.aborted) throw new InterruptedError("interrupted by the user", []);
    const size = chunkSize(task, this.size);
    const control = new Int32Array(new SharedArrayBuffer(8));
    // A worker that failed to start gets one new attempt per call (its error is reported below).
    for (const s of this.slots) if (s.failed) this.replace(s);
    for (const s of this.slots) s.worker.ref();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const call: Call = { id: this.nextCall++, todo: chunks(task.items, size), results: [], control, total: task.items, settle: () => undefined };
    try {
      await Promise.all(this.slots.map((s) => s.ready));
      // An interrupt that came while the workers were starting must not be lost.
      if (signal?.aborted) throw new InterruptedError("interrupted by the user", []);
      const finished = new Promise<void>((resolve) => (call.settle = resolve));
      this.current = call;
      const begin: ToWorker = { type: "begin", call: call.id, module: moduleHref(task.module), fn: task.fn, shared: task.shared, control: control.buffer as SharedArrayBuffer };
      try {
        for (const s of this.slots) s.worker.postMessage(begin);
      } catch (e) {
        throw new SpikelabError("type", `pool task: its shared data cannot be sent to workers (${(e as Error).message})`, { hint: "share plain data: numbers, strings, arrays, objects, typed arrays (on SharedArrayBuffer to avoid copies); no functions or class instances with methods" });
      }
      let reported = -1;
      const report = (): void => {
        const fromChunks = call.results.reduce((a, r) => a + (r.end - r.start), 0);
        const done = Math.min(task.items, Math.max(fromChunks, Atomics.load(control, 1)));
        if (done !== reported) progress?.(done, task.items);
        reported = done;
      };
      if (progress) timer = setInterval(report, 100);
      let graceTimer: NodeJS.Timeout | undefined;
      if (signal) {
        onAbort = () => {
          this.fail(call, new InterruptedError("interrupted by the user"));
          // Chunks that do not check ctx.aborted() get GRACE_MS, then their workers are replaced.
          graceTimer = setTimeout(() => {
            for (const s of this.slots) if (s.busy) {
              s.busy = false;
              this.replace(s);
            }
            call.settle();
          }, GRACE_MS);
        };
        signal.addEventListener("abort", onAbort, { once: true });
      }
      this.dispatch(call);
      await finished;
      if (graceTimer) clearTimeout(graceTimer);
      const results = (call.results as ChunkResult<R>[]).sort((a, b) => a.start - b.start);
      if (call.failure) {
        if (call.failure instanceof InterruptedError || signal?.aborted) throw new InterruptedError("interrupted by the user", results);
        throw call.failure;
      }
      if (progress) report();
      return results;
    } finally {
      if (timer) clearInterval(timer);
      if (onAbort) signal?.removeEventListener("abort", onAbort);
      this.current = undefined;
      for (const s of this.slots) {
        s.worker.postMessage({ type: "end", call: call.id } satisfies ToWorker);
        s.worker.unref();
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/** Starts `size` workers (default: the machine's parallelism); they idle unref'd until `map`. */
export function createPool(size: number = availableParallelism()): WorkerPool {
  if (!Number.isInteger(size) || size < 1) throw new SpikelabError("param", `worker pool: size must be a whole number >= 1, got ${size}`);
  return new Pool(size);
}

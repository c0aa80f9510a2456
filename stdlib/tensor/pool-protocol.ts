// Messages between the pool (pool.ts) and its workers (pool-worker.ts). Types only: both sides
// import it, so a change to the protocol is a type error on whichever side forgot it.

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** SpikelabError's code and hint, so the error is rebuilt as one on the calling side. */
  readonly code?: string;
  readonly hint?: string;
}

export type ToWorker =
  /** A new map call: load the function, keep the shared data; control = Int32Array [aborted, itemsDone]. */
  | { readonly type: "begin"; readonly call: number; readonly module: string; readonly fn: string; readonly shared: unknown; readonly control: SharedArrayBuffer }
  | { readonly type: "run"; readonly call: number; readonly start: number; readonly end: number }
  /** The call is over: drop its shared data. */
  | { readonly type: "end"; readonly call: number };

export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "result"; readonly call: number; readonly start: number; readonly end: number; readonly value: unknown }
  | { readonly type: "error"; readonly call: number; readonly start: number; readonly end: number; readonly error: SerializedError };

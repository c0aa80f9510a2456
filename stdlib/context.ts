// What a long computation is given by whoever runs it (the CLI, the kernel, a test): a way to
// be stopped, a way to report progress, and the shared worker pool. Stages take it as an
// argument; none of them keeps it in a global.

import type { Dataset } from "./data/dataset.ts";
import type { Network } from "./ir/network.ts";
import type { DataRef } from "./ir/rules.ts";
import type { WorkerPool } from "./tensor/pool.ts";

export interface Progress {
  /** What is running, e.g. "simulate lenet_rate". */
  readonly label: string;
  readonly done: number;
  readonly total: number;
  /** What `done` counts: "images", "epochs", "restarts". */
  readonly unit: string;
  /** Extra running figures shown beside the bar (spikes so far, loss, accuracy). */
  readonly figures?: Readonly<Record<string, number>>;
}

export interface RunContext {
  /** Fires when the user interrupts; long loops check it between chunks (at least every ~100 ms). */
  readonly signal?: AbortSignal;
  readonly progress?: (p: Progress) => void;
  /** The worker pool to split images over; absent = run in this thread. */
  readonly pool?: WorkerPool;
  /** Informational messages (warnings, notes) for the user. */
  readonly log?: (message: string) => void;
  /**
   * Resolves a data slice named in a rule set (`norm_data`, `calib_data`, …) to images: the
   * language binds its own dataset names here. `ref` null asks for the network's own training
   * data (the family slices it); undefined = not known. Absent: families fall back to
   * stdlib/data's loaders by dataset name (`mnist`, `fashion_mnist`).
   */
  readonly resolveData?: (ref: DataRef | null, network: Network) => Dataset | undefined;
}

export const NO_CONTEXT: RunContext = {};

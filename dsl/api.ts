// The language's contract with whoever runs it (the CLI, the Jupyter kernel, tests): the
// values a program computes, what it emits while running, and the editor services.
// The kernel builds on these types only; it must not reach into the parser or checker.

import type { Progress } from "../stdlib/context.ts";
import type { Dataset } from "../stdlib/data/dataset.ts";
import type { SpikelabError } from "../stdlib/errors.ts";
import type { Network } from "../stdlib/ir/network.ts";
import type { SimResult } from "../stdlib/ir/results.ts";
import type { RuleSet } from "../stdlib/ir/rules.ts";
import type { SpikingNetwork } from "../stdlib/ir/spiking.ts";
import type { Figure, Table } from "../stdlib/plot/figure.ts";
import type { WorkerPool } from "../stdlib/tensor/pool.ts";

/**
 * Where a dataset comes from, before a split is loaded: `mnist()`, `fashion_mnist()`,
 * `cifar10("dir")`, `synthetic(count: 1000)`. Its splits (`.train`, `.test`) load on first use.
 */
export interface DataSource {
  readonly name: "mnist" | "fashion_mnist" | "cifar10" | "synthetic";
  /** As the program wrote it, e.g. `cifar10("/data/cifar")`; prefixes dataset labels. */
  readonly label: string;
  /** Per-sample [C, H, W]. */
  readonly shape: readonly [number, number, number];
  readonly classes: number;
  /** Samples per split. */
  readonly counts: { readonly train: number; readonly test: number };
  /** Reader options: `dir` for cifar10; count, kind, noise, seed for synthetic. */
  readonly options: Readonly<Record<string, number | string>>;
}

/** A value a program can bind to a name, print, or show. */
export type Value =
  | { readonly kind: "number"; readonly value: number; readonly unit?: string }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "list"; readonly items: readonly Value[] }
  | { readonly kind: "record"; readonly fields: ReadonlyMap<string, Value> }
  | { readonly kind: "datasource"; readonly source: DataSource; readonly label: string }
  | { readonly kind: "dataset"; readonly dataset: Dataset; readonly label: string }
  | { readonly kind: "network"; readonly network: Network; readonly accuracy?: number }
  | { readonly kind: "rules"; readonly rules: RuleSet }
  | { readonly kind: "snn"; readonly snn: SpikingNetwork }
  | { readonly kind: "result"; readonly result: SimResult }
  | { readonly kind: "figure"; readonly figure: Figure }
  | { readonly kind: "table"; readonly table: Table }
  | { readonly kind: "none" };

/**
 * Something a running program shows: printed text (`print` to stdout, `warn` and notes to
 * stderr), a value to display richly, or `clear`: remove what this execution showed so far
 * (`wait`: when the next output arrives, so a loop can redraw without flicker). A front end
 * without an output area to clear (the CLI) ignores `clear`.
 */
export type Output =
  | { readonly kind: "text"; readonly text: string; readonly stream: "stdout" | "stderr" }
  | { readonly kind: "display"; readonly value: Value }
  | { readonly kind: "clear"; readonly wait: boolean };

export interface ExecuteHooks {
  /**
   * Fires on interrupt. An interrupted execution is a failed execution: it stops within ~1 s,
   * binds nothing (the names are exactly as before it), and returns `ok: false` with an
   * InterruptedError whose message reports what was measured before the stop (e.g. "simulate …
   * interrupted after 3,200 of 10,000 images; so far accuracy 99.10 % …"). Front ends show that
   * message as the error: the CLI exits 130, the kernel replies with status error.
   */
  readonly signal?: AbortSignal;
  readonly emit: (o: Output) => void;
  readonly progress?: (p: Progress) => void;
  readonly pool?: WorkerPool;
}

export type ExecuteResult =
  /** `value` is the last bare expression's value (a cell's execute_result), if any. */
  | { readonly ok: true; readonly value: Value | undefined }
  /** Every diagnostic found (a checking failure reports all of them; a runtime failure one). */
  | { readonly ok: false; readonly errors: readonly SpikelabError[] };

export interface Completion {
  readonly matches: readonly string[];
  /** Offsets in the source of the text the matches replace. */
  readonly start: number;
  readonly end: number;
}

export interface Inspection {
  readonly found: boolean;
  readonly markdown: string;
  readonly text: string;
}

export type Completeness = "complete" | "incomplete" | "invalid";

/**
 * A language session: names bound by earlier executions persist; a failed execution (an
 * interrupted one included) leaves them as they were. `file` names the source in diagnostics
 * (a path, or "cell[3]").
 */
export interface Interpreter {
  execute(source: string, file: string, hooks: ExecuteHooks): Promise<ExecuteResult>;
  complete(source: string, offset: number): Completion;
  inspect(source: string, offset: number): Inspection;
  isComplete(source: string): { readonly status: Completeness; readonly indent: string };
  /** Names in scope with their values (for completion, inspect and display). */
  names(): ReadonlyMap<string, Value>;
}

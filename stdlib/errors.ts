// The one error type every stage raises for a problem a user can cause (a typo, a wrong
// shape, a corrupt file, an interrupted run). It carries what the formatter in
// dsl/diagnostics.ts needs; it must not know how it is printed or where it came from.

/** A place in a source text; lines and columns count from 1. `file` is a path or a cell name. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Characters the caret should underline (at least 1). */
  readonly length?: number;
  /** Offset from the start of the text, where known. */
  readonly offset?: number;
}

/**
 * Error codes, grouped by the stage that raises them. A code is stable: tests, the
 * kernel's `ename` and the docs refer to it.
 */
export type ErrorCode =
  | "syntax" // the text does not parse
  | "name" // an unknown or duplicate name
  | "type" // a value of the wrong kind (a time where a rate is wanted, a string for a number)
  | "unit" // a unit of the wrong dimension
  | "shape" // shapes that do not fit
  | "param" // a parameter out of range or unknown to a rule set
  | "resource" // a request too large to run here (memory, time)
  | "io" // a missing, unreadable, corrupt or mismatched file
  | "unsupported" // valid language whose engine is not there (yet)
  | "interrupted" // the user stopped the run
  | "runtime"; // a problem found while running (e.g. NaN in training)

export class SpikelabError extends Error {
  readonly code: ErrorCode;
  readonly loc: SourceLocation | undefined;
  /** What the user can do about it: a fix, a suggestion, an install command. */
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { loc?: SourceLocation; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SpikelabError";
    this.code = code;
    this.loc = options.loc;
    this.hint = options.hint;
  }

  /** The same error placed at a source location (the first placement wins). */
  at(loc: SourceLocation | undefined): SpikelabError {
    if (this.loc !== undefined || loc === undefined) return this;
    const placed = new SpikelabError(this.code, this.message, { loc, hint: this.hint, cause: this.cause });
    return placed;
  }
}

/**
 * A run stopped by the user (Ctrl-C, a kernel interrupt). Partial results may ride along; the
 * language reports their figures in the message and binds nothing (docs/language.md).
 */
export class InterruptedError extends SpikelabError {
  readonly partial: unknown;
  constructor(message = "interrupted", partial?: unknown, options: { loc?: SourceLocation; hint?: string; cause?: unknown } = {}) {
    super("interrupted", message, options);
    this.name = "InterruptedError";
    this.partial = partial;
  }

  /** Placed at a source location, still an InterruptedError with its partial results. */
  override at(loc: SourceLocation | undefined): SpikelabError {
    if (this.loc !== undefined || loc === undefined) return this;
    return new InterruptedError(this.message, this.partial, { loc, ...(this.hint !== undefined ? { hint: this.hint } : {}), cause: this.cause });
  }
}

export function isSpikelabError(e: unknown): e is SpikelabError {
  return e instanceof SpikelabError;
}

/** Throws InterruptedError when the signal has fired; long loops call this between chunks. */
export function throwIfAborted(signal: AbortSignal | undefined, partial?: unknown): void {
  if (signal?.aborted) throw new InterruptedError("interrupted by the user", partial);
}

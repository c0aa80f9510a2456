// A notebook session: executes cells through the language's Interpreter (state persists, a
// failed or interrupted cell leaves it intact), numbers them, keeps their history, and answers
// completion, inspection and is_complete. It knows Jupyter's content fields but not its sockets.

import type { Interpreter, Output } from "../dsl/api.ts";
import type { Progress } from "../stdlib/context.ts";
import { InterruptedError, SpikelabError, isSpikelabError } from "../stdlib/errors.ts";
import type { WorkerPool } from "../stdlib/tensor/pool.ts";
import { formatValue } from "../dsl/format.ts";
import { Display, type MimeBundle } from "./display.ts";
import { formatTraceback } from "./traceback.ts";

/** Where a running cell's outputs go (the kernel turns these into iopub messages). */
export interface CellSink {
  stream(name: "stdout" | "stderr", text: string): void;
  display(bundle: MimeBundle, displayId?: string, update?: boolean): void;
  result(count: number, bundle: MimeBundle): void;
  error(ename: string, evalue: string, traceback: readonly string[]): void;
  progress(p: Progress): void;
  /** clear_output: the cell's outputs so far (`wait`: once the next output arrives). */
  clear(wait: boolean): void;
}

export interface ExecuteRequest {
  readonly code: string;
  readonly silent: boolean;
  readonly storeHistory: boolean;
}

export type ExecuteOutcome =
  | { readonly status: "ok"; readonly count: number; readonly payload: readonly Record<string, unknown>[] }
  | { readonly status: "error"; readonly count: number; readonly ename: string; readonly evalue: string; readonly traceback: readonly string[] };

export interface HistoryEntry {
  readonly session: number;
  readonly line: number;
  readonly input: string;
  readonly output: string | null;
}

export interface SessionOptions {
  /** How long an interrupted cell may take to stop before the kernel gives up waiting on it. */
  readonly interruptGraceMs?: number;
  readonly pool?: WorkerPool;
  readonly display?: Display;
  /** Called when an interrupted cell did not stop in time and was abandoned (the kernel restarts the pool). */
  readonly onAbandoned?: () => void;
}

const HISTORY_SESSION = 1;

export class Session {
  executionCount = 0;
  readonly display: Display;
  private readonly history: HistoryEntry[] = [];
  private readonly graceMs: number;

  constructor(private readonly interpreter: Interpreter, private readonly opts: SessionOptions = {}) {
    this.display = opts.display ?? new Display();
    this.graceMs = opts.interruptGraceMs ?? 900;
  }

  async execute(req: ExecuteRequest, sink: CellSink, signal: AbortSignal): Promise<ExecuteOutcome> {
    const store = req.storeHistory && !req.silent;
    if (store) this.executionCount++;
    const count = this.executionCount;
    const quiet: CellSink = req.silent ? SILENT : sink;

    const help = helpQuery(req.code);
    if (help !== undefined) return this.page(help, count, req.code, store);

    const file = store ? `cell[${count}]` : "cell";
    let outcome: ExecuteOutcome;
    let resultText: string | null = null;
    try {
      const hooks = {
        signal,
        emit: (o: Output) => this.emit(o, quiet),
        progress: (p: Progress) => quiet.progress(p),
        ...(this.opts.pool ? { pool: this.opts.pool } : {}),
      };
      // An interrupted cell fails (the language's rule, api.ts): its InterruptedError, whose
      // message carries what was measured before the stop, is the error shown, and a "run all"
      // stops here (stop_on_error).
      const r = await untilSettledOrAbandoned(this.interpreter.execute(req.code, file, hooks), signal, this.graceMs, () => this.opts.onAbandoned?.());
      if (r.ok) {
        if (r.value !== undefined && r.value.kind !== "none") {
          resultText = formatValue(r.value);
          quiet.result(count, this.display.bundle(r.value));
        }
        outcome = { status: "ok", count, payload: [] };
      } else {
        outcome = this.failure(r.errors, file, req.code, count, quiet);
      }
    } catch (e) {
      outcome = this.failure([asSpikelabError(e)], file, req.code, count, quiet);
    }
    if (store) this.history.push({ session: HISTORY_SESSION, line: count, input: req.code, output: resultText });
    return outcome;
  }

  private emit(o: Output, sink: CellSink): void {
    if (o.kind === "text") sink.stream(o.stream, o.text.endsWith("\n") ? o.text : `${o.text}\n`);
    else if (o.kind === "clear") sink.clear(o.wait);
    else sink.display(this.display.bundle(o.value));
  }

  private failure(errors: readonly SpikelabError[], file: string, code: string, count: number, sink: CellSink): ExecuteOutcome {
    const first = errors[0] ?? new SpikelabError("runtime", "the cell failed without saying why");
    const ename = errorName(first);
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : "";
    const evalue = `${first.message}${more}`;
    const traceback = formatTraceback(errors, file, code);
    sink.error(ename, evalue, traceback);
    return { status: "error", count, ename, evalue, traceback };
  }

  /** `?word` or `word?`: the word's documentation in the pager, as IPython does. */
  private page(word: string, count: number, code: string, store: boolean): ExecuteOutcome {
    const ins = this.interpreter.inspect(word, word.length);
    const data = ins.found
      ? { "text/plain": ins.text, "text/markdown": ins.markdown }
      : { "text/plain": `no documentation found for '${word}'` };
    if (store) this.history.push({ session: HISTORY_SESSION, line: count, input: code, output: null });
    return { status: "ok", count, payload: [{ source: "page", data, start: 0 }] };
  }

  complete(code: string, cursorPos: number): { matches: string[]; cursor_start: number; cursor_end: number; metadata: Record<string, unknown> } {
    const offset = codePointToUtf16(code, cursorPos);
    const c = this.interpreter.complete(code, offset);
    return {
      matches: [...c.matches],
      cursor_start: utf16ToCodePoint(code, c.start),
      cursor_end: utf16ToCodePoint(code, c.end),
      metadata: {},
    };
  }

  inspect(code: string, cursorPos: number): { found: boolean; data: MimeBundle; metadata: Record<string, unknown> } {
    const ins = this.interpreter.inspect(code, codePointToUtf16(code, cursorPos));
    return { found: ins.found, data: ins.found ? { "text/plain": ins.text, "text/markdown": ins.markdown } : {}, metadata: {} };
  }

  isComplete(code: string): { status: string; indent?: string } {
    if (helpQuery(code) !== undefined) return { status: "complete" };
    const r = this.interpreter.isComplete(code);
    return r.status === "incomplete" ? { status: r.status, indent: r.indent } : { status: r.status };
  }

  /** The three access types of history_request; entries are [session, line, input | [input, output]]. */
  historyReply(content: Record<string, unknown>): unknown[] {
    const output = content.output === true;
    const shape = (h: HistoryEntry) => [h.session, h.line, output ? [h.input, h.output] : h.input];
    const n = typeof content.n === "number" ? content.n : undefined;
    switch (content.hist_access_type) {
      case "tail":
        return (n === undefined ? this.history : this.history.slice(-n)).map(shape);
      case "range": {
        const session = typeof content.session === "number" ? content.session : 0;
        // 0 and negative numbers mean "this session" (relative numbering, as IPython).
        if (session > 0 && session !== HISTORY_SESSION) return [];
        const start = typeof content.start === "number" ? content.start : 1;
        const stop = typeof content.stop === "number" ? content.stop : Infinity;
        return this.history.filter((h) => h.line >= start && h.line < stop).map(shape);
      }
      case "search": {
        const re = globToRegExp(typeof content.pattern === "string" ? content.pattern : "*");
        let hits = this.history.filter((h) => re.test(h.input));
        if (content.unique === true) {
          const seen = new Set<string>();
          hits = hits.reverse().filter((h) => !seen.has(h.input) && seen.add(h.input) !== undefined).reverse();
        }
        return (n === undefined ? hits : hits.slice(-n)).map(shape);
      }
      default:
        return [];
    }
  }
}

const SILENT: CellSink = { stream() {}, display() {}, result() {}, error() {}, progress() {}, clear() {} };

/** The interpreter's result, or an interrupted failure when it has not stopped `graceMs` after the signal. */
async function untilSettledOrAbandoned<T>(
  work: Promise<T>,
  signal: AbortSignal,
  graceMs: number,
  onAbandon: () => void,
): Promise<T | { readonly ok: false; readonly errors: readonly SpikelabError[] }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const abandoned = new Promise<{ ok: false; errors: SpikelabError[] }>((resolve) => {
    const giveUp = () => {
      timer = setTimeout(() => {
        onAbandon();
        resolve({ ok: false, errors: [new InterruptedError(`interrupted (the cell did not stop within ${graceMs} ms; its work was abandoned)`)] });
      }, graceMs);
    };
    if (signal.aborted) giveUp();
    else {
      onAbort = giveUp;
      signal.addEventListener("abort", giveUp, { once: true });
    }
  });
  try {
    return await Promise.race([work, abandoned]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
    // A straggler that fails after being abandoned must not become an unhandled rejection.
    work.catch(() => undefined);
  }
}

function asSpikelabError(e: unknown): SpikelabError {
  if (isSpikelabError(e)) return e;
  if (e instanceof Error && e.name === "AbortError") return new InterruptedError("interrupted by the user");
  const message = e instanceof Error ? e.message : String(e);
  return new SpikelabError("runtime", `internal error: ${message}`, { hint: "this is a bug in spikelab; please report it with the cell that caused it", cause: e });
}

/** `ename` of an error: the code as an exception-like name, e.g. SyntaxError, ShapeError. */
export function errorName(e: SpikelabError): string {
  if (e.code === "interrupted") return "InterruptedError";
  if (e.code === "io") return "IOError";
  return `${e.code[0]!.toUpperCase()}${e.code.slice(1)}Error`;
}

function helpQuery(code: string): string | undefined {
  const m = /^\s*(?:\?\s*([A-Za-z_][\w.]*)|([A-Za-z_][\w.]*)\s*\?)\s*$/.exec(code);
  return m ? (m[1] ?? m[2]) : undefined;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${body}$`);
}

/** Jupyter counts cursor positions in Unicode code points; JavaScript strings in UTF-16 units. */
export function codePointToUtf16(s: string, cp: number): number {
  let i = 0;
  for (let n = 0; n < cp && i < s.length; n++) i += (s.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return i;
}

export function utf16ToCodePoint(s: string, index: number): number {
  let n = 0;
  for (let i = 0; i < index && i < s.length; n++) i += (s.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return n;
}

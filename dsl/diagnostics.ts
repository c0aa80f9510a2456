// The one place a SpikelabError becomes text for a person: `file:line:col: error: message`,
// the source line, a caret under the span, and `hint: …`. The CLI and the Jupyter kernel both
// call this. It must not decide what is an error, and never prints a stack trace.

import { readFileSync, statSync } from "node:fs";
import { InterruptedError, SpikelabError } from "../stdlib/errors.ts";

/** Finds a file's text by name: a cell's source, or (default) the file on disk. */
export type SourceLookup = (file: string) => string | undefined;

const MAX_LINE = 160;

function fromDisk(file: string): string | undefined {
  try {
    if (statSync(file).size > 16 * 1024 * 1024) return undefined;
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** A lookup that knows some texts (e.g. the cell being run) and falls back to the disk. */
export function sources(known: Readonly<Record<string, string>> = {}): SourceLookup {
  return (file) => known[file] ?? fromDisk(file);
}

function lineOf(text: string, line: number): string | undefined {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) return undefined;
    start = nl + 1;
  }
  const end = text.indexOf("\n", start);
  return text.slice(start, end < 0 ? text.length : end).replace(/\r$/, "");
}

/** The source line and a caret line under columns [column, column+length), trimmed to fit. */
function excerpt(src: string, column: number, length: number): [string, string] {
  let text = src.replace(/\t/g, " ");
  let col = Math.max(1, Math.min(column, text.length + 1));
  let len = Math.max(1, Math.min(length, text.length + 1 - col + 1));
  if (text.length > MAX_LINE) {
    const from = Math.max(0, col - 1 - 60);
    text = (from > 0 ? "…" : "") + text.slice(from, from + MAX_LINE) + (from + MAX_LINE < text.length ? "…" : "");
    col = col - from + (from > 0 ? 1 : 0);
    len = Math.min(len, MAX_LINE - (col - 1));
  }
  return [text, " ".repeat(col - 1) + "^".repeat(Math.max(1, len))];
}

/** One error as the user sees it (no trailing newline). */
export function formatDiagnostic(err: SpikelabError, lookup: SourceLookup = sources()): string {
  const lines: string[] = [];
  const loc = err.loc;
  if (loc === undefined) {
    lines.push(`error: ${err.message}`);
  } else {
    lines.push(`${loc.file}:${loc.line}:${loc.column}: error: ${err.message}`);
    const text = lookup(loc.file);
    const src = text === undefined ? undefined : lineOf(text, loc.line);
    // A line of binary data would only garble the terminal.
    if (src !== undefined && src.trim() !== "" && !/[\x00-\x08\x0b-\x1f\x7f\ufffd]/.test(src)) {
      const [shown, caret] = excerpt(src, loc.column, loc.length ?? 1);
      lines.push(`  ${shown}`, `  ${caret}`);
    }
  }
  if (err.hint !== undefined) lines.push(`hint: ${err.hint}`);
  return lines.join("\n");
}

/** Several errors, one block each, then a count line when there is more than one. */
export function formatDiagnostics(errors: readonly SpikelabError[], lookup: SourceLookup = sources()): string {
  const blocks = errors.map((e) => formatDiagnostic(e, lookup));
  if (errors.length > 1) blocks.push(`${errors.length} errors`);
  return blocks.join("\n");
}

/** Any thrown value as a SpikelabError: a bug becomes an internal error with a plain message, never a stack. */
export function asSpikelabError(e: unknown): SpikelabError {
  if (e instanceof SpikelabError) return e;
  if (e instanceof Error && e.name === "AbortError") return new InterruptedError("interrupted by the user");
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new SpikelabError("resource", "the program is nested too deeply to run", { hint: "split it into named parts" });
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new SpikelabError("runtime", `internal error: ${msg}`, { hint: "this is a bug in spikelab; please report it with the program that caused it" });
}

// An error as the lines of a Jupyter traceback: the language's own diagnostic (file:line:col,
// the source line, a caret, the hint), never a TypeScript stack. Formatting itself belongs to
// dsl/diagnostics.ts; this only adapts it to the list of lines Jupyter wants.

import type { SpikelabError } from "../stdlib/errors.ts";

/** Interim formatter with the same layout as dsl/diagnostics.ts, used until that module lands. */
function formatDiagnostic(e: SpikelabError, source: string): string {
  const lines: string[] = [];
  const loc = e.loc;
  if (loc === undefined) {
    lines.push(`error: ${e.message}`);
  } else {
    lines.push(`${loc.file}:${loc.line}:${loc.column}: error: ${e.message}`);
    const text = source.split(/\r?\n/)[loc.line - 1];
    if (text !== undefined) {
      const gutter = `${loc.line} | `;
      lines.push(`${gutter}${text}`);
      lines.push(`${" ".repeat(gutter.length - 2)}| ${" ".repeat(Math.max(0, loc.column - 1))}${"^".repeat(Math.max(1, loc.length ?? 1))}`);
    }
  }
  if (e.hint !== undefined) lines.push(`hint: ${e.hint}`);
  return lines.join("\n");
}

export function formatTraceback(e: SpikelabError, source: string): string[] {
  return formatDiagnostic(e, source).split("\n");
}

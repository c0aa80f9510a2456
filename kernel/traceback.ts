// An error as the lines of a Jupyter traceback: the language's own diagnostic (file:line:col,
// the source line, a caret, the hint) from dsl/diagnostics.ts, never a TypeScript stack.
// It only adapts that text to the list of lines Jupyter wants, coloured like ipykernel's.

import { formatDiagnostics, sources } from "../dsl/diagnostics.ts";
import type { SpikelabError } from "../stdlib/errors.ts";

const RED = "\u001b[31m";
const CYAN = "\u001b[36m";
const RESET = "\u001b[0m";

/** `file` is the name the cell ran under, so its errors show the cell's own lines. */
export function formatTraceback(errors: readonly SpikelabError[], file: string, code: string): string[] {
  return formatDiagnostics(errors, sources({ [file]: code }))
    .split("\n")
    .map((l) => l.replace(/^(.*?: )?error: /, (m) => `${RED}${m}${RESET}`).replace(/^hint: /, `${CYAN}hint: ${RESET}`));
}

// `spikelab check FILE.snn …`: parses and checks programs without running anything and prints
// every error found (file:line:col, source line, caret, hint). Exit 0 when clean, 1 with
// errors, 2 for a usage mistake. It must not run programs or print stack traces.

import { readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { formatDiagnostics, sources } from "../dsl/diagnostics.ts";

const USAGE = "usage: spikelab check FILE.snn [FILE.snn …]\n";
/** Larger files are refused before reading: no program is this long, and reading one would only stall. */
const MAX_BYTES = 64 * 1024 * 1024;

/** Reads a program file, or explains in one line why it cannot. */
export function readProgram(file: string): { text: string } | { error: string } {
  try {
    const st = statSync(file);
    if (st.isDirectory()) return { error: `${file} is a folder, not a program` };
    if (st.size > MAX_BYTES) return { error: `${file} is ${(st.size / 1024 / 1024).toFixed(0)} MB; programs are limited to ${MAX_BYTES / 1024 / 1024} MB` };
    return { text: readFileSync(file, "utf8") };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: `cannot read ${file}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code ?? String(e)}` };
  }
}

export async function checkCommand(args: string[]): Promise<number> {
  const files = args.filter((a) => !a.startsWith("-"));
  if (files.length === 0 || args.includes("--help") || args.includes("-h")) {
    process.stderr.write(USAGE);
    return files.length === 0 && !args.includes("--help") && !args.includes("-h") ? 2 : 0;
  }
  // Loaded only now: the checker brings in every family's schema (and their engines).
  const { checkText } = await import("../dsl/interpreter.ts");
  let failed = false;
  for (const file of files) {
    const read = readProgram(file);
    if ("error" in read) {
      process.stderr.write(`spikelab: ${read.error}\n`);
      failed = true;
      continue;
    }
    const errors = await checkText(read.text, file, dirname(resolve(file)));
    if (errors.length > 0) {
      process.stderr.write(formatDiagnostics(errors, sources({ [file]: read.text })) + "\n");
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

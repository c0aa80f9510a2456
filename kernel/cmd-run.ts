// `spikelab run FILE.snn [--out DIR]`: runs a program headless. Printed text goes to stdout,
// tables as aligned text (the kernel's text/plain), figures as SVG files in --out DIR (when
// given), progress and `warn` to stderr; `clear` is ignored. Ctrl-C stops the run: its
// InterruptedError, which reports the figures measured so far, prints as a diagnostic and the
// exit code is 130. Other errors print as diagnostics (exit 1), never as a stack.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Output, Value } from "../dsl/api.ts";
import { formatDiagnostic, formatDiagnostics, sources } from "../dsl/diagnostics.ts";
import { figureToSvg } from "../dsl/engine.ts";
import { formatValue } from "../dsl/format.ts";
import { createInterpreter } from "../dsl/interpreter.ts";
import type { Progress } from "../stdlib/context.ts";
import { isSpikelabError } from "../stdlib/errors.ts";
import { readProgram } from "./cmd-check.ts";

const USAGE = "usage: spikelab run FILE.snn [--out DIR]\n";

function parseArgs(args: string[]): { file: string; out: string | undefined } | undefined {
  let file: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--out" || a === "-o") {
      out = args[++i];
      // `--out` needs its folder: without one, figures would silently go nowhere.
      if (out === undefined || out.startsWith("-") || out === "") return undefined;
    } else if (a.startsWith("--out=")) {
      out = a.slice(6);
      if (out === "") return undefined;
    }
    else if (a.startsWith("-") || file !== undefined) return undefined;
    else file = a;
  }
  return file === undefined ? undefined : { file, out };
}

/** A progress line on stderr, shown once a task has run for a second, redrawn at most 10 times a second. */
function progressBar(): { update: (p: Progress) => void; clear: () => void } {
  const tty = process.stderr.isTTY === true;
  let started = new Map<string, number>();
  let lastDraw = 0;
  const finished = new Set<string>();
  let shown = false;
  return {
    update(p) {
      const now = Date.now();
      const t0 = started.get(p.label) ?? now;
      started.set(p.label, t0);
      const elapsed = (now - t0) / 1000;
      if (elapsed < 1 || (now - lastDraw < 100 && p.done < p.total)) return;
      lastDraw = now;
      const frac = p.total > 0 ? p.done / p.total : 0;
      const eta = frac > 0 ? elapsed * (1 - frac) / frac : NaN;
      const figures = Object.entries(p.figures ?? {}).map(([k, v]) => `${k} ${Number(v.toPrecision(4))}`).join(", ");
      const line = `${p.label}: ${p.done}/${p.total} ${p.unit} (${(frac * 100).toFixed(0)} %), ${elapsed.toFixed(1)} s${Number.isFinite(eta) ? `, ETA ${eta.toFixed(1)} s` : ""}${figures ? `, ${figures}` : ""}`;
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else if (p.done >= p.total && !finished.has(p.label)) {
        // Without a terminal to redraw on, one line per finished task.
        finished.add(p.label);
        process.stderr.write(`${line}\n`);
      }
      shown = true;
      if (p.done >= p.total) started = new Map([...started].filter(([k]) => k !== p.label));
    },
    clear() {
      if (shown && tty) process.stderr.write("\r\x1b[K");
      shown = false;
    },
  };
}

export async function runCommand(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }
  const read = readProgram(parsed.file);
  if ("error" in read) {
    process.stderr.write(`spikelab: ${read.error}\n`);
    return 1;
  }
  const interp = createInterpreter({ baseDir: dirname(resolve(parsed.file)) });
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write("\ninterrupting… (Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  const bar = progressBar();
  let figures = 0;
  let svgMissing = false;
  const pending: Promise<void>[] = [];
  const show = (v: Value): void => {
    if (v.kind === "figure") {
      figures++;
      if (parsed.out === undefined) {
        process.stdout.write(`[figure ${figures}: give --out DIR to write it as SVG]\n`);
        return;
      }
      const n = figures;
      pending.push(
        figureToSvg(v.figure).then(
          (svg) => {
            mkdirSync(parsed.out!, { recursive: true });
            const path = join(parsed.out!, `figure-${n}.svg`);
            writeFileSync(path, svg);
            process.stdout.write(`[figure ${n} written to ${path}]\n`);
          },
          (e: unknown) => {
            if (!svgMissing) process.stderr.write(isSpikelabError(e) ? formatDiagnostic(e) + "\n" : `spikelab: cannot write figure ${n}: ${String(e)}\n`);
            svgMissing = true;
          },
        ),
      );
      return;
    }
    process.stdout.write(formatValue(v) + "\n");
  };
  const emit = (o: Output): void => {
    // A terminal's scrollback is not the program's to erase.
    if (o.kind === "clear") return;
    bar.clear();
    if (o.kind === "text") (o.stream === "stderr" ? process.stderr : process.stdout).write(o.text);
    else show(o.value);
  };
  try {
    const result = await interp.execute(read.text, parsed.file, { emit, signal: controller.signal, progress: (p) => bar.update(p) });
    await Promise.all(pending);
    bar.clear();
    if (!result.ok) {
      process.stderr.write(formatDiagnostics(result.errors, sources({ [parsed.file]: read.text })) + "\n");
      return controller.signal.aborted ? 130 : 1;
    }
    if (result.value !== undefined) show(result.value);
    await Promise.all(pending);
    return 0;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

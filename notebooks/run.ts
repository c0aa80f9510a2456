// `npm run notebooks [-- --small] [PATTERN]`: executes every notebooks/NN-*.ipynb headless with
// Jupyter's nbconvert under the installed spikelab (or tslab) kernel, writes the executed notebook
// and an HTML report to notebooks/out/<full|small>/ (gitignored), and fails on any error output.
// `--small` swaps each notebook's `parameters` cell for the small values in its metadata (CI).
// It must not change the notebooks in notebooks/ themselves.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

export const NOTEBOOKS = new URL(".", import.meta.url).pathname;
const ROOT = join(NOTEBOOKS, "..");
const JUPYTER = "/usr/bin/jupyter";
const PYTHON = "/usr/bin/python3";

type Output = { output_type: string; name?: string; text?: string | string[]; ename?: string; evalue?: string; data?: Record<string, unknown> };
type Cell = { cell_type: string; source: string | string[]; metadata?: { tags?: string[] }; outputs?: Output[] };
export type Notebook = { cells: Cell[]; metadata: { kernelspec?: { name?: string }; spikelab?: { ci_parameters?: string } } };

const joined = (x: string | string[] | undefined): string => (Array.isArray(x) ? x.join("") : (x ?? ""));

/** The notebooks to run, in order (the kernel's test fixtures and the tslab route demo are not among them). */
export function notebookFiles(pattern?: RegExp): string[] {
  return readdirSync(NOTEBOOKS)
    .filter((f) => /^\d\d-.*\.ipynb$/.test(f) && (!pattern || pattern.test(f)))
    .sort()
    .map((f) => join(NOTEBOOKS, f));
}

/** The notebook with its `parameters` cell replaced by its CI values (small sizes). */
export function withSmallParameters(nb: Notebook, name: string): Notebook {
  const small = nb.metadata.spikelab?.ci_parameters;
  const i = nb.cells.findIndex((c) => c.metadata?.tags?.includes("parameters"));
  if (small === undefined || i < 0) throw new Error(`${name}: needs a cell tagged "parameters" and metadata.spikelab.ci_parameters`);
  const cells = nb.cells.map((c, k) => (k === i ? { ...c, source: small } : c));
  return { ...nb, cells };
}

/**
 * Every output that reports an error: error outputs, and stderr text with an `error:` diagnostic
 * (tslab reports compile errors as plain stderr text, so under tslab any stderr counts).
 */
export function errorOutputs(nb: Notebook): string[] {
  const tslab = nb.metadata.kernelspec?.name === "tslab";
  const found: string[] = [];
  nb.cells.forEach((c, k) => {
    for (const o of c.outputs ?? []) {
      if (o.output_type === "error") found.push(`cell ${k}: ${o.ename}: ${o.evalue}`);
      else if (o.output_type === "stream" && o.name === "stderr" && (tslab || /error:|Error\b/.test(joined(o.text)))) found.push(`cell ${k}: ${joined(o.text).trim().slice(0, 500)}`);
    }
  });
  return found;
}

/** Installs the spikelab and tslab kernelspecs into a prefix under `out` (once per run). */
export function installKernels(out: string): NodeJS.ProcessEnv {
  const prefix = join(out, "jupyter");
  const run = (args: string[]): void => {
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stderr}`);
  };
  run([join(ROOT, "kernel/bin.js"), "install", "--prefix", prefix]);
  // The TypeScript notebook imports "spikelab" as a user's project would: an installed package
  // (here a link to this checkout) in a node_modules folder above the executed notebooks.
  const link = join(out, "..", "node_modules", "spikelab");
  if (!existsSync(link)) {
    mkdirSync(join(out, "..", "node_modules"), { recursive: true });
    symlinkSync(ROOT, link, "dir");
  }
  run([join(ROOT, "node_modules/tslab/bin/tslab"), "install", `--python=${PYTHON}`, `--prefix=${prefix}`, `--binary=${join(ROOT, "kernel/tslab.js")}`]);
  return { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), JUPYTER_RUNTIME_DIR: join(out, "runtime"), PYDEVD_DISABLE_FILE_VALIDATION: "1" };
}

export interface NotebookRun {
  readonly name: string;
  readonly executed: string;
  readonly html: string;
  readonly seconds: number;
  readonly errors: readonly string[];
}

/** Executes one notebook (full size, or small with `small`) into `out` and exports its HTML. */
export function runNotebook(file: string, o: { small: boolean; out: string; env: NodeJS.ProcessEnv; timeoutSeconds?: number }): NotebookRun {
  const name = basename(file, ".ipynb");
  mkdirSync(o.out, { recursive: true });
  const source = JSON.parse(readFileSync(file, "utf8")) as Notebook;
  const nb = o.small ? withSmallParameters(source, name) : source;
  const executed = join(o.out, `${name}.ipynb`);
  writeFileSync(executed, JSON.stringify(nb, null, 1));
  const t0 = performance.now();
  const timeout = o.timeoutSeconds ?? -1;
  const exec = spawnSync(JUPYTER, ["nbconvert", "--to", "notebook", "--execute", "--inplace", executed, `--ExecutePreprocessor.timeout=${timeout}`, "--allow-errors"], { cwd: o.out, env: o.env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - t0) / 1000;
  const errors: string[] = [];
  if (exec.status !== 0) errors.push(`nbconvert --execute exited ${exec.status}: ${exec.stderr.split("\n").slice(-15).join("\n")}`);
  if (existsSync(executed)) errors.push(...errorOutputs(JSON.parse(readFileSync(executed, "utf8")) as Notebook));
  const html = spawnSync(JUPYTER, ["nbconvert", "--to", "html", executed, "--output-dir", o.out], { cwd: o.out, env: o.env, encoding: "utf8" });
  if (html.status !== 0) errors.push(`nbconvert --to html exited ${html.status}: ${html.stderr.split("\n").slice(-5).join("\n")}`);
  return { name, executed, html: join(o.out, `${name}.html`), seconds, errors };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const small = args.includes("--small");
  const pattern = args.find((a) => !a.startsWith("--"));
  const out = join(NOTEBOOKS, "out", small ? "small" : "full");
  mkdirSync(out, { recursive: true });
  const env = installKernels(out);
  let failed = 0;
  const files = notebookFiles(pattern ? new RegExp(pattern) : undefined);
  for (const f of files) {
    process.stdout.write(`${basename(f)} … `);
    const r = runNotebook(f, { small, out, env });
    process.stdout.write(`${r.errors.length === 0 ? "ok" : "FAILED"} (${r.seconds.toFixed(0)} s) → ${r.html}\n`);
    for (const e of r.errors) process.stdout.write(`  ${e}\n`);
    if (r.errors.length > 0) failed++;
  }
  console.log(`\n${files.length - failed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) await main();

// `npm run bench`: runs every bench/*.bench.ts (or those matching argv[2]) and writes
// bench/results.json, one flat object: figure name → number, plus the CPU model and the date.
// Each benchmark module's default export returns its figures; names are prefixed by nothing,
// so choose unambiguous ones (e.g. "gemm_512_gflops_1core"). Speed lives here, never in tests.
// Each benchmark runs in a process of its own, so a peak-RSS figure is that benchmark's alone
// and no benchmark inherits another's warm caches or worker threads.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";

type Bench = () => Promise<Readonly<Record<string, number>>>;

const dir = new URL(".", import.meta.url).pathname;
const self = new URL(import.meta.url).pathname;
const MARK = "bench-figures: ";

if (process.argv[2] === "--one") {
  // Child: run one benchmark, report its figures on stderr as they come and as JSON on stdout.
  const name = process.argv[3]!;
  const mod = (await import(join(dir, name))) as { default: Bench };
  const figures = await mod.default();
  for (const [k, v] of Object.entries(figures)) process.stderr.write(`  ${k} = ${v}\n`);
  process.stdout.write(`\n${MARK}${JSON.stringify(figures)}\n`, () => process.exit(0));
}

const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
const out = join(dir, "results.json");
// A filtered run updates only its own figures, keeping the others from the last full run.
const results: Record<string, number | string> = filter && existsSync(out) ? JSON.parse(readFileSync(out, "utf8")) : {};

for (const name of readdirSync(dir).filter((f) => f.endsWith(".bench.ts")).sort()) {
  if (filter && !filter.test(name)) continue;
  const t0 = performance.now();
  process.stderr.write(`bench ${name} …\n`);
  const json = execFileSync(process.execPath, [...process.execArgv, self, "--one", name], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 << 20,
  });
  const line = json.split("\n").findLast((l) => l.startsWith(MARK));
  if (line === undefined) throw new Error(`bench ${name} reported no figures`);
  Object.assign(results, JSON.parse(line.slice(MARK.length)) as Record<string, number>);
  process.stderr.write(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}
results.cpu = cpus()[0]?.model ?? "unknown";
results.cores = cpus().length;
results.date = new Date().toISOString();
writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
console.log(`wrote ${out}`);

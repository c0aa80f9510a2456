// `npm run verify [-- PATTERN]`: the full-dataset acceptance checks too slow for `npm test`
// (all 10,000 test images, whole conversions). Runs every test/verify/*.verify.ts module (or
// those matching PATTERN); each default-exports `async () => Record<string, number | string>`,
// throws when a check fails, and returns the figures the issues ask to report.
import { readdirSync } from "node:fs";
import { join } from "node:path";

type Verify = () => Promise<Readonly<Record<string, number | string>>>;

const dir = new URL("./verify/", import.meta.url).pathname;
const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
let passed = 0;
let failed = 0;
for (const name of readdirSync(dir).filter((f) => f.endsWith(".verify.ts")).sort()) {
  if (filter && !filter.test(name)) continue;
  const t0 = performance.now();
  process.stdout.write(`verify ${name} …\n`);
  try {
    const mod = (await import(join(dir, name))) as { default: Verify };
    const figures = await mod.default();
    for (const [k, v] of Object.entries(figures)) process.stdout.write(`  ${k} = ${v}\n`);
    process.stdout.write(`  ✔ ${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
    passed++;
  } catch (e) {
    process.stdout.write(`  ✘ ${name}: ${e instanceof Error ? e.message : String(e)}\n`);
    if (e instanceof Error && e.stack && !("code" in e)) process.stdout.write(`${e.stack}\n`);
    failed++;
  }
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

// `npm test`: type-check the project, run every uvu test file under test/, and end with the
// plain summary line CI reads ("N passed, N failed, N skipped").
// Usage: npm test [-- PATTERN]   (PATTERN filters test files by a regular expression)
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const pattern = process.argv[2] ? new RegExp(process.argv[2]) : null;

function files(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

let failedFiles = 0;
if (!pattern) {
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", root], { stdio: "inherit" });
  if (tsc.status !== 0) {
    console.error("type check failed");
    failedFiles++;
  }
}

let passed = 0, failed = 0, skipped = 0;
const tests = files(join(root, "test")).filter((f) => !pattern || pattern.test(relative(root, f)));
for (const file of tests) {
  // One process per file: a crash or a leaked handle in one file cannot hide another's results.
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: root, encoding: "utf8", env: { ...process.env, FORCE_COLOR: "0" }, maxBuffer: 256 * 1024 * 1024 });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const total = /Total:\s+(\d+)/.exec(r.stdout);
  const ok = /Passed:\s+(\d+)/.exec(r.stdout);
  const skip = /Skipped:\s+(\d+)/.exec(r.stdout);
  if (!total || !ok) {
    console.error(`✘ ${relative(root, file)} did not finish (exit ${r.status}${r.signal ? `, ${r.signal}` : ""})`);
    failed++;
    continue;
  }
  const t = Number(total[1]), p = Number(ok[1]), s = skip ? Number(skip[1]) : 0;
  passed += p;
  skipped += s;
  failed += t - p;
  if (r.status !== 0 && t - p === 0) {
    console.error(`✘ ${relative(root, file)} exited with ${r.status}`);
    failed++;
  }
}
console.log(`\n${passed} passed, ${failed + failedFiles} failed, ${skipped} skipped`);
process.exit(failed + failedFiles > 0 ? 1 : 0);

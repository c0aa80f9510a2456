// Compiles the AssemblyScript kernels (stdlib/tensor/assembly/*.ts) into one WASM module with
// SIMD at -O3, into the gitignored stdlib/tensor/build/. Run by `npm install` through `prepare`
// (and by hand: `node stdlib/tensor/build.mjs`). It must not write anywhere else.
//
// Every top-level file in assembly/ is an entry: another engineer's kernel file is picked up
// by dropping it there (exported names share one namespace, so keep them distinct).
import { mkdirSync, readdirSync, statSync, existsSync } from "node:fs";
import { join, relative } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const src = join(here, "assembly");
const outDir = join(here, "build");
const out = join(outDir, "kernels.wasm");

const entries = readdirSync(src).filter((f) => f.endsWith(".ts")).sort().map((f) => join(src, f));
const newest = Math.max(...entries.map((f) => statSync(f).mtimeMs), statSync(new URL(import.meta.url)).mtimeMs);
if (process.argv.includes("--if-stale") && existsSync(out) && statSync(out).mtimeMs >= newest) process.exit(0);

let asc;
try {
  asc = (await import("assemblyscript/asc")).default;
} catch (e) {
  console.error(`stdlib/tensor/build.mjs: the AssemblyScript compiler is not installed (${e.message}).\n` +
    "Install the project's devDependencies (`npm install` or `npm ci`, without --omit=dev), then run `node stdlib/tensor/build.mjs`.");
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });
const args = [
  ...entries.map((f) => relative(process.cwd(), f)),
  "-o", relative(process.cwd(), out),
  "-O3", "--noAssert",
  "--enable", "simd",
  // Shared memory: growing it never detaches the Float32Array views JS holds into it.
  "--enable", "threads", "--importMemory", "--sharedMemory", "--initialMemory", "16", "--maximumMemory", "65536",
  // No AssemblyScript heap or GC: the kernels only read and write memory JS allocated.
  "--runtime", "stub",
];
const t0 = performance.now();
const { error, stderr } = await asc.main(args);
if (error) {
  console.error(stderr.toString());
  console.error(`stdlib/tensor/build.mjs: compiling the kernels failed: ${error.message}`);
  process.exit(1);
}
console.log(`built ${relative(process.cwd(), out)} from ${entries.length} files in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

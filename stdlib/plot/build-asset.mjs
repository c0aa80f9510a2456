// Minifies plotly.js-dist's 10 MB bundle once into build/plotly.min.js (gitignored), the copy
// stdlib/plot/html.ts embeds in notebooks. Run by `npm install` through `prepare`; skips the work
// when the output is newer than the input. It must not fetch anything: offline by design.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const require = createRequire(import.meta.url);
const source = require.resolve("plotly.js-dist/plotly.js");
const target = join(root, "build", "plotly.min.js");

if (existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs && process.argv[2] !== "--force") {
  process.exit(0);
}

const { transform } = await import("esbuild");
const t0 = Date.now();
const code = readFileSync(source, "utf8");
// legalComments "inline" keeps the licence banners the MIT/BSD licences of the bundled code ask for.
const out = await transform(code, { minify: true, legalComments: "inline", charset: "utf8" });
mkdirSync(dirname(target), { recursive: true });
// Write then rename: a concurrent reader sees the old file or the whole new one.
writeFileSync(`${target}.${process.pid}.tmp`, out.code);
renameSync(`${target}.${process.pid}.tmp`, target);
const mb = (n) => (n / 1e6).toFixed(1);
console.log(`plotly.js ${mb(code.length)} MB -> ${target} ${mb(out.code.length)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

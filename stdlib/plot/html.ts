// Figures as HTML snippets that render offline in classic Notebook, JupyterLab and nbconvert's
// HTML export: plotly.js (minified at build time into build/plotly.min.js) embedded once per
// notebook by plotlyLibraryHtml(), and per figure a div plus a script calling Plotly.newPlot.
// It must never reference a CDN or any URL.

import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { SpikelabError } from "../errors.ts";
import type { Figure } from "./figure.ts";
import { hashString, num, plainJson, type Rec } from "./read.ts";

const root = new URL("../..", import.meta.url).pathname;
const MINIFIED = join(root, "build", "plotly.min.js");

let cached: string | undefined;

/**
 * The minified plotly.js source. Built by `npm install` (stdlib/plot/build-asset.mjs); when the
 * build step was skipped, minified here once (about a second) and cached in build/ if writable.
 */
export function plotlySource(): string {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  let source: string;
  try {
    source = require.resolve("plotly.js-dist/plotly.js");
  } catch (e) {
    throw new SpikelabError("io", "plotly.js is not installed (the npm package plotly.js-dist)", { hint: "run `npm install` in the spikelab directory", cause: e });
  }
  if (existsSync(MINIFIED) && statSync(MINIFIED).mtimeMs >= statSync(source).mtimeMs) {
    cached = readFileSync(MINIFIED, "utf8");
    return cached;
  }
  try {
    const esbuild = require("esbuild") as { transformSync(code: string, o: Record<string, unknown>): { code: string } };
    cached = esbuild.transformSync(readFileSync(source, "utf8"), { minify: true, legalComments: "inline", charset: "utf8" }).code;
  } catch (e) {
    throw new SpikelabError("io", `could not minify plotly.js into ${MINIFIED}`, { hint: "run `node stdlib/plot/build-asset.mjs` (or `npm install`)", cause: e });
  }
  try {
    // Write then rename: a concurrent reader sees the old file or the whole new one.
    mkdirSync(dirname(MINIFIED), { recursive: true });
    const tmp = `${MINIFIED}.${process.pid}.tmp`;
    writeFileSync(tmp, cached);
    renameSync(tmp, MINIFIED);
  } catch {
    // A read-only install keeps the minified copy in memory only.
  }
  return cached;
}

/** Script text safe inside <script>: no `</script`, no `<!--` (HTML's script-data escapes). */
function scriptSafe(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/**
 * plotly.js as one <script>, to emit once per notebook before the first figure. The bundle runs
 * inside a function whose `define`, `module`, `exports` and `require` are undefined, so whatever
 * the page has loaded (the classic Notebook and nbconvert's templates load require.js) the UMD
 * header takes its browser-global branch and sets `window.Plotly`. plotly.js-dist 4.x has no AMD
 * branch, but 1.x–2.x registered an anonymous AMD module, which require.js rejects ("Mismatched
 * anonymous define()") — this is how plotly's own offline mode guarded against that.
 * `PlotlyConfig.MathJaxConfig = 'local'` keeps it from reconfiguring the notebook's MathJax.
 */
export function plotlyLibraryHtml(): string {
  const js = scriptSafe(plotlySource());
  return (
    `<script type="text/javascript">window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n` +
    `<script type="text/javascript">/* plotly.js (MIT), embedded by spikelab for offline use */\n` +
    `(function (define, module, exports, require) {\n${js}\n}).call(window);</script>`
  );
}

export interface FigureHtmlOptions {
  /** Prepend plotlyLibraryHtml() (the first figure of a notebook, or a standalone page). */
  readonly includeLibrary?: boolean;
  /** The div's id; default a hash of the figure (identical figures share one id: pass unique ids). */
  readonly id?: string;
  /**
   * An SVG shown until plotly.js draws, then removed; where scripts never run (an untrusted
   * notebook in JupyterLab, a viewer without JavaScript) it stays. Doubles the output's size.
   */
  readonly fallbackSvg?: string;
}

/** The figure as the JSON Plotly.newPlot takes ({ data, layout, frames, config }), typed arrays as plain arrays. */
export function plotlyJson(fig: Figure): { data: unknown[]; layout: Record<string, unknown>; frames?: unknown[] } {
  const out: { data: unknown[]; layout: Record<string, unknown>; frames?: unknown[] } = {
    data: plainJson(fig.data) as unknown[],
    layout: plainJson(fig.layout) as Record<string, unknown>,
  };
  if (fig.frames && fig.frames.length > 0) out.frames = plainJson(fig.frames) as unknown[];
  return out;
}

/** JSON inside a script: `<` escaped so no text in the data can close the script. */
function jsonForScript(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * A figure as an HTML snippet: a div sized like the figure and a script that draws into it with
 * Plotly.newPlot. The script waits (up to 30 s) for both the div (the classic Notebook runs output
 * scripts before attaching them) and window.Plotly (the library may be in an earlier output).
 */
export function figureHtml(fig: Figure, o: FigureHtmlOptions = {}): string {
  const spec = plotlyJson(fig);
  const json = jsonForScript({ ...spec, config: { responsive: true, displaylogo: false } });
  const id = o.id ?? "spikelab-" + hashString(json);
  const height = num(fig.layout as Rec, "height", 450);
  // The fallback sits beside the plot's div, not inside it: Plotly owns its div's children.
  const fallback = o.fallbackSvg ? `<div id="${id}-static" class="spikelab-static">${o.fallbackSvg}</div>\n` : "";
  const script =
    `(function () {\n` +
    `  var spec = ${json};\n` +
    `  var tries = 0;\n` +
    `  function draw() {\n` +
    `    var gd = document.getElementById(${JSON.stringify(id)});\n` +
    `    if (!gd || !window.Plotly) {\n` +
    `      if (++tries < 600) { setTimeout(draw, 50); return; }\n` +
    `      if (gd) gd.insertAdjacentHTML("afterbegin", "<p>plotly.js is not loaded in this page: re-run the notebook from its first figure.</p>");\n` +
    `      return;\n` +
    `    }\n` +
    `    window.Plotly.newPlot(gd, spec).then(function () {\n` +
    `      var s = document.getElementById(${JSON.stringify(id + "-static")}); if (s) s.parentNode.removeChild(s);\n` +
    `    });\n` +
    `  }\n` +
    `  draw();\n` +
    `})();`;
  const div =
    fallback +
    `<div id="${id}" class="plotly-graph-div spikelab-figure" style="height:${height}px; width:100%;"></div>\n` +
    `<script type="text/javascript">\n${scriptSafe(script)}\n</script>`;
  return (o.includeLibrary ? plotlyLibraryHtml() + "\n" : "") + div;
}

/** A standalone offline HTML page holding figures (for `spikelab run --out` and tests). */
export function figurePageHtml(figs: readonly Figure[], title = "spikelab figures"): string {
  const esc = title.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const body = figs.map((f, i) => figureHtml(f, { includeLibrary: i === 0, id: `spikelab-figure-${i}` })).join("\n");
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${esc}</title></head><body>\n${body}\n</body></html>\n`;
}

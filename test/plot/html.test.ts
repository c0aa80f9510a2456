import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Figure } from "../../stdlib/plot/figure.ts";
import { figureHtml, figurePageHtml, plotlyJson, plotlyLibraryHtml } from "../../stdlib/plot/html.ts";

const fig: Figure = {
  kind: "figure",
  data: [{ type: "scatter", mode: "markers", name: "</script><script>alert(1)</script>", x: new Float64Array([1, 2, NaN]), y: new Int32Array([3, 4, 5]) }],
  layout: { height: 300, title: { text: "a <!-- b" } },
};

test("the Plotly JSON has plain arrays (typed arrays and NaN made JSON-safe)", () => {
  const j = plotlyJson(fig);
  assert.equal((j.data[0] as Record<string, unknown>).x, [1, 2, null]);
  assert.equal((j.data[0] as Record<string, unknown>).y, [3, 4, 5]);
  assert.is(j.frames, undefined);
});

test("a figure's HTML: a sized div and one script; no text in the data can end the script", () => {
  const h = figureHtml(fig, { id: "f1" });
  assert.ok(h.startsWith('<div id="f1" class="plotly-graph-div spikelab-figure" style="height:300px; width:100%;"></div>'));
  assert.is((h.match(/<\/script>/g) ?? []).length, 1);
  assert.is((h.match(/<script/g) ?? []).length, 1);
  assert.not.match(h, "<!--");
  assert.match(h, "window.Plotly.newPlot(gd, spec)");
  assert.match(h, '"config":{"responsive":true,"displaylogo":false}');
  // Without an id: a hash of the figure, the same every time.
  assert.is(figureHtml(fig), figureHtml(fig));
  assert.match(figureHtml(fig), /<div id="spikelab-[0-9a-z]+"/);
  assert.not.match(figureHtml(fig), "src=");
  // A fallback SVG goes beside the plot's div (Plotly owns the div's children), removed by id.
  const fb = figureHtml(fig, { id: "f2", fallbackSvg: "<svg></svg>" });
  assert.ok(fb.startsWith('<div id="f2-static" class="spikelab-static"><svg></svg></div>\n<div id="f2" '));
  assert.match(fb, 'document.getElementById("f2-static")');
});

test("plotly.js is embedded once, minified, inside a function that hides require.js's define", () => {
  const lib = plotlyLibraryHtml();
  assert.ok(lib.length > 3_000_000 && lib.length < 6_000_000, `library size ${lib.length}`);
  assert.match(lib, "(function (define, module, exports, require) {");
  assert.match(lib, "window.PlotlyConfig = {MathJaxConfig: 'local'};");
  assert.not.match(lib, /<script[^>]*\bsrc=/);
  // Only our own closing tags: the bundle contains no "</script" of its own.
  assert.is((lib.match(/<\/script/gi) ?? []).length, 2);
  const page = figurePageHtml([fig, fig, fig]);
  assert.is(page.split("(function (define, module, exports, require)").length - 1, 1);
  assert.is((page.match(/class="plotly-graph-div/g) ?? []).length, 3);
  assert.ok(figureHtml(fig, { includeLibrary: true }).startsWith(lib));
});

test.run();

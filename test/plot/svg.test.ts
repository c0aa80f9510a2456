import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Figure } from "../../stdlib/plot/figure.ts";
import { figureSvg } from "../../stdlib/plot/svg.ts";
import { countClass, pathsOf, tickLabels, tickTexts } from "./svg-query.ts";

const fig = (data: Record<string, unknown>[], layout: Record<string, unknown> = {}): Figure => ({ kind: "figure", data, layout });
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test("one path.point per marker with finite coordinates; lines are one path", () => {
  const y = range(137).map((i) => Math.sin(i / 10));
  y[5] = NaN;
  const svg = figureSvg(fig([{ type: "scatter", mode: "lines+markers", x: range(137), y }]));
  assert.is(countClass(svg, "path", "point"), 136);
  assert.is(countClass(svg, "path", "js-line"), 1);
  // The NaN breaks the line into two runs.
  assert.is((pathsOf(svg, "js-line")[0]!.match(/M/g) ?? []).length, 2);
  const lines = figureSvg(fig([{ type: "scatter", mode: "lines", x: range(137), y }]));
  assert.is(countClass(lines, "path", "point"), 0);
});

test("markers outside a given range are left out", () => {
  const svg = figureSvg(fig([{ type: "scatter", mode: "markers", x: range(100), y: range(100) }], { xaxis: { range: [10, 19] } }));
  assert.is(countClass(svg, "path", "point"), 10);
});

test("same figure, same bytes; typed arrays render like plain arrays", () => {
  const a = fig([{ type: "scatter", mode: "markers", x: [1, 2, 3], y: [3, 1, 2], name: "a" }, { type: "bar", x: [1, 2, 3], y: [1, 2, 3], name: "b" }], { title: { text: "t" } });
  const b = fig([{ type: "scatter", mode: "markers", x: new Float64Array([1, 2, 3]), y: new Int32Array([3, 1, 2]), name: "a" }, { type: "bar", x: [1, 2, 3], y: new Float32Array([1, 2, 3]), name: "b" }], { title: { text: "t" } });
  assert.is(figureSvg(a), figureSvg(a));
  assert.is(figureSvg(a), figureSvg(b));
  assert.ok(figureSvg(a).startsWith('<svg xmlns="http://www.w3.org/2000/svg" class="spikelab-svg" width="700" height="450"'));
});

test("axes: Plotly's default margins and ticks; tick pixels follow the data", () => {
  // Lines only: no padding along x, so the axis runs exactly 0…40 over 80…620 px.
  const svg = figureSvg(fig([{ type: "scatter", mode: "lines", x: [0, 40], y: [0, 1] }]));
  const xt = tickTexts(svg, "x");
  assert.equal(xt.map((t) => t.label), ["0", "10", "20", "30", "40"]);
  assert.equal(xt.map((t) => t.x), [80, 215, 350, 485, 620]);
  assert.equal(tickLabels(svg, "y"), ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
});

test("log axes label decades; category axes label categories; titles and tick formats", () => {
  const svg = figureSvg(fig([{ type: "scatter", x: [1, 10, 100, 1000, 1e4, 1e5, 1e6], y: [1, 2, 3, 4, 5, 6, 7] }],
    { xaxis: { type: "log", title: { text: "operations" } }, yaxis: { tickformat: ".0%" } }));
  assert.equal(tickLabels(svg, "x"), ["1", "10", "100", "1000", "10k", "100k", "1M"]);
  assert.ok(tickLabels(svg, "y").every((l) => l.endsWith("%")));
  assert.match(svg, /<text class="xtitle"[^>]*>operations<\/text>/);
  const bars = figureSvg(fig([{ type: "bar", x: ["rate", "amos", "ttfs"], y: [99.1, 98.9, 99.2] }]));
  assert.equal(tickLabels(bars, "x"), ["rate", "amos", "ttfs"]);
  assert.is(countClass(bars, "path", "point"), 3);
});

test("grouped bars split each slot; stacked bars sit on each other", () => {
  const grouped = figureSvg(fig([{ type: "bar", x: [0, 1], y: [1, 2] }, { type: "bar", x: [0, 1], y: [2, 1] }], { width: 500, height: 400, margin: { l: 0, r: 0, t: 0, b: 0 }, showlegend: false }));
  const widths = pathsOf(grouped, "point").map((d) => {
    const m = /^M([\d.]+),[\d.]+V[\d.]+H([\d.]+)/.exec(d)!;
    return Number(m[2]) - Number(m[1]);
  });
  // Positions 1 apart own a slot of 1 (the axis spans −0.5…1.5 over 500 px); bargap 0.2 leaves
  // 0.8 of it, shared by two traces: 0.4 units = 100 px each.
  assert.equal(widths, [100, 100, 100, 100]);
  const stacked = figureSvg(fig([{ type: "bar", x: [0], y: [1] }, { type: "bar", x: [0], y: [2] }], { barmode: "stack", showlegend: false }));
  const [d0, d1] = pathsOf(stacked, "point");
  const top0 = Number(/V([\d.]+)/.exec(d0!)![1]);
  const base1 = Number(/^M[\d.]+,([\d.]+)/.exec(d1!)![1]);
  assert.is(top0, base1);
});

test("stacked subplots: each y axis in its own domain, one shared x axis at the bottom", () => {
  const svg = figureSvg(fig(
    [{ type: "scatter", x: [0, 1], y: [0, 1] }, { type: "scatter", x: [0, 1], y: [0, 1], yaxis: "y2" }],
    { yaxis: { domain: [0, 0.45] }, yaxis2: { domain: [0.55, 1] }, xaxis: { anchor: "y" } },
  ));
  const y1 = tickTexts(svg, "y").map((t) => t.y), y2 = tickTexts(svg, "y2").map((t) => t.y);
  assert.ok(Math.min(...y1) > Math.max(...y2), "y (bottom domain) lies below y2");
  const x = tickTexts(svg, "x").map((t) => t.y);
  assert.ok(x.every((v) => v > Math.max(...y1)), "x labels under the bottom subplot");
  assert.is(countClass(svg, "g", "subplot xy"), 1);
  assert.is(countClass(svg, "g", "subplot xy2"), 1);
  // Side by side: x domains split the width, each x axis under its own y.
  const side = figureSvg(fig(
    [{ type: "scatter", x: [0, 1], y: [0, 1] }, { type: "scatter", x: [0, 1], y: [0, 1], xaxis: "x2", yaxis: "y2" }],
    { xaxis: { domain: [0, 0.45] }, xaxis2: { domain: [0.55, 1] }, yaxis2: { anchor: "x2" }, margin: { l: 0, r: 0, t: 0, b: 0 }, width: 1000, showlegend: false },
  ));
  const x1 = tickTexts(side, "x").map((t) => t.x), x2 = tickTexts(side, "x2").map((t) => t.x);
  assert.ok(Math.max(...x1) <= 450 && Math.min(...x2) >= 550, `${x1} | ${x2}`);
});

test("shapes: shaded windows in data x and axis-domain y, threshold lines across the paper", () => {
  const svg = figureSvg(fig(
    [{ type: "scatter", mode: "lines", x: [0, 10], y: [0, 1] }],
    {
      shapes: [
        { type: "rect", xref: "x", yref: "y domain", x0: 2, x1: 4, y0: 0, y1: 1, fillcolor: "rgba(255,0,0,0.2)", line: { width: 0 }, layer: "below" },
        { type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: 0.5, y1: 0.5, line: { dash: "dash", color: "#d62728" } },
      ],
    },
  ));
  const rect = pathsOf(svg, "shape rect")[0]!;
  // x: 0…10 over 80…620 px, so 2 → 188 and 4 → 296; y domain: the whole plot area 100…370.
  assert.is(rect, "M188,370H296V100H188Z");
  assert.match(svg, /<path class="shape rect" d="[^"]*" fill="rgb\(255,0,0\)" fill-opacity="0.2" stroke="none"\/>/);
  const line = pathsOf(svg, "shape line")[0]!;
  assert.match(line, /^M80,([\d.]+)L620,\1$/);
  assert.match(svg, /stroke-dasharray="9,9"/);
  assert.ok(svg.indexOf("shapelayer below") < svg.indexOf('class="plots"'), "below-layer shapes come before the traces");
});

test("legend, title, annotations and text escaping", () => {
  const svg = figureSvg(fig(
    [{ type: "scatter", name: "SNN <rate> & co", x: [0, 1], y: [0, 1] }, { type: "scatter", name: "ANN", x: [0, 1], y: [1, 0] }],
    { title: { text: "Accuracy <b>over</b> time" }, annotations: [{ x: 0.5, y: 0.5, text: "x<sub>i</sub>", showarrow: false }] },
  ));
  assert.is(countClass(svg, "text", "legendtext"), 2);
  assert.match(svg, "SNN &lt;rate&gt; &amp; co");
  assert.match(svg, '<tspan font-weight="bold">over</tspan>');
  assert.match(svg, 'x<tspan baseline-shift="sub" font-size="70%">i</tspan>');
  assert.match(svg, "<title>Accuracy  over  time</title>");
  const single = figureSvg(fig([{ type: "scatter", name: "only", x: [0, 1], y: [0, 1] }]));
  assert.is(countClass(single, "text", "legendtext"), 0);
});

test("histograms bin like Plotly; heatmaps draw one cell per value and a colour bar", () => {
  const h = figureSvg(fig([{ type: "histogram", x: [0, 1, 1, 2, 2, 2, 3, 3, 4] }]));
  assert.is(countClass(h, "path", "point"), 5);
  const hm = figureSvg(fig([{ type: "heatmap", z: [[1, 2, 3], [4, 5, 6]] }]));
  const cells = /<g class="trace heatmap"[^>]*>(.*?)<\/g>/.exec(hm)![1]!;
  assert.is((cells.match(/<rect /g) ?? []).length, 6);
  assert.match(hm, '<g class="colorbar">');
});

test("sliders and play buttons are drawn as a static picture of the current state", () => {
  const svg = figureSvg(fig([{ type: "scatter", x: [0, 1], y: [0, 1] }], {
    sliders: [{ active: 1, currentvalue: { prefix: "T = " }, steps: [{ label: "10" }, { label: "30" }, { label: "100" }] }],
    updatemenus: [{ type: "buttons", direction: "left", buttons: [{ label: "Play" }, { label: "Pause" }] }],
  }));
  assert.match(svg, /class="slider-current-value"[^>]*>T = 30</);
  assert.is(countClass(svg, "path", "slider-tick"), 3);
  assert.is((svg.match(/class="updatemenu-button"/g) ?? []).length, 2);
});

test("a trace type the SVG does not draw is named in a note, the rest still drawn", () => {
  const svg = figureSvg(fig([{ type: "scatter3d", x: [1], y: [1], z: [1] }, { type: "scatter", mode: "markers", x: [1, 2], y: [1, 2] }]));
  assert.match(svg, "static view omits trace type: scatter3d");
  assert.is(countClass(svg, "path", "point"), 2);
});

test.run();

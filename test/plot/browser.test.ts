// Figures in a real browser (headless Chromium, offline): Plotly draws the same marks and the
// same ticks as the static SVG, plotly.js loads beside require.js as in the classic Notebook,
// animation frames move, and the static SVG parses and paints its zero-length-segment markers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SpikeRecord } from "../../stdlib/ir/results.ts";
import { rasterPlaybackFigure } from "../../stdlib/plot/animate.ts";
import { accuracyFigure, barFigure, errorVsOpsFigure, lineFigure, rateHistogramFigure, scatterFigure } from "../../stdlib/plot/charts.ts";
import type { Figure } from "../../stdlib/plot/figure.ts";
import { autoBins } from "../../stdlib/plot/histogram.ts";
import { figureHtml, figurePageHtml, plotlyLibraryHtml } from "../../stdlib/plot/html.ts";
import { membraneFigure, rasterFigure } from "../../stdlib/plot/raster.ts";
import { figureSvg } from "../../stdlib/plot/svg.ts";
import type { Page } from "playwright-core";
import { hasChromium, openFile, openHtml } from "../helpers/browser.ts";
import { withTool } from "../helpers/outside.ts";

const it = withTool(test, hasChromium(), "Chromium", "apt-get install chromium");

let seed = 11;
const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;

function record(layer: string, neurons: number, steps: number, p: number): SpikeRecord {
  const n: number[] = [], t: number[] = [];
  for (let s = 0; s < steps; s++) for (let i = 0; i < neurons; i++) if (rnd() < p) { n.push(i); t.push(s); }
  return { sample: 0, layer, neurons, neuron: Int32Array.from(n), time: Float64Array.from(t) };
}

const records = [record("input", 40, 60, 0.2), record("conv1", 80, 60, 0.1), record("out", 10, 60, 0.3)];
const spikes = records.reduce((s, r) => s + r.neuron.length, 0);
const T = Array.from({ length: 60 }, (_, i) => i + 1);
const figures: Figure[] = ([
  rasterFigure(records, { title: "raster" }),
  accuracyFigure([{ name: "SNN", time: T, accuracy: T.map((t) => 0.99 - 0.9 * Math.exp(-t / 9)) }], { ann: 0.991 }),
  errorVsOpsFigure([{ name: "SNN", ops: T.map((t) => t * 4e4), error: T.map((t) => 0.01 + 0.9 * Math.exp(-t / 9)) }], { annOps: 1.3e6, annError: 0.009 }),
  rateHistogramFigure([{ layer: "conv1", rates: Array.from({ length: 800 }, () => rnd() * rnd()) }]),
  membraneFigure([{ label: "n0", time: T, membrane: T.map((t) => (t * 0.37) % 1), spikes: [3, 6, 9] }, { label: "n1", time: T, membrane: T.map((t) => (t * 0.13) % 1) }], { threshold: 1, title: "membrane" }),
  barFigure(["rate", "amos", "ttfs"], [{ name: "SNN", values: [98.9, 98.7, 99.1] }, { name: "ANN", values: [99.1, 99.1, 99.1] }], { yTitle: "accuracy (%)" }),
  scatterFigure([{ name: "conv1", x: T.map((t) => t / 60), y: T.map((t) => t / 60 + (rnd() - 0.5) * 0.1) }], { line: "identity", logY: false }),
  lineFigure([1, 2, 3].map((d) => ({ name: `layer ${d}`, x: T, y: T.map((t) => d / t) })), { logX: true, logY: true }),
  { kind: "figure", data: [{ type: "heatmap", z: [[1, 2, 3], [4, 5, 6], [7, 8, 9]] }], layout: { title: { text: "heat" } } },
  rasterPlaybackFigure(records.slice(0, 2), { frames: 5 }),
] as Figure[]).map((f) => ({ ...f, layout: { ...f.layout, width: 700 } }));

// Page-side code is written as strings: the project's TypeScript has no DOM types (on purpose).
async function inPage<T>(page: Page, js: string): Promise<T> {
  return (await page.evaluate(js)) as T;
}

/** Plotly's tick label texts of one axis ("x", "y2", …) in the figure div `id`. */
async function plotlyTicks(page: Page, id: string, axis: string): Promise<string[]> {
  return inPage(page, `Array.from(document.querySelectorAll("#${id} g.${axis}tick text")).map((e) => e.textContent)`);
}

/** Centres of an axis's tick labels, relative to the figure's top-left corner: [label, x, y]. */
async function tickCentres(page: Page, root: string, selector: string): Promise<[string, number, number][]> {
  return inPage(page, `(() => {
    const r = document.querySelector(${JSON.stringify(root)}).getBoundingClientRect();
    return Array.from(document.querySelectorAll(${JSON.stringify(root + " " + selector)})).map((e) => {
      const b = e.getBoundingClientRect();
      return [e.textContent, b.left + b.width / 2 - r.left, b.top + b.height / 2 - r.top];
    });
  })()`);
}

it("figures render offline in Chromium: one path.point per spike, and Plotly's ticks are the SVG's, in the same places", async () => {
  // Each figure twice: our SVG inline, then Plotly's rendering of the same spec.
  const body = figures.map((f, i) => `<div id="mine-${i}" style="width:700px">${figureSvg(f)}</div>\n${figureHtml(f, { includeLibrary: i === 0, id: `spikelab-figure-${i}` })}`).join("\n");
  const o = await openHtml(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">${body}</body></html>`, { width: 720 });
  try {
    await o.page.waitForFunction(`document.querySelectorAll(".plotly-graph-div .plot-container").length === ${figures.length}`, null, { timeout: 60_000 });
    assert.equal(o.blocked, [], "no request left the machine");
    assert.equal(o.errors, []);
    assert.is(await o.page.locator("#spikelab-figure-0 path.point").count(), spikes);
    assert.is(await o.page.locator("#mine-0 path.point").count(), spikes);
    const axesOf: readonly string[][] = [["x", "y", "y2", "y3"], ...figures.slice(1, -1).map(() => ["x", "y"]), ["x", "y", "y2"]];
    for (let i = 0; i < figures.length; i++) {
      for (const axis of axesOf[i]!) {
        const mine = await tickCentres(o.page, `#mine-${i}`, `[data-axis="${axis}"] text.${axis[0]}tick`);
        const theirs = await tickCentres(o.page, `#spikelab-figure-${i}`, `g.${axis}tick text`);
        assert.ok(mine.length >= 3, `figure ${i} axis ${axis} has ticks`);
        assert.equal(mine.map((t) => t[0]), theirs.map((t) => t[0]), `figure ${i} axis ${axis} labels`);
        // Same range, margins and domains: each label within 4 px of Plotly's along its axis (the
        // SVG estimates text widths without font metrics, which moves a legend-pushed margin a
        // little, and Plotly nudges a log axis's decade labels by ~3 px).
        const along = axis[0] === "x" ? 1 : 2;
        const off = mine.map((t, k) => Math.abs(t[along] - theirs[k]![along]));
        assert.ok(Math.max(...off) <= 4, `figure ${i} axis ${axis}: label offsets ${off.map((v) => v.toFixed(1)).join(" ")}`);
      }
    }
    // Automatic histogram bins: ours equal the ones Plotly computes for the same data.
    const data = [0, 1, 2, 3].map((k) => Array.from({ length: 50 + 100 * k }, () => Math.round(rnd() * (k + 1) * 1000) / 100));
    const got = await inPage<number[][]>(o.page, `(async () => {
      const out = [];
      for (const x of ${JSON.stringify(data)}) {
        const el = document.createElement("div");
        document.body.appendChild(el);
        const gd = await Plotly.newPlot(el, [{ type: "histogram", x }]);
        const b = gd._fullData[0].xbins;
        out.push([b.start, b.end, b.size]);
      }
      return out;
    })()`);
    assert.equal(got, data.map((d) => { const b = autoBins(d); return [b.start, b.end, b.size]; }));
  } finally {
    await o.close();
  }
});

it("classic Notebook: plotly.js loads beside require.js, and a figure whose script runs before it is attached still draws", async () => {
  const fig = figureHtml(figures[0]!, { id: "fig-after" });
  const esc = (s: string): string => JSON.stringify(s).replace(/</g, "\\u003c");
  // Like the classic Notebook's output area (jQuery .html()): parse into a detached element,
  // evaluate its scripts in order, attach the element afterwards.
  const page = `<!DOCTYPE html><html><head><meta charset="utf-8"><script>
window.defineCalls = 0;
window.define = function () { window.defineCalls++; throw new Error("Mismatched anonymous define()"); };
window.define.amd = {};
window.require = window.requirejs = function () {};
function emit(html, delay) {
  var area = document.createElement("div");
  area.innerHTML = html;
  area.querySelectorAll("script").forEach(function (s) { var n = document.createElement("script"); n.text = s.text; document.head.appendChild(n); document.head.removeChild(n); });
  setTimeout(function () { document.getElementById("out").appendChild(area); }, delay);
}
</script></head><body><div id="out"></div><script>
emit(${esc(plotlyLibraryHtml())}, 0);
emit(${esc(fig)}, 300);
</script></body></html>`;
  const o = await openHtml(page);
  try {
    await o.page.waitForSelector("#fig-after .plot-container", { timeout: 60_000 });
    assert.is(await inPage(o.page, "window.defineCalls"), 0);
    assert.is(await inPage(o.page, "typeof window.Plotly"), "object");
    assert.is(await o.page.locator("#fig-after path.point").count(), spikes);
    assert.equal(o.errors, []);
    assert.equal(o.blocked, []);
  } finally {
    await o.close();
  }
});

it("a fallback SVG shows where scripts never run, and is removed once Plotly has drawn", async () => {
  const fig = figures[0]!;
  // A function replacement: the library text holds "$&"-like sequences a string replacement would expand.
  const page = figurePageHtml([]).replace("</body>", () => `${figureHtml(fig, { includeLibrary: true, id: "fb", fallbackSvg: figureSvg(fig) })}</body>`);
  const off = await openHtml(page, { javaScript: false });
  try {
    assert.is(await off.page.locator("#fb-static path.point").count(), spikes);
    assert.is(await off.page.locator("#fb .plot-container").count(), 0);
  } finally {
    await off.close();
  }
  const on = await openHtml(page);
  try {
    await on.page.waitForSelector("#fb .plot-container", { timeout: 60_000 });
    await on.page.waitForFunction('document.getElementById("fb-static") === null', null, { timeout: 10_000 });
    assert.is(await on.page.locator("path.point").count(), spikes, "only Plotly's markers remain");
    assert.equal(on.errors, []);
  } finally {
    await on.close();
  }
});

it("a raster that plays: slider and buttons drawn, a frame moves the cursor without a kernel", async () => {
  const fig = rasterPlaybackFigure(records.slice(0, 2), { frames: 6 });
  const frameNames = (fig.frames ?? []).map((f) => String(f.name));
  assert.equal(frameNames, ["t=10", "t=20", "t=30", "t=40", "t=50", "t=59"]);
  const o = await openHtml(figurePageHtml([fig]));
  try {
    await o.page.waitForSelector("#spikelab-figure-0 .slider-container", { timeout: 60_000 });
    assert.is(await o.page.locator("#spikelab-figure-0 .updatemenu-button").count(), 2);
    const x0 = await inPage<number[]>(o.page, `(async () => {
      const gd = document.getElementById("spikelab-figure-0");
      await Plotly.animate(gd, ["t=20"], { mode: "immediate", frame: { duration: 0, redraw: true }, transition: { duration: 0 } });
      return gd.layout.shapes.filter((s) => s.fillcolor === "#fff").map((s) => s.x0);
    })()`);
    assert.equal(x0, [20]);
    assert.is(await o.page.locator("#spikelab-figure-0 path.point").count(), records[0]!.neuron.length + records[1]!.neuron.length);
    assert.equal(o.errors, []);
  } finally {
    await o.close();
  }
});

it("the static SVG parses as a document and its markers paint (round, square and tick marks)", async () => {
  const svg = figureSvg({
    kind: "figure",
    data: [
      { type: "scatter", mode: "markers", x: [1], y: [1], marker: { size: 30, color: "#ff0000" } },
      { type: "scatter", mode: "markers", x: [2], y: [1], marker: { size: 30, color: "#00ff00", symbol: "square" } },
      { type: "scatter", mode: "markers", x: [3], y: [1], marker: { size: 30, color: "#0000ff", symbol: "line-ns-open", line: { width: 6, color: "#0000ff" } } },
    ],
    layout: { width: 400, height: 300, margin: { l: 0, r: 0, t: 0, b: 0 }, showlegend: false, xaxis: { range: [0, 4] }, yaxis: { range: [0, 2] } },
  });
  const dir = mkdtempSync(join(tmpdir(), "spikelab-svg-"));
  const file = join(dir, "f.svg");
  writeFileSync(file, svg);
  const o = await openFile(file, { width: 400, height: 300 });
  try {
    assert.is(await inPage(o.page, "document.documentElement.tagName"), "svg");
    assert.is(await inPage(o.page, 'document.getElementsByTagName("parsererror").length'), 0);
    assert.is(await o.page.locator("path.point").count(), 3);
    // Centres of the three markers, a point in the square's corner (outside a circle of the same
    // size), a point down the tick, and the same corner offset beside the circle.
    const probes = [[100, 150], [200, 150], [300, 150], [212, 162], [300, 162], [112, 162]];
    const pixels = await inPage<number[][]>(o.page, `(async () => {
      const img = new Image();
      img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(${JSON.stringify(svg)});
      await img.decode();
      const c = document.createElementNS("http://www.w3.org/1999/xhtml", "canvas");
      c.width = 400; c.height = 300;
      const ctx = c.getContext("2d");
      ctx.drawImage(img, 0, 0);
      return ${JSON.stringify(probes)}.map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3)));
    })()`);
    assert.equal(pixels.slice(0, 3), [[255, 0, 0], [0, 255, 0], [0, 0, 255]]);
    assert.equal(pixels[3], [0, 255, 0], "square cap fills the corner");
    assert.equal(pixels[4], [0, 0, 255], "the tick runs vertically");
    assert.equal(pixels[5], [255, 255, 255], "round cap leaves the corner empty");
  } finally {
    await o.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();

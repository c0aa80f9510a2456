import { test } from "uvu";
import * as assert from "uvu/assert";
import { SpikelabError } from "../../stdlib/errors.ts";
import type { SpikeRecord } from "../../stdlib/ir/results.ts";
import { animate, rasterPlaybackFigure, sweepSliderFigure } from "../../stdlib/plot/animate.ts";
import { accuracyFigure, barFigure, errorVsOpsFigure, histogramFigure, scatterFigure, staircaseFigure } from "../../stdlib/plot/charts.ts";
import type { Figure } from "../../stdlib/plot/figure.ts";
import { membraneFigure, rasterFigure, rasterLayers } from "../../stdlib/plot/raster.ts";
import { figureSvg } from "../../stdlib/plot/svg.ts";
import { countClass, pathsOf, tickLabels, tickTexts } from "./svg-query.ts";

type R = Record<string, unknown>;
const trace = (f: Figure, i: number): R => f.data[i] as R;
const len = (v: unknown): number => (v as ArrayLike<unknown>).length;

function rec(layer: string, neurons: number, pairs: [number, number][]): SpikeRecord {
  return { sample: 0, layer, neurons, neuron: Int32Array.from(pairs.map((p) => p[0])), time: Float64Array.from(pairs.map((p) => p[1])) };
}

/** Neuron i fires at every step t with (i + t) % k == 0: a known, dense pattern. */
function dense(layer: string, neurons: number, steps: number, k: number): SpikeRecord {
  const pairs: [number, number][] = [];
  for (let t = 0; t < steps; t++) for (let i = 0; i < neurons; i++) if ((i + t) % k === 0) pairs.push([i, t]);
  return rec(layer, neurons, pairs);
}

const expectError = (fn: () => unknown, code: string, message: RegExp): void => {
  try {
    fn();
    assert.unreachable("expected a SpikelabError");
  } catch (e) {
    assert.instance(e, SpikelabError);
    assert.is((e as SpikelabError).code, code);
    assert.match((e as Error).message, message);
    assert.ok((e as SpikelabError).hint, "has a hint");
  }
};

test("raster: a subplot per layer, the first on top, one marker per spike", () => {
  const rs = [dense("input", 20, 30, 3), dense("conv1", 50, 30, 7), rec("out", 10, [[3, 12], [7, 29.123456]])];
  const f = rasterFigure(rs);
  assert.is(f.data.length, 3);
  assert.equal(rs.map((_, i) => len(trace(f, i).x)), rs.map((r) => r.neuron.length));
  const d = (k: string): number[] => ((f.layout[k] as R).domain as number[]);
  assert.ok(d("yaxis")[0]! > d("yaxis2")[1]! && d("yaxis2")[0]! > d("yaxis3")[1]!, "stacked top to bottom");
  assert.is((f.layout.xaxis as R).anchor, "y3");
  assert.equal(Array.from(trace(f, 2).x as Float64Array), [12, 29.1235]);
  const svg = figureSvg(f);
  assert.is(countClass(svg, "path", "point"), rs.reduce((s, r) => s + r.neuron.length, 0));
  assert.equal(tickLabels(svg, "y3"), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
});

test("raster: over maxSpikes, a layer shows every k-th neuron and says so", () => {
  const big = dense("conv1", 400, 100, 2); // 20,000 spikes
  const small = dense("fc", 10, 100, 5); // 200 spikes
  const info = rasterLayers([big, small], 4000);
  assert.equal(info.map((i) => [i.stride, i.spikesTotal]), [[10, 20000], [1, 200]]);
  // Neurons 0, 10, 20 … keep their spikes: each fires every other step.
  assert.is(info[0]!.spikesShown, 40 * 50);
  const f = rasterFigure([big, small], { maxSpikes: 4000 });
  assert.is(countClass(figureSvg(f), "path", "point"), 2000 + 200);
  assert.match(String(((f.layout.yaxis as R).title as R).text), "every 10th of 400");
  expectError(() => rasterFigure([]), "param", /no spike recordings/);
});

test("raster: each layer's window shaded in its own subplot", () => {
  const f = rasterFigure([rec("l1", 5, [[0, 1.2]]), rec("l2", 5, [[1, 2.7]])], { windows: [{ layer: "l1", start: 1, end: 2.5 }, { layer: "l2", start: 2.5, end: 4 }], timeLabel: "time (units)" });
  const shapes = f.layout.shapes as R[];
  assert.equal(shapes.map((s) => [s.yref, s.x0, s.x1]), [["y domain", 1, 2.5], ["y2 domain", 2.5, 4]]);
  assert.is(countClass(figureSvg(f), "path", "shape rect"), 2);
});

test("membrane: traces, threshold line, spikes marked at the threshold", () => {
  const f = membraneFigure([{ label: "n0", time: [0, 1, 2, 3], membrane: [0, 0.6, 0.2, 0.8], spikes: [2] }], { threshold: 1, steps: true });
  assert.is(f.data.length, 2);
  assert.equal(Array.from(trace(f, 1).y as Float64Array), [1]);
  assert.equal(((f.layout.shapes as R[])[0]!), { type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: 1, y1: 1, line: { color: "#d62728", width: 1.5, dash: "dash" } });
  assert.is((trace(f, 0).line as R).shape, "hv");
});

test("accuracy over time: SNN in percent, the ANN a flat dashed line over the same time span", () => {
  const f = accuracyFigure([{ name: "SNN", time: [10, 20, 50], accuracy: [0.5, 0.9, 0.99] }], { ann: 0.991 });
  assert.equal(Array.from(trace(f, 0).y as Float64Array), [50, 90, 99]);
  assert.equal([trace(f, 1).x, trace(f, 1).y, trace(f, 1).name], [[10, 50], [99.1, 99.1], "ANN"]);
  const e = accuracyFigure([{ name: "SNN", time: [1, 2], accuracy: [0.9, 0.99] }], { as: "error" });
  assert.equal(Array.from(trace(e, 0).y as Float64Array).map((v) => Math.round(v * 1e9) / 1e9), [10, 1]);
  assert.is((e.layout.yaxis as R).type, "log");
  expectError(() => accuracyFigure([{ name: "SNN", time: [1, 2], accuracy: [1] }]), "shape", /"SNN" has 2 x values but 1 y values/);
});

test("error vs operations: log x, the ANN's operation count a vertical line with its label", () => {
  const f = errorVsOpsFigure([{ name: "rate", ops: [1e4, 1e5, 1e6], error: [0.5, 0.05, 0.01] }], { annOps: 1.25e6, annError: 0.009 });
  assert.is((f.layout.xaxis as R).type, "log");
  const line = (f.layout.shapes as R[])[0]!;
  assert.equal([line.type, line.x0, line.x1, line.yref], ["line", 1.25e6, 1.25e6, "paper"]);
  const ann = (f.layout.annotations as R[])[0]!;
  assert.equal([ann.x, ann.text], [Math.log10(1.25e6), " ANN: 1.25M ops"]);
  assert.equal([trace(f, 1).x, trace(f, 1).y], [[1.25e6], [0.9]]);
  const svg = figureSvg(f);
  // The line sits where the x axis puts 1.25M: between the 1M tick and the 2 tick (2M).
  const lineX = Number(/^M([\d.]+),/.exec(pathsOf(svg, "shape line")[0]!)![1]);
  const ticks = tickTexts(svg, "x");
  const i1M = ticks.findIndex((t) => t.label === "1M");
  assert.is(ticks[i1M + 1]!.label, "2");
  assert.ok(lineX > ticks[i1M]!.x && lineX < ticks[i1M + 1]!.x, `${ticks[i1M]!.x} < ${lineX} < ${ticks[i1M + 1]!.x}`);
});

test("scatter: large series thinned to maxPoints, reference lines over the data's span", () => {
  const x = Array.from({ length: 12_000 }, (_, i) => i / 12_000);
  const f = scatterFigure([{ name: "conv1", x, y: x.map((v) => v * 0.9) }], { line: "identity", maxPoints: 5000 });
  assert.is(len(trace(f, 0).x), 4000);
  assert.is(trace(f, 0).name, "conv1 (every 3th)");
  assert.equal([trace(f, 1).x, trace(f, 1).y], [[0, 11997 / 12000], [0, 11997 / 12000]]);
  const ttfs = scatterFigure([{ name: "l1", x: [0, 1], y: [2.5, 1.5] }], { line: [{ slope: -1, intercept: 2.5, name: "l1: t = 2.5 − x" }, { slope: -1, intercept: 4 }] });
  assert.equal(ttfs.data.slice(1).map((d) => (d as R).y), [[2.5, 1.5], [4, 3]]);
});

test("staircase, bars, histograms", () => {
  const s = staircaseFigure([0, 1, 2], [0, 1, 2], [{ K: 2, y: [0, 0.5, 2] }]);
  assert.equal([trace(s, 1).name, (trace(s, 1).line as R).shape], ["K = 2", "hv"]);
  expectError(() => barFigure(["a", "b"], [{ name: "acc", values: [1] }]), "shape", /1 values for 2 categories/);
  const h = histogramFigure([{ name: "a", values: [0, 1, 1, 2] }, { name: "b", values: [5, 6] }], { bins: 10 });
  assert.equal(trace(h, 0).xbins, trace(h, 1).xbins);
  assert.equal(trace(h, 0).xbins, { start: -0.5, end: 6.5, size: 1 });
  // a: bins 0, 1, 2; b: bins 5, 6 (empty bins at the ends are dropped, as Plotly does).
  assert.is(countClass(figureSvg(h), "path", "point"), 5);
});

test("animation: a slider step per frame, the active frame's data loaded first", () => {
  const base: Figure = { kind: "figure", data: [{ type: "scatter", x: [0], y: [0] }], layout: { height: 400 } };
  const frames = [10, 30, 100].map((T) => ({ name: `T=${T}`, label: String(T), data: [{ x: [0, 1], y: [0, T] }] }));
  const f = animate(base, frames, { active: 1, prefix: "T = " });
  assert.is(f.frames!.length, 3);
  const slider = (f.layout.sliders as R[])[0]!;
  assert.equal([slider.active, (slider.steps as R[]).map((s) => s.label)], [1, ["10", "30", "100"]]);
  assert.equal(((slider.steps as R[])[2]!.args as unknown[])[0], ["T=100"]);
  assert.equal(trace(f, 0).y, [0, 30]);
  assert.is(f.layout.height, 460);
  assert.is(((f.layout.updatemenus as R[])[0]!.buttons as R[]).length, 2);
  assert.match(figureSvg(f), /class="slider-current-value"[^>]*>T = 30</);
  expectError(() => animate(base, [frames[0]!, frames[0]!]), "param", /unique/);
  expectError(() => sweepSliderFigure("T", [{ value: 1, data: [{}] }, { value: 2, data: [{}, {}] }], {}), "shape", /same number of traces/);
});

test("playing raster: frames on a nice time grid move a veil, the raster itself is sent once", () => {
  const f = rasterPlaybackFigure([dense("l", 10, 100, 3)], { frames: 10 });
  assert.equal(f.frames!.map((fr) => fr.name), ["t=10", "t=20", "t=30", "t=40", "t=50", "t=60", "t=70", "t=80", "t=90", "t=99"]);
  assert.ok(f.frames!.every((fr) => fr.data === undefined), "frames carry layout only");
  assert.equal((f.layout.xaxis as R).range, [0, 99]);
});

test.run();

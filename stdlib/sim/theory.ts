// The theory paper's error analysis made visible (Rueckauer et al. 2016; PAPERS.md §1 "Error
// theory"): one IF neuron driven by a constant input, for both resets, against the closed forms;
// the residual error and correlation per layer as T grows; a slider over T for ANN-vs-SNN scatters.
// It must not simulate networks (the rate family does) nor render figures (stdlib/plot does).

import { SpikelabError } from "../errors.ts";
import type { SimResult } from "../ir/results.ts";
import { sweepSliderFigure } from "../plot/animate.ts";
import { lineFigure, type Series } from "../plot/charts.ts";
import { COLORWAY } from "../plot/colors.ts";
import type { Figure, PlotlyTrace } from "../plot/figure.ts";

export type Reset = "subtract" | "zero";

/**
 * Spikes per step of one non-leaky IF neuron with V(0) = 0 that receives the constant current
 * a·θ every step and fires at most once per step (a rate above 1 saturates: the paper's clipping
 * above λ). Float64, as the closed forms are compared with it.
 */
export function ifNeuronRate(a: number, steps: number, reset: Reset, threshold = 1): number {
  let v = 0;
  let n = 0;
  for (let t = 0; t < steps; t++) {
    v += a * threshold;
    if (v >= threshold) {
      n++;
      v = reset === "subtract" ? v - threshold : 0;
    }
  }
  return n / steps;
}

/** The closed forms: ⌊aT⌋/T (subtraction, clipped at 1) and ⌊T/⌈1/a⌉⌋/T (reset to zero). */
export function theoryRate(a: number, steps: number, reset: Reset): number {
  if (a <= 0) return 0;
  if (reset === "subtract") return Math.min(steps, Math.floor(a * steps + 1e-9)) / steps;
  // Reset to zero: a spike every ⌈1/a⌉ steps, the overshoot lost each time (a·θ/(θ+ε)).
  return Math.floor(steps / Math.max(1, Math.ceil(1 / a - 1e-9))) / steps;
}

function checkSteps(T: readonly number[]): void {
  if (T.length === 0 || T.some((t) => !Number.isInteger(t) || t < 1)) {
    throw new SpikelabError("param", "plot neuron: T must be a list of whole step counts ≥ 1", { hint: "e.g. `plot neuron rueckauer2017 { T: [10, 20, 50, 100, 200] }`" });
  }
}

/**
 * Rate against input a for both resets, simulated (lines) and from the closed forms (markers),
 * with the ideal clipped ReLU; a slider over T. The static SVG shows the last T.
 */
export function neuronRateFigure(T: readonly number[], range: readonly [number, number] = [0, 1.5], threshold = 1, points = 301): Figure {
  checkSteps(T);
  const [lo, hi] = range;
  const xs = Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  // The closed forms at fewer points, so their markers stay readable over the lines.
  const xm = xs.filter((_, i) => i % 6 === 0);
  const steps = T.map((t) => ({
    value: t,
    data: [
      { type: "scatter", mode: "lines", name: "ReLU, clipped at λ (ideal)", x: xs, y: xs.map((a) => Math.max(0, Math.min(1, a))), line: { color: "#444", width: 1.5, dash: "dash" } },
      { type: "scatter", mode: "lines", name: "reset by subtraction (simulated)", x: xs, y: xs.map((a) => ifNeuronRate(a, t, "subtract", threshold)), line: { color: COLORWAY[0], width: 2, shape: "hv" } },
      { type: "scatter", mode: "markers", name: "⌊aT⌋ / T", x: xm, y: xm.map((a) => theoryRate(a, t, "subtract")), marker: { color: COLORWAY[0], size: 6, symbol: "circle-open" } },
      { type: "scatter", mode: "lines", name: "reset to zero (simulated)", x: xs, y: xs.map((a) => ifNeuronRate(a, t, "zero", threshold)), line: { color: COLORWAY[1], width: 2, shape: "hv" } },
      { type: "scatter", mode: "markers", name: "⌊T / ⌈1/a⌉⌋ / T", x: xm, y: xm.map((a) => theoryRate(a, t, "zero")), marker: { color: COLORWAY[1], size: 6, symbol: "x-thin-open" } },
    ] as PlotlyTrace[],
  }));
  const layout = {
    height: 460,
    margin: { l: 70, r: 20, t: 50, b: 55 },
    title: { text: "one IF neuron: firing rate against input a (constant current a·θ)" },
    xaxis: { title: { text: "input a (ANN activation / λ)" }, range: [lo, hi] },
    yaxis: { title: { text: "spikes per step" }, range: [-0.02, 1.08] },
    hovermode: "closest",
  };
  return sweepSliderFigure("T", steps, layout);
}

/**
 * The worst error of each reset over a grid of a in [0, 1] against T (log-log): subtraction falls
 * as 1/T, reset to zero does not fall at all.
 */
export function neuronErrorFigure(T: readonly number[], threshold = 1, points = 201): Figure {
  checkSteps(T);
  const as = Array.from({ length: points }, (_, i) => i / (points - 1));
  const worst = (t: number, reset: Reset): number => Math.max(...as.map((a) => Math.abs(ifNeuronRate(a, t, reset, threshold) - a)));
  const series: Series[] = [
    { name: "reset by subtraction", x: T, y: T.map((t) => worst(t, "subtract")), markers: true },
    { name: "reset to zero", x: T, y: T.map((t) => worst(t, "zero")), markers: true },
    { name: "1 / T", x: T, y: T.map((t) => 1 / t), dash: "dash", color: "#444" },
  ];
  return lineFigure(series, { title: "one IF neuron: worst |rate − a| over a in [0, 1]", xTitle: "steps T", yTitle: "max |rate − a|", logX: true, logY: true });
}

function stepsOf(r: SimResult): number {
  if (r.family !== "rate") throw new SpikelabError("type", `this plot needs rate results; '${r.network}' is ${r.family}`, { hint: "simulate a rate-converted network with `compare: 100`" });
  return r.latency.value;
}

function withPairs(rs: readonly SimResult[], plot: string): SimResult[] {
  const sorted = [...rs].sort((a, b) => stepsOf(a) - stepsOf(b));
  for (const r of sorted) {
    if ((r.pairs ?? []).length === 0) throw new SpikelabError("param", `plot ${plot}: ${r.network} on ${r.data} (${stepsOf(r)} steps) has no ANN comparison`, { hint: "simulate with `compare: 100`" });
  }
  return sorted;
}

function meanAbs(ann: Float32Array, snn: Float32Array): number {
  let s = 0;
  for (let i = 0; i < ann.length; i++) s += Math.abs(ann[i]! - snn[i]!);
  return ann.length > 0 ? s / ann.length : NaN;
}

/**
 * Per layer, against the steps T of each run: the mean |a/λ − rate| (log-log, with a 1/T line
 * through the first layer's first point) or the ANN-vs-SNN correlation.
 */
export function convergenceFigure(rs: readonly SimResult[], of: "error" | "correlation"): Figure {
  const sorted = withPairs(rs, "convergence");
  const T = sorted.map(stepsOf);
  const layers = sorted[0]!.pairs!.map((p) => p.layer);
  const series: Series[] = layers.map((layer) => ({
    name: layer,
    x: T,
    y: sorted.map((r) => {
      const p = r.pairs!.find((q) => q.layer === layer);
      if (p === undefined) return NaN;
      return of === "error" ? meanAbs(p.ann, p.snn) : p.correlation;
    }),
    markers: true,
  }));
  if (of === "error" && series.length > 0) {
    const c = series[0]!.y[0]! * T[0]!;
    series.push({ name: "∝ 1 / T", x: T, y: T.map((t) => c / t), dash: "dash", color: "#444" });
  }
  const data = sorted[0]!.data;
  return of === "error"
    ? lineFigure(series, { title: `residual error per layer against T (${data})`, xTitle: "steps T", yTitle: "mean |a/λ − rate| per neuron", logX: true, logY: true })
    : lineFigure(series, { title: `ANN-vs-SNN correlation per layer against T (${data})`, xTitle: "steps T", yTitle: "Pearson r (a/λ vs rate)", logX: true });
}

/** ANN activation against SNN rate for every layer, one slider step per run (per T). */
export function scatterOverTFigure(rs: readonly SimResult[]): Figure {
  const sorted = withPairs(rs, "scatter");
  const layers = sorted[0]!.pairs!.map((p) => p.layer);
  let top = 1;
  for (const r of sorted) for (const p of r.pairs!) for (let i = 0; i < p.ann.length; i++) top = Math.max(top, p.ann[i]!, p.snn[i]!);
  const steps = sorted.map((r) => ({
    value: stepsOf(r),
    data: [
      ...layers.map((layer, k): PlotlyTrace => {
        const p = r.pairs!.find((q) => q.layer === layer);
        return {
          type: "scatter", mode: "markers", name: p ? `${layer} (r = ${p.correlation.toFixed(3)})` : layer,
          x: p ? Array.from(p.ann) : [], y: p ? Array.from(p.snn) : [],
          marker: { color: COLORWAY[k % COLORWAY.length], size: 4, opacity: 0.5 },
        };
      }),
      { type: "scatter", mode: "lines", name: "rate = a/λ", x: [0, top], y: [0, top], line: { color: "#444", width: 1.5, dash: "dash" } },
    ],
  }));
  const layout = {
    height: 480,
    margin: { l: 70, r: 20, t: 50, b: 55 },
    title: { text: `${sorted[0]!.network}: ANN activation vs SNN rate as T grows` },
    xaxis: { title: { text: "ANN activation / λ" }, range: [0, top * 1.02] },
    yaxis: { title: { text: "SNN rate (spikes per step)" }, range: [0, top * 1.02] },
    hovermode: "closest",
  };
  return sweepSliderFigure("T", steps, layout);
}

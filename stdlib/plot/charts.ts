// Figure builders the families, the language's `plot` statement and the notebooks call: curves
// (accuracy over time, error vs operations, sweeps), scatter against a reference line, AMOS
// staircases, bars and histograms. Inputs are plain or typed arrays plus labels; each returns a
// Figure whose spec Plotly and the SVG renderer both draw. It must not know family internals.

import { SpikelabError } from "../errors.ts";
import { COLORWAY } from "./colors.ts";
import type { Figure, PlotlyTrace } from "./figure.ts";
import { autoBins, type Bins, type HistNorm } from "./histogram.ts";
import { clean, d3Format } from "./ticks.ts";

export interface Series {
  readonly name: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly dash?: "solid" | "dot" | "dash" | "dashdot";
  readonly color?: string;
  readonly markers?: boolean;
}

export interface AxesOptions {
  readonly title?: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly height?: number;
}

function f64(a: ArrayLike<number>): Float64Array {
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

function checkLengths(what: string, name: string, x: ArrayLike<number>, y: ArrayLike<number>): void {
  if (x.length !== y.length) {
    throw new SpikelabError("shape", `${what}: series "${name}" has ${x.length} x values but ${y.length} y values`, { hint: "give x and y the same length" });
  }
}

function baseLayout(o: AxesOptions, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const layout: Record<string, unknown> = {
    height: o.height ?? 400,
    margin: { l: 70, r: 20, t: o.title ? 50 : 20, b: 55 },
    xaxis: { title: { text: o.xTitle ?? "" }, ...(o.logX ? { type: "log" } : {}) },
    yaxis: { title: { text: o.yTitle ?? "" }, ...(o.logY ? { type: "log" } : {}) },
    hovermode: "closest",
    ...extra,
  };
  if (o.title) layout.title = { text: o.title };
  return layout;
}

function lineTrace(s: Series, k: number): PlotlyTrace {
  checkLengths("line", s.name, s.x, s.y);
  return {
    type: "scatter", mode: s.markers ? "lines+markers" : "lines", name: s.name, x: f64(s.x), y: f64(s.y),
    line: { color: s.color ?? COLORWAY[k % COLORWAY.length], width: 2, ...(s.dash && s.dash !== "solid" ? { dash: s.dash } : {}) },
    ...(s.markers ? { marker: { size: 6 } } : {}),
  };
}

/** Line chart of sweeps or curves, one trace per series. */
export function lineFigure(series: readonly Series[], o: AxesOptions = {}): Figure {
  return { kind: "figure", data: series.map(lineTrace), layout: baseLayout(o) };
}

export interface AccuracySeries {
  readonly name: string;
  readonly time: ArrayLike<number>;
  /** Fractions in [0, 1]. */
  readonly accuracy: ArrayLike<number>;
}

export interface AccuracyOptions extends AxesOptions {
  /** The ANN's accuracy (a fraction), drawn as a flat dashed line. */
  readonly ann?: number;
  readonly annLabel?: string;
  readonly timeLabel?: string;
  /** Plot the error in % on a log axis instead of the accuracy in % (the papers' view). */
  readonly as?: "accuracy" | "error";
}

/** Accuracy (or error) of the SNN as time goes on, against the ANN's flat line. */
export function accuracyFigure(series: readonly AccuracySeries[], o: AccuracyOptions = {}): Figure {
  const error = o.as === "error";
  // clean(): percentages without float noise (100 · 0.009 = 0.8999999999999999) in the JSON.
  const conv = (a: number): number => clean(error ? 100 * (1 - a) : 100 * a);
  let t0 = Infinity, t1 = -Infinity;
  const data: PlotlyTrace[] = series.map((s, k) => {
    checkLengths("accuracy", s.name, s.time, s.accuracy);
    for (let i = 0; i < s.time.length; i++) {
      t0 = Math.min(t0, s.time[i]!);
      t1 = Math.max(t1, s.time[i]!);
    }
    return lineTrace({ name: s.name, x: s.time, y: Array.from(s.accuracy, conv), markers: s.time.length < 20 }, k);
  });
  if (o.ann !== undefined && Number.isFinite(t0)) {
    data.push({
      type: "scatter", mode: "lines", name: o.annLabel ?? "ANN", x: [t0, t1], y: [conv(o.ann), conv(o.ann)],
      line: { color: "#444", width: 1.5, dash: "dash" },
    });
  }
  return {
    kind: "figure", data,
    layout: baseLayout({ ...o, xTitle: o.xTitle ?? o.timeLabel ?? "time step", yTitle: o.yTitle ?? (error ? "error (%)" : "accuracy (%)"), logY: o.logY ?? error }),
  };
}

export interface OpsSeries {
  readonly name: string;
  /** Cumulative synaptic operations per sample at each point. */
  readonly ops: ArrayLike<number>;
  /** Error as a fraction in [0, 1]. */
  readonly error: ArrayLike<number>;
}

export interface OpsOptions extends AxesOptions {
  /** The ANN's fixed operations per sample: a vertical line. */
  readonly annOps: number;
  /** The ANN's error (fraction): a marker on that line. */
  readonly annError?: number;
}

/** Error against cumulative operations (the papers' trade-off figure), the ANN's count marked. */
export function errorVsOpsFigure(series: readonly OpsSeries[], o: OpsOptions): Figure {
  const data: PlotlyTrace[] = series.map((s, k) => {
    checkLengths("error vs operations", s.name, s.ops, s.error);
    return lineTrace({ name: s.name, x: s.ops, y: Array.from(s.error, (e) => clean(100 * e)), markers: s.ops.length < 20 }, k);
  });
  if (o.annError !== undefined) {
    data.push({ type: "scatter", mode: "markers", name: "ANN", x: [o.annOps], y: [clean(100 * o.annError)], marker: { symbol: "diamond", size: 11, color: "#444" } });
  }
  const label = d3Format(o.annOps, ".3~s") ?? String(o.annOps);
  const layout = baseLayout(
    { ...o, xTitle: o.xTitle ?? "synaptic operations per sample", yTitle: o.yTitle ?? "error (%)", logX: o.logX ?? true },
    {
      shapes: [{ type: "line", xref: "x", yref: "paper", x0: o.annOps, x1: o.annOps, y0: 0, y1: 1, line: { color: "#444", width: 1.5, dash: "dot" } }],
      annotations: [{ xref: "x", x: o.logX === false ? o.annOps : Math.log10(o.annOps), yref: "paper", y: 1, yanchor: "top", xanchor: "left", text: ` ANN: ${label} ops`, showarrow: false }],
    },
  );
  return { kind: "figure", data, layout };
}

export interface RefLine {
  readonly slope: number;
  readonly intercept?: number;
  readonly name?: string;
}

export interface ScatterOptions extends AxesOptions {
  /** Reference lines: y = x, or y = slope·x + intercept (several: e.g. one per TTFS layer window). */
  readonly line?: "identity" | RefLine | readonly RefLine[];
  /** Points per series at most (default 5,000): larger series keep every k-th point. */
  readonly maxPoints?: number;
}

/** x against y per series (e.g. ANN activation vs SNN rate per layer) with reference lines. */
export function scatterFigure(series: readonly Series[], o: ScatterOptions = {}): Figure {
  const max = o.maxPoints ?? 5000;
  let lo = Infinity, hi = -Infinity;
  const data: PlotlyTrace[] = series.map((s, k) => {
    checkLengths("scatter", s.name, s.x, s.y);
    const stride = Math.max(1, Math.ceil(s.x.length / max));
    const n = Math.ceil(s.x.length / stride);
    const x = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0, j = 0; i < s.x.length; i += stride, j++) {
      x[j] = s.x[i]!;
      y[j] = s.y[i]!;
      if (Number.isFinite(x[j]!)) { lo = Math.min(lo, x[j]!); hi = Math.max(hi, x[j]!); }
      if (o.line === "identity" && Number.isFinite(y[j]!)) { lo = Math.min(lo, y[j]!); hi = Math.max(hi, y[j]!); }
    }
    return {
      type: "scatter", mode: "markers", name: stride > 1 ? `${s.name} (every ${stride}th)` : s.name, x, y,
      marker: { size: 5, opacity: 0.6, color: s.color ?? COLORWAY[k % COLORWAY.length] },
    };
  });
  const lines: readonly RefLine[] = o.line === undefined ? [] : o.line === "identity" ? [{ slope: 1, name: "y = x" }] : "slope" in o.line ? [o.line as RefLine] : (o.line as readonly RefLine[]);
  if (Number.isFinite(lo)) {
    lines.forEach((l, k) => {
      const b = l.intercept ?? 0;
      const name = l.name ?? `y = ${l.slope}\u00b7x${b ? ` + ${b}` : ""}`;
      data.push({
        type: "scatter", mode: "lines", name, x: [lo, hi], y: [l.slope * lo + b, l.slope * hi + b],
        line: { color: lines.length > 1 ? COLORWAY[k % COLORWAY.length] : "#444", width: 1.5, dash: "dash" },
      });
    });
  }
  return { kind: "figure", data, layout: baseLayout(o) };
}

export interface StaircaseOutput {
  readonly K: number;
  readonly y: ArrayLike<number>;
}

/** A gate's activation f(x) against its spiking circuit's output for several K (AMOS). */
export function staircaseFigure(x: ArrayLike<number>, f: ArrayLike<number>, outputs: readonly StaircaseOutput[], o: AxesOptions & { readonly fName?: string } = {}): Figure {
  checkLengths("staircase", o.fName ?? "f(x)", x, f);
  const data: PlotlyTrace[] = [{ type: "scatter", mode: "lines", name: o.fName ?? "f(x)", x: f64(x), y: f64(f), line: { color: "#222", width: 2.5 } }];
  outputs.forEach((out, k) => {
    checkLengths("staircase", `K = ${out.K}`, x, out.y);
    data.push({ type: "scatter", mode: "lines", name: `K = ${out.K}`, x: f64(x), y: f64(out.y), line: { color: COLORWAY[(k + 1) % COLORWAY.length], width: 1.5, shape: "hv" } });
  });
  return { kind: "figure", data, layout: baseLayout({ ...o, xTitle: o.xTitle ?? "x", yTitle: o.yTitle ?? "output" }) };
}

export interface BarSeries {
  readonly name: string;
  readonly values: ArrayLike<number>;
}

/** Grouped bars: one bar per category per series. */
export function barFigure(categories: readonly string[], series: readonly BarSeries[], o: AxesOptions & { readonly stacked?: boolean } = {}): Figure {
  const data: PlotlyTrace[] = series.map((s, k) => {
    if (s.values.length !== categories.length) {
      throw new SpikelabError("shape", `bar: series "${s.name}" has ${s.values.length} values for ${categories.length} categories`, { hint: "give one value per category" });
    }
    return { type: "bar", name: s.name, x: [...categories], y: f64(s.values), marker: { color: COLORWAY[k % COLORWAY.length] } };
  });
  return { kind: "figure", data, layout: baseLayout(o, { barmode: o.stacked ? "stack" : "group" }) };
}

export interface HistogramGroup {
  readonly name: string;
  readonly values: ArrayLike<number>;
}

export interface HistogramOptions extends AxesOptions {
  /** Explicit bins, or a maximum bin count (Plotly's nbinsx); default Plotly's automatic bins. */
  readonly bins?: Bins | number;
  readonly norm?: HistNorm;
}

/**
 * Overlaid histograms with one set of bins for all groups (computed here and written into each
 * trace's xbins, so Plotly and the SVG bin identically).
 */
export function histogramFigure(groups: readonly HistogramGroup[], o: HistogramOptions = {}): Figure {
  const pooled: number[] = [];
  for (const g of groups) for (let i = 0; i < g.values.length; i++) if (Number.isFinite(g.values[i]!)) pooled.push(g.values[i]!);
  const bins = typeof o.bins === "object" ? o.bins : autoBins(pooled, o.bins);
  const data: PlotlyTrace[] = groups.map((g, k) => ({
    type: "histogram", name: g.name, x: f64(g.values),
    xbins: { start: bins.start, end: bins.end, size: bins.size }, autobinx: false,
    ...(o.norm ? { histnorm: o.norm } : {}),
    marker: { color: COLORWAY[k % COLORWAY.length] }, opacity: groups.length > 1 ? 0.6 : 1,
  }));
  return { kind: "figure", data, layout: baseLayout({ ...o, yTitle: o.yTitle ?? (o.norm ? o.norm : "count") }, { barmode: "overlay", bargap: 0.05 }) };
}

export interface RateGroup {
  readonly layer: string;
  /** One rate per neuron. */
  readonly rates: ArrayLike<number>;
}

/** Firing rates per neuron, one histogram per layer. */
export function rateHistogramFigure(layers: readonly RateGroup[], o: HistogramOptions & { readonly unit?: string } = {}): Figure {
  return histogramFigure(layers.map((l) => ({ name: l.layer, values: l.rates })), {
    ...o, xTitle: o.xTitle ?? `firing rate (${o.unit ?? "spikes per step"})`, yTitle: o.yTitle ?? "neurons",
  });
}

// Figures of spikes themselves: the spike raster (one subplot per layer, stacked, time on x,
// neuron on y, optional shaded time windows per layer) and membrane traces with the threshold.
// Inputs are SpikeRecords and plain arrays, never a family's internals.

import { SpikelabError } from "../errors.ts";
import type { SpikeRecord } from "../ir/results.ts";
import { COLORWAY } from "./colors.ts";
import type { Figure, PlotlyTrace } from "./figure.ts";

export interface TimeWindow {
  readonly layer: string;
  readonly start: number;
  readonly end: number;
}

export interface RasterOptions {
  readonly title?: string;
  /** Axis label of time, e.g. "time step" or "time (units)". */
  readonly timeLabel?: string;
  /** Shaded window per layer (TTFS: each layer's [t_min, t_max]). */
  readonly windows?: readonly TimeWindow[];
  /** Time axis range; default from the spikes (and windows). */
  readonly timeRange?: readonly [number, number];
  /**
   * At most this many spikes are drawn (default 20,000): a layer over its share shows every k-th
   * neuron, and its axis title says so. Keeps notebooks small and browsers quick.
   */
  readonly maxSpikes?: number;
  readonly height?: number;
}

/** What the raster drew of one layer (tests and captions use it). */
export interface RasterLayerInfo {
  readonly layer: string;
  readonly neurons: number;
  /** Every `stride`-th neuron is shown (1 = all). */
  readonly stride: number;
  readonly spikesShown: number;
  readonly spikesTotal: number;
}

/** Times rounded to 1e-4 units: plenty for a plot, and it keeps the notebook's JSON short. */
function roundTime(t: number): number {
  return Math.round(t * 1e4) / 1e4;
}

export function rasterLayers(records: readonly SpikeRecord[], maxSpikes = 20_000): RasterLayerInfo[] {
  const share = Math.max(1, Math.floor(maxSpikes / Math.max(1, records.length)));
  return records.map((r) => {
    const total = r.neuron.length;
    const stride = total <= share ? 1 : Math.ceil(total / share);
    let shown = 0;
    for (let i = 0; i < total; i++) if (r.neuron[i]! % stride === 0) shown++;
    return { layer: r.layer, neurons: r.neurons, stride, spikesShown: shown, spikesTotal: total };
  });
}

/**
 * A spike raster of one sample: the first record's layer on top, one subplot per record sharing
 * the time axis; each spike is one marker (a short vertical tick), so a figure of N spikes has N
 * `path.point` elements in both the SVG and Plotly's rendering.
 */
export function rasterFigure(records: readonly SpikeRecord[], o: RasterOptions = {}): Figure {
  if (records.length === 0) {
    throw new SpikelabError("param", "raster: no spike recordings to plot", { hint: "record spike trains for at least one layer (the simulator's `record` option)" });
  }
  const info = rasterLayers(records, o.maxSpikes);
  const n = records.length;
  const gap = n > 1 ? Math.min(0.06, 0.3 / (n - 1)) : 0;
  const h = (1 - gap * (n - 1)) / n;
  const height = o.height ?? Math.min(1400, 110 + 150 * n);
  const data: PlotlyTrace[] = [];
  const layout: Record<string, unknown> = {
    height,
    margin: { l: 80, r: 20, t: o.title ? 50 : 20, b: 50 },
    showlegend: false,
    xaxis: { title: { text: o.timeLabel ?? "time step" }, anchor: `y${n === 1 ? "" : n}`, ...(o.timeRange ? { range: [...o.timeRange] } : {}), zeroline: false },
    hovermode: "closest",
  };
  if (o.title) layout.title = { text: o.title };
  const shapes: Record<string, unknown>[] = [];
  records.forEach((r, k) => {
    const yid = k === 0 ? "y" : `y${k + 1}`;
    // Stack from the top: record 0 highest.
    const top = 1 - k * (h + gap);
    const li = info[k]!;
    const color = COLORWAY[k % COLORWAY.length]!;
    const xs = new Float64Array(li.spikesShown), ys = new Int32Array(li.spikesShown);
    for (let i = 0, j = 0; i < r.neuron.length; i++) {
      if (r.neuron[i]! % li.stride !== 0) continue;
      xs[j] = roundTime(r.time[i]!);
      ys[j++] = r.neuron[i]!;
    }
    // Tick length ~ the pixel height of one neuron row, between 2 and 8 px.
    const rowPx = ((height - 70) * h) / Math.max(1, r.neurons / li.stride);
    const size = Math.max(2, Math.min(8, rowPx));
    data.push({
      type: "scatter", mode: "markers", name: r.layer, x: xs, y: ys,
      xaxis: "x", yaxis: yid,
      marker: { symbol: "line-ns-open", size, color, line: { width: 1.5, color } },
      hovertemplate: `${r.layer}: neuron %{y}, t = %{x}<extra></extra>`,
    });
    const title = li.stride > 1 ? `${r.layer}<br><sub>every ${li.stride}th of ${r.neurons}</sub>` : `${r.layer}<br><sub>${r.neurons} neurons</sub>`;
    layout[k === 0 ? "yaxis" : `yaxis${k + 1}`] = {
      domain: [Math.max(0, top - h), Math.min(1, top)], anchor: "x",
      range: [-0.5, Math.max(0.5, r.neurons - 0.5)], title: { text: title }, zeroline: false, showgrid: false,
      ...(r.neurons <= 10 ? { dtick: 1 } : {}),
    };
    for (const w of o.windows ?? []) {
      if (w.layer !== r.layer) continue;
      shapes.push({
        type: "rect", xref: "x", yref: `${yid} domain`, x0: w.start, x1: w.end, y0: 0, y1: 1,
        fillcolor: color, opacity: 0.12, line: { width: 0 }, layer: "below",
      });
    }
  });
  if (shapes.length > 0) layout.shapes = shapes;
  return { kind: "figure", data, layout };
}

export interface MembraneTrace {
  readonly label: string;
  readonly time: ArrayLike<number>;
  readonly membrane: ArrayLike<number>;
  /** Spike times of this neuron, marked above the trace. */
  readonly spikes?: ArrayLike<number>;
}

export interface MembraneOptions {
  readonly title?: string;
  readonly threshold: number;
  readonly timeLabel?: string;
  /** Draw the membrane as a step function (time-stepped simulators hold V between steps). */
  readonly steps?: boolean;
}

/** Membrane potential over time for a few neurons, the threshold as a dashed line, spikes as ticks. */
export function membraneFigure(traces: readonly MembraneTrace[], o: MembraneOptions): Figure {
  const data: PlotlyTrace[] = [];
  traces.forEach((t, k) => {
    const color = COLORWAY[k % COLORWAY.length]!;
    data.push({
      type: "scatter", mode: "lines", name: t.label, x: Float64Array.from(t.time), y: Float64Array.from(t.membrane),
      line: { color, width: 1.5, ...(o.steps ? { shape: "hv" } : {}) },
    });
    if (t.spikes && t.spikes.length > 0) {
      data.push({
        type: "scatter", mode: "markers", name: `${t.label} spikes`, showlegend: false,
        x: Float64Array.from(t.spikes), y: new Float64Array(t.spikes.length).fill(o.threshold),
        marker: { symbol: "triangle-up", size: 8, color },
      });
    }
  });
  const layout: Record<string, unknown> = {
    height: 360,
    // A horizontal legend above the plot needs its own band under the title.
    margin: { l: 70, r: 20, t: (o.title ? 50 : 20) + (traces.length > 1 ? 30 : 0), b: 50 },
    xaxis: { title: { text: o.timeLabel ?? "time step" } },
    yaxis: { title: { text: "membrane potential" } },
    shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y", y0: o.threshold, y1: o.threshold, line: { color: "#d62728", width: 1.5, dash: "dash" } }],
    annotations: [{ xref: "paper", x: 1, xanchor: "right", yref: "y", y: o.threshold, yanchor: "bottom", text: `threshold ${o.threshold}`, showarrow: false, font: { color: "#d62728" } }],
  };
  if (o.title) layout.title = { text: o.title };
  if (traces.length > 1) layout.legend = { orientation: "h", x: 0, y: 1.02, xanchor: "left", yanchor: "bottom" };
  return { kind: "figure", data, layout };
}

// Figures that move without a kernel round trip: Plotly `frames` plus a slider and play/pause
// buttons (a slider over T or over an input, a raster that plays over time). The static SVG
// shows the `active` frame's state and a picture of the controls. It must not run anything.

import { SpikelabError } from "../errors.ts";
import type { SpikeRecord } from "../ir/results.ts";
import type { Figure, PlotlyTrace } from "./figure.ts";
import { rasterFigure, type RasterOptions } from "./raster.ts";
import { clean, niceStep } from "./ticks.ts";

export interface AnimationFrame {
  /** Unique frame name (Plotly animates by name). */
  readonly name: string;
  /** Slider label; default the name. */
  readonly label?: string;
  /** New data for the traces listed in `traces` (default: traces 0…n-1 in order). */
  readonly data?: readonly PlotlyTrace[];
  readonly traces?: readonly number[];
  /** Layout changes this frame makes (e.g. shapes). */
  readonly layout?: Readonly<Record<string, unknown>>;
}

export interface AnimateOptions {
  /** Text before the current slider value, e.g. "T = ". */
  readonly prefix?: string;
  /** Milliseconds per frame when playing (default 300). */
  readonly durationMs?: number;
  /** Add play / pause buttons (default true). */
  readonly play?: boolean;
  /** The frame shown first, and in the static SVG (default the last). */
  readonly active?: number;
}

function frameArgs(duration: number): Record<string, unknown> {
  return { mode: "immediate", frame: { duration, redraw: true }, transition: { duration: 0 } };
}

/**
 * Adds frames, a slider with one step per frame, and play/pause buttons to a figure. The figure
 * is first set to the active frame's data and layout, so what loads (and the SVG) matches the
 * slider's position.
 */
export function animate(base: Figure, frames: readonly AnimationFrame[], o: AnimateOptions = {}): Figure {
  if (frames.length === 0) throw new SpikelabError("param", "animation: no frames", { hint: "give at least one frame" });
  const names = new Set(frames.map((f) => f.name));
  if (names.size !== frames.length) throw new SpikelabError("param", "animation: frame names must be unique", { hint: "name each frame after its value, e.g. \"T=10\"" });
  const active = Math.max(0, Math.min(frames.length - 1, o.active ?? frames.length - 1));
  const duration = o.durationMs ?? 300;
  const start = frames[active]!;
  const data = [...base.data];
  (start.data ?? []).forEach((d, i) => {
    const k = start.traces?.[i] ?? i;
    data[k] = { ...(data[k] ?? {}), ...d };
  });
  const layout: Record<string, unknown> = { ...base.layout, ...(start.layout ?? {}) };
  const margin = (layout.margin ?? {}) as Record<string, number>;
  // Room below the x axis title for the slider (pad 60 px + about 70 px of control); a figure
  // of fixed height grows by as much, so its plot area keeps its size.
  const b = Math.max(margin.b ?? 80, 140);
  if (typeof layout.height === "number") layout.height += b - (margin.b ?? 80);
  layout.margin = { ...margin, b };
  // The buttons sit left of the slider inside the plot's width, so neither renderer has to
  // push the left margin for them.
  layout.sliders = [{
    active,
    x: o.play === false ? 0 : 0.3, len: o.play === false ? 1 : 0.7, xanchor: "left",
    y: 0, yanchor: "top", pad: { t: 60, b: 10 },
    currentvalue: { visible: true, prefix: o.prefix ?? "", xanchor: "left" },
    steps: frames.map((f) => ({ label: f.label ?? f.name, method: "animate", args: [[f.name], frameArgs(duration)] })),
  }];
  if (o.play !== false) {
    layout.updatemenus = [{
      type: "buttons", direction: "left", showactive: false,
      x: 0, xanchor: "left", y: 0, yanchor: "top", pad: { t: 74 },
      buttons: [
        { label: "\u25b6 Play", method: "animate", args: [null, { ...frameArgs(duration), fromcurrent: true }] },
        { label: "\u275a\u275a Pause", method: "animate", args: [[null], { mode: "immediate", frame: { duration: 0, redraw: false }, transition: { duration: 0 } }] },
      ],
    }];
  }
  return {
    kind: "figure", data, layout,
    frames: frames.map((f) => ({
      name: f.name,
      ...(f.data ? { data: f.data } : {}),
      ...(f.traces ? { traces: f.traces } : {}),
      ...(f.layout ? { layout: f.layout } : {}),
    })),
  };
}

export interface SweepStep {
  /** The parameter's value at this step (slider label). */
  readonly value: number | string;
  readonly data: readonly PlotlyTrace[];
}

/** A slider over a parameter: each step replaces the figure's traces (same count in every step). */
export function sweepSliderFigure(param: string, steps: readonly SweepStep[], layout: Readonly<Record<string, unknown>>, o: AnimateOptions = {}): Figure {
  const n = steps[0]?.data.length ?? 0;
  if (steps.some((s) => s.data.length !== n)) {
    throw new SpikelabError("shape", "slider: every step must have the same number of traces", { hint: "pad a step with an empty trace ({ x: [], y: [] }) where it has fewer" });
  }
  const frames = steps.map((s) => ({ name: `${param}=${s.value}`, label: String(s.value), data: s.data }));
  return animate({ kind: "figure", data: steps[0]?.data ?? [], layout }, frames, { prefix: `${param} = `, ...o });
}

/**
 * A raster that plays over time: frames move a cursor and veil the future, so the spikes appear
 * as time advances. Frames change only two shapes, so the figure stays as small as the raster.
 */
export function rasterPlaybackFigure(records: readonly SpikeRecord[], o: RasterOptions & { readonly frames?: number } = {}): Figure {
  const raster = rasterFigure(records, o);
  let t0 = Infinity, t1 = -Infinity;
  for (const r of records) for (let i = 0; i < r.time.length; i++) { t0 = Math.min(t0, r.time[i]!); t1 = Math.max(t1, r.time[i]!); }
  if (o.timeRange) [t0, t1] = o.timeRange;
  if (!Number.isFinite(t0)) { t0 = 0; t1 = 1; }
  if (t1 <= t0) t1 = t0 + 1;
  // Without a fixed range the axis would shrink to the spikes drawn so far; fix it once.
  const xaxis = { ...(raster.layout.xaxis as Record<string, unknown>), range: [t0, t1], autorange: false };
  const stat = (raster.layout.shapes as readonly unknown[] | undefined) ?? [];
  // Frame times on a nice grid (every 5 steps, every 0.2 units …), the last one at the end.
  const step = niceStep((t1 - t0) / Math.max(2, o.frames ?? 20));
  const times: number[] = [];
  for (let k = 1; t0 + k * step < t1 - step * 1e-6; k++) times.push(clean(t0 + k * step));
  times.push(clean(t1));
  const frames: AnimationFrame[] = [];
  for (const t of times) {
    frames.push({
      name: `t=${t}`, label: String(t),
      layout: {
        shapes: [
          ...stat,
          { type: "rect", xref: "x", yref: "paper", x0: t, x1: t1, y0: 0, y1: 1, fillcolor: "#fff", opacity: 0.85, line: { width: 0 }, layer: "above" },
          { type: "line", xref: "x", yref: "paper", x0: t, x1: t, y0: 0, y1: 1, line: { color: "#d62728", width: 1.5 } },
        ],
      },
    });
  }
  return animate({ ...raster, layout: { ...raster.layout, xaxis } }, frames, { prefix: "t = ", durationMs: 200 });
}

// The cartesian axes of a figure as plotly.js lays them out: which axes exist (xaxis, xaxis2,
// … from the layout and the traces), their type (linear, log, category), domain, anchor and
// side, the autorange with pixel padding, the data → pixel map, and the ticks. It must not draw.

import { arr, bool, isRec, num, optNum, optStr, rec, str, toNum, type Rec } from "./read.ts";
import { linearTicks, logTicks, type Tick, type TickOptions } from "./ticks.ts";

export type AxisType = "linear" | "log" | "category";

/** What a trace or shape needs an axis to show: a span in axis units plus padding rules. */
export interface Extent {
  readonly lo: number;
  readonly hi: number;
  /** Pixels to keep free beyond the data on both sides (marker radius). */
  readonly padPx?: number;
  /** One-sided pixel padding below `lo` / above `hi` (an annotation's text box); overrides padPx. */
  readonly padLoPx?: number;
  readonly padHiPx?: number;
  /** Plotly's `padded`: 5 % of the axis length on both sides. */
  readonly padded?: boolean;
  /** Include 0 in the range, without padding on the zero side (bars, fills). */
  readonly tozero?: boolean;
}

export interface Axis {
  readonly id: string; // "x", "x2", "y", …
  readonly letter: "x" | "y";
  readonly layout: Rec;
  readonly type: AxisType;
  readonly categories: readonly string[];
  readonly domain: readonly [number, number];
  /** The counter axis this one is drawn against, or "free". */
  readonly anchor: string;
  readonly side: "bottom" | "top" | "left" | "right";
  readonly overlaying: string | undefined;
  /** The position axis of bars or histograms: Plotly draws no grid and no zero line on it. */
  readonly oriented: boolean;
  /** Carries a heatmap: Plotly draws its ticks outside by default. */
  readonly map2d: boolean;
  /** Visible range in axis units (log10 on a log axis, index on a category axis). */
  range: [number, number];
  /** Pixel span of the axis (set by place()). */
  p0: number;
  p1: number;
  ticks: Tick[];
}

export function axisKey(id: string): string {
  return (id[0] === "x" ? "xaxis" : "yaxis") + id.slice(1);
}

function idOfKey(key: string): string | undefined {
  const m = /^([xy])axis(\d*)$/.exec(key);
  if (!m || m[2] === "1") return undefined;
  return m[1]! + (m[2] ?? "");
}

export function traceAxisIds(t: Rec): [string, string] {
  const xa = str(t, "xaxis", "x"), ya = str(t, "yaxis", "y");
  return [/^x\d*$/.test(xa) && xa !== "x1" ? xa : "x", /^y\d*$/.test(ya) && ya !== "y1" ? ya : "y"];
}

/** Types: as given, else category when a trace on the axis has non-numeric strings, else linear. */
function detectType(layout: Rec, id: string, traces: readonly Rec[]): AxisType {
  const t = optStr(layout, "type");
  if (t === "log" || t === "linear" || t === "category") return t;
  for (const tr of traces) {
    const [xa, ya] = traceAxisIds(tr);
    const mine = id[0] === "x" ? xa === id : ya === id;
    if (!mine) continue;
    if (str(tr, "type", "scatter") === "heatmap") continue;
    const vals = arr(tr, id[0]!);
    if (!vals) continue;
    for (let i = 0; i < vals.length && i < 1000; i++) {
      const v = vals[i];
      if (typeof v === "string" && !Number.isFinite(toNum(v))) return "category";
    }
    if (vals.length > 0) return "linear";
  }
  return "linear";
}

function categoriesOf(layout: Rec, id: string, traces: readonly Rec[]): string[] {
  const given = arr(layout, "categoryarray");
  if (given && str(layout, "categoryorder", "array") === "array") return Array.from(given, String);
  const seen = new Set<string>();
  for (const tr of traces) {
    const [xa, ya] = traceAxisIds(tr);
    if ((id[0] === "x" ? xa : ya) !== id) continue;
    const vals = arr(tr, id[0]!);
    if (vals) for (let i = 0; i < vals.length; i++) if (vals[i] !== null && vals[i] !== undefined) seen.add(String(vals[i]));
  }
  return [...seen];
}

/** Every axis the figure uses or declares, with type, domain, anchor and side resolved. */
export function collectAxes(layout: Rec, traces: readonly Rec[]): Map<string, Axis> {
  const ids = new Set<string>();
  for (const tr of traces) {
    const [xa, ya] = traceAxisIds(tr);
    ids.add(xa);
    ids.add(ya);
  }
  for (const key of Object.keys(layout)) {
    const id = idOfKey(key);
    if (id && isRec(layout[key])) ids.add(id);
  }
  if (ids.size === 0) {
    ids.add("x");
    ids.add("y");
  }
  const firstCounter = (id: string): string | undefined => {
    for (const tr of traces) {
      const [xa, ya] = traceAxisIds(tr);
      if (id[0] === "x" && xa === id) return ya;
      if (id[0] === "y" && ya === id) return xa;
    }
    return undefined;
  };
  const axes = new Map<string, Axis>();
  const sorted = [...ids].sort((a, b) => (a[0] === b[0] ? Number(a.slice(1) || 1) - Number(b.slice(1) || 1) : a < b ? -1 : 1));
  for (const id of sorted) {
    const lay = rec(layout, axisKey(id));
    const letter = id[0] as "x" | "y";
    const type = detectType(lay, id, traces);
    const d = arr(lay, "domain");
    const domain: [number, number] = d && d.length === 2 ? [clamp01(toNum(d[0])), clamp01(toNum(d[1]))] : [0, 1];
    const overlaying = optStr(lay, "overlaying");
    const counter = firstCounter(id) ?? (letter === "x" ? "y" : "x");
    const anchor = optStr(lay, "anchor") ?? counter;
    const side = str(lay, "side", letter === "x" ? "bottom" : "left") as Axis["side"];
    const map2d = traces.some((tr) => str(tr, "type", "scatter") === "heatmap" && traceAxisIds(tr).includes(id));
    const oriented = traces.some((tr) => {
      const type = str(tr, "type", "scatter");
      if (type !== "bar" && type !== "histogram") return false;
      const [xa, ya] = traceAxisIds(tr);
      return str(tr, "orientation", "v") === "h" ? ya === id : xa === id;
    });
    axes.set(id, {
      id, letter, layout: lay, type,
      categories: type === "category" ? categoriesOf(lay, id, traces) : [],
      domain, anchor, side, overlaying, oriented, map2d,
      range: [0, 1], p0: 0, p1: 0, ticks: [],
    });
  }
  // An overlaying axis shares the domain of the axis it overlays.
  for (const a of axes.values()) {
    if (a.overlaying && axes.has(a.overlaying)) axes.set(a.id, { ...a, domain: axes.get(a.overlaying)!.domain });
  }
  return axes;
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.max(0, Math.min(1, v)) : 0;
}

/** A data value in axis units: log10 on log axes (NaN for ≤ 0), an index on category axes. */
export function toAxisUnits(a: Axis, v: unknown): number {
  if (a.type === "category") {
    if (typeof v === "number") return v;
    const i = a.categories.indexOf(String(v));
    return i < 0 ? NaN : i;
  }
  const n = toNum(v);
  if (a.type === "log") return n > 0 ? Math.log10(n) : NaN;
  return n;
}

/** Sets the axis pixel span from the plot area (left, top, width, height in px). */
export function place(a: Axis, plot: { readonly left: number; readonly top: number; readonly width: number; readonly height: number }): void {
  if (a.letter === "x") {
    a.p0 = plot.left + a.domain[0] * plot.width;
    a.p1 = plot.left + a.domain[1] * plot.width;
  } else {
    a.p0 = plot.top + (1 - a.domain[0]) * plot.height;
    a.p1 = plot.top + (1 - a.domain[1]) * plot.height;
  }
}

export function lengthPx(a: Axis): number {
  return Math.abs(a.p1 - a.p0);
}

/** Is u (axis units) within the visible range? */
export function inRange(a: Axis, u: number): boolean {
  const [r0, r1] = a.range;
  return u >= Math.min(r0, r1) && u <= Math.max(r0, r1);
}

/** Axis units → pixels. */
export function toPx(a: Axis, u: number): number {
  const [r0, r1] = a.range;
  return a.p0 + ((u - r0) / (r1 - r0)) * (a.p1 - a.p0);
}

/** The autorange (or the given range) of an axis from the extents its traces and shapes need. */
export function resolveRange(a: Axis, extents: readonly Extent[]): void {
  const given = arr(a.layout, "range");
  const autorange = a.layout.autorange;
  if (given && given.length === 2 && autorange !== true && autorange !== "reversed") {
    const r0 = toAxisUnits({ ...a, type: a.type === "log" ? "linear" : a.type }, given[0]);
    const r1 = toAxisUnits({ ...a, type: a.type === "log" ? "linear" : a.type }, given[1]);
    if (Number.isFinite(r0) && Number.isFinite(r1) && r0 !== r1) {
      a.range = [r0, r1];
      return;
    }
  }
  const L = Math.max(1, lengthPx(a));
  // Candidate ends with their pixel padding; the range is Plotly's: over every (low, high)
  // pair, the one needing the most data units per pixel decides.
  const lows: { v: number; pad: number }[] = [], highs: { v: number; pad: number }[] = [];
  let tozero = false;
  for (const e of extents) {
    if (!Number.isFinite(e.lo) || !Number.isFinite(e.hi)) continue;
    const extra = e.padded ? 0.05 * L : 0;
    lows.push({ v: e.lo, pad: (e.padLoPx ?? e.padPx ?? 0) + extra });
    highs.push({ v: e.hi, pad: (e.padHiPx ?? e.padPx ?? 0) + extra });
    if (e.tozero) tozero = true;
  }
  const mode = str(a.layout, "rangemode", "normal");
  if (a.type === "linear" && lows.length > 0) {
    const lo = Math.min(...lows.map((p) => p.v)), hi = Math.max(...highs.map((p) => p.v));
    // Bars and fills start at zero with no padding on the zero side.
    if ((tozero || mode === "tozero") && lo >= 0) lows.push({ v: 0, pad: 0 });
    if ((tozero || mode === "tozero") && hi <= 0) highs.push({ v: 0, pad: 0 });
    if (tozero || mode === "tozero") {
      for (const p of lows) if (p.v === 0) p.pad = 0;
      for (const p of highs) if (p.v === 0) p.pad = 0;
    }
    if (mode === "nonnegative") for (const p of lows) if (p.v < 0) { p.v = 0; p.pad = 0; }
  }
  let range: [number, number];
  const lo = Math.min(...lows.map((p) => p.v)), hi = Math.max(...highs.map((p) => p.v));
  if (lows.length === 0) {
    range = a.type === "category" ? [-0.5, Math.max(0, a.categories.length - 1) + 0.5] : a.letter === "x" ? [-1, 6] : [-1, 4];
    if (a.type === "log") range = [0, 1];
  } else if (lo === hi) {
    range = tozero && lo === 0 ? [0, 1] : [lo - 1, hi + 1];
  } else {
    let best = 0, bl = lows[0]!, bh = highs[0]!;
    for (const l of lows) {
      for (const h of highs) {
        const dv = h.v - l.v;
        if (dv <= 0) continue;
        // Padding may not squeeze the data below a tenth of the axis.
        const dp = Math.max(L * 0.1, L - l.pad - h.pad);
        if (dv / dp > best) { best = dv / dp; bl = l; bh = h; }
      }
    }
    const m = best > 0 ? best : (hi - lo) / L;
    range = [Math.min(lo, bl.v - bl.pad * m), Math.max(hi, bh.v + bh.pad * m)];
  }
  if (autorange === "reversed") range = [range[1], range[0]];
  a.range = range;
}

/** Plotly's ticks for the axis's range and length (tickmode auto / linear / array). */
export function makeTicks(a: Axis): Tick[] {
  const L = lengthPx(a);
  const lay = a.layout;
  const mode = optStr(lay, "tickmode");
  const vals = arr(lay, "tickvals");
  const text = arr(lay, "ticktext");
  const o: TickOptions = {
    nticks: optNum(lay, "nticks"),
    dtick: mode === "array" ? undefined : optNum(lay, "dtick"),
    tick0: optNum(lay, "tick0"),
    tickvals: vals && (mode === "array" || mode === undefined) ? Array.from(vals, (v) => toAxisUnits({ ...a, type: a.type === "log" ? "linear" : a.type }, v)) : undefined,
    ticktext: text ? Array.from(text, String) : undefined,
    tickformat: optStr(lay, "tickformat"),
    tickprefix: optStr(lay, "tickprefix"),
    ticksuffix: optStr(lay, "ticksuffix"),
  };
  if (a.type === "category") {
    const [r0, r1] = a.range;
    const lo = Math.ceil(Math.min(r0, r1) - 1e-9), hi = Math.floor(Math.max(r0, r1) + 1e-9);
    // Plotly: one label per 1.2 font sizes of axis length at most, every k-th category.
    const perLabel = Math.round(1.2 * tickFontSize(a, 12));
    const step = Math.ceil(Math.max(1, (Math.max(r0, r1) - Math.min(r0, r1)) / Math.max(1, L / perLabel)));
    const out: Tick[] = [];
    for (let i = Math.max(0, Math.ceil(lo / step) * step); i <= hi && i < a.categories.length; i += step) out.push({ at: i, label: a.categories[i]! });
    return out;
  }
  if (a.type === "log") return logTicks(a.range[0], a.range[1], L, a.letter, o);
  return linearTicks(a.range[0], a.range[1], L, a.letter, o);
}

export function showGrid(a: Axis): boolean {
  return bool(a.layout, "showgrid", !a.oriented);
}

export function showZeroLine(a: Axis): boolean {
  return a.type === "linear" && bool(a.layout, "zeroline", !a.oriented);
}

export function tickFontSize(a: Axis, base: number): number {
  return num(rec(a.layout, "tickfont"), "size", base);
}

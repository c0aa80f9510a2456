// Traces turned into geometry in axis units before anything is drawn: scatter points, bars
// (grouped, overlaid or stacked, histograms binned), heatmap cells, and the extents each one asks
// of its axes (Plotly's padding rules). It must not know pixels or SVG.

import { toAxisUnits, traceAxisIds, type Axis, type Extent } from "./axes.ts";
import { COLORWAY } from "./colors.ts";
import { autoBins, histogram, type HistNorm } from "./histogram.ts";
import { arr, bool, isRec, num, optNum, optStr, rec, str, toNum, type Rec } from "./read.ts";

export interface Bars {
  /** Bar centre on the position axis (after group offsets), axis units. */
  readonly pos: Float64Array;
  readonly width: Float64Array;
  /** Bar ends on the value axis, raw values (log is applied when drawn). */
  readonly base: Float64Array;
  readonly top: Float64Array;
  readonly horizontal: boolean;
  /** Positions before group offsets, and the slot each one owns (Plotly pads the axis by it). */
  readonly center: Float64Array;
  readonly slot: number;
}

export interface Heat {
  readonly xEdges: Float64Array;
  readonly yEdges: Float64Array;
  /** Row-major, rows along y. */
  readonly z: Float64Array;
  readonly cols: number;
  readonly zmin: number;
  readonly zmax: number;
}

export interface Prepared {
  readonly index: number;
  readonly kind: "scatter" | "bar" | "heatmap" | "unsupported";
  readonly type: string;
  readonly trace: Rec;
  readonly xa: Axis;
  readonly ya: Axis;
  readonly name: string;
  /** The trace's colour: marker.color / line.color if a single colour, else the colorway's. */
  readonly color: string;
  readonly showlegend: boolean;
  /** Scatter points in axis units (log10 on log axes; NaN = gap). */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly lines: boolean;
  readonly markers: boolean;
  readonly bars?: Bars;
  readonly heat?: Heat;
}

function numbers(a: Axis, vals: ArrayLike<unknown> | undefined, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = vals ? toAxisUnits(a, vals[i]) : i;
  return out;
}

/** The single colour a trace asks for, if any. */
function ownColor(t: Rec): string | undefined {
  const m = rec(t, "marker");
  const c = m.color;
  if (typeof c === "string") return c;
  // A fillcolor alone does not colour the trace's line (Plotly keeps the colorway's).
  return optStr(rec(t, "line"), "color");
}

export function markerSize(t: Rec): number {
  const s = rec(t, "marker").size;
  if (typeof s === "number") return s;
  const a = arr(rec(t, "marker"), "size");
  if (a) {
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, toNum(a[i]));
    return m;
  }
  return 6;
}

export function prepareTraces(data: readonly Rec[], axes: ReadonlyMap<string, Axis>, layout: Rec): Prepared[] {
  const colorway = (arr(layout, "colorway") as readonly string[] | undefined) ?? COLORWAY;
  const out: Prepared[] = data.map((t, index) => {
    const [xid, yid] = traceAxisIds(t);
    const xa = axes.get(xid)!, ya = axes.get(yid)!;
    const type = str(t, "type", "scatter");
    const color = ownColor(t) ?? String(colorway[index % colorway.length]);
    const base = {
      index, type, trace: t, xa, ya, color,
      name: str(t, "name", `trace ${index}`),
      showlegend: bool(t, "showlegend", type !== "heatmap"),
    };
    if (bool(t, "visible", true) === false || t.visible === "legendonly") {
      return { ...base, kind: "unsupported" as const, x: new Float64Array(0), y: new Float64Array(0), lines: false, markers: false, showlegend: false };
    }
    if (type === "scatter" || type === "scattergl") {
      const xs = arr(t, "x"), ys = arr(t, "y");
      const n = Math.max(xs?.length ?? 0, ys?.length ?? 0);
      const mode = str(t, "mode", n < 20 ? "lines+markers" : "lines");
      return {
        ...base, kind: "scatter" as const,
        x: numbers(xa, xs, n), y: numbers(ya, ys, n),
        lines: mode.includes("lines"), markers: mode.includes("markers"),
      };
    }
    if (type === "heatmap") return { ...base, kind: "heatmap" as const, heat: heatOf(t, xa, ya), x: new Float64Array(0), y: new Float64Array(0), lines: false, markers: false };
    if (type === "bar" || type === "histogram") return { ...base, kind: "bar" as const, x: new Float64Array(0), y: new Float64Array(0), lines: false, markers: false };
    return { ...base, kind: "unsupported" as const, x: new Float64Array(0), y: new Float64Array(0), lines: false, markers: false, showlegend: false };
  });
  layoutBars(out, layout);
  return out;
}

/** Raw (position, value) pairs of a bar or histogram trace, before grouping. */
function barData(p: Prepared, posAxis: Axis): { pos: Float64Array; val: Float64Array; width: number | undefined } {
  const t = p.trace;
  const horizontal = str(t, "orientation", "v") === "h";
  if (p.type === "histogram") {
    const key = horizontal ? "y" : "x";
    const raw = arr(t, key) ?? [];
    const values = new Float64Array(raw.length);
    for (let i = 0; i < raw.length; i++) values[i] = toNum(raw[i]);
    const xb = rec(t, horizontal ? "ybins" : "xbins");
    const auto = autoBins(values, optNum(t, horizontal ? "nbinsy" : "nbinsx"));
    const size = num(xb, "size", auto.size);
    const bins = { start: num(xb, "start", auto.start), end: num(xb, "end", auto.end), size: size > 0 ? size : auto.size };
    const h = histogram(values, bins, str(t, "histnorm", "") as HistNorm);
    const pos = new Float64Array(h.counts.length);
    for (let i = 0; i < pos.length; i++) pos[i] = (h.edges[i]! + h.edges[i + 1]!) / 2;
    return { pos, val: h.counts, width: bins.size };
  }
  const ps = arr(t, horizontal ? "y" : "x"), vs = arr(t, horizontal ? "x" : "y");
  const n = vs?.length ?? 0;
  const pos = numbers(posAxis, ps, n);
  const val = new Float64Array(n);
  for (let i = 0; i < n; i++) val[i] = toNum(vs![i]);
  return { pos, val, width: optNum(t, "width") };
}

/** Plotly's bar layout: a slot per distinct position, shared by the traces of a group. */
function layoutBars(prepared: Prepared[], layout: Rec): void {
  const barTraces = prepared.filter((p) => p.kind === "bar");
  if (barTraces.length === 0) return;
  const onlyHist = barTraces.every((p) => p.type === "histogram");
  const bargap = num(layout, "bargap", onlyHist ? 0 : 0.2);
  const groupgap = num(layout, "bargroupgap", 0);
  const mode = str(layout, "barmode", "group");
  // Traces that share a position axis are grouped/stacked together.
  const groups = new Map<string, Prepared[]>();
  for (const p of barTraces) {
    const horizontal = str(p.trace, "orientation", "v") === "h";
    const key = (horizontal ? p.ya.id : p.xa.id) + "|" + (horizontal ? p.xa.id : p.ya.id);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  for (const members of groups.values()) {
    const raw = members.map((p) => {
      const horizontal = str(p.trace, "orientation", "v") === "h";
      return { p, horizontal, ...barData(p, horizontal ? p.ya : p.xa) };
    });
    let minDiff = Infinity;
    const allPos = [...new Set(raw.flatMap((r) => Array.from(r.pos).filter(Number.isFinite)))].sort((a, b) => a - b);
    for (let i = 1; i < allPos.length; i++) minDiff = Math.min(minDiff, allPos[i]! - allPos[i - 1]!);
    for (const r of raw) if (r.p.type === "histogram" && r.width !== undefined) minDiff = Math.min(minDiff, r.width);
    if (!Number.isFinite(minDiff)) minDiff = 1;
    const slot = minDiff * (1 - bargap);
    const stackPos = new Map<number, number>(), stackNeg = new Map<number, number>();
    raw.forEach((r, k) => {
      const n = r.pos.length;
      const pos = new Float64Array(n), width = new Float64Array(n), base = new Float64Array(n), top = new Float64Array(n);
      const grouped = mode === "group" && raw.length > 1;
      const w = r.width !== undefined && r.p.type !== "histogram" ? r.width : grouped ? (slot * (1 - groupgap)) / raw.length : slot * (1 - groupgap);
      const offset = grouped ? -slot / 2 + (k + 0.5) * (slot / raw.length) : 0;
      const base0 = optNum(r.p.trace, "base") ?? 0;
      for (let i = 0; i < n; i++) {
        pos[i] = r.pos[i]! + offset;
        width[i] = w;
        const v = r.val[i]!;
        if ((mode === "stack" || mode === "relative") && Number.isFinite(v)) {
          const stack = v >= 0 ? stackPos : stackNeg;
          const b = stack.get(r.pos[i]!) ?? base0;
          base[i] = b;
          top[i] = b + v;
          stack.set(r.pos[i]!, b + v);
        } else {
          base[i] = base0;
          top[i] = base0 + v;
        }
      }
      const i = prepared.indexOf(r.p);
      prepared[i] = { ...r.p, bars: { pos, width, base, top, horizontal: r.horizontal, center: r.pos, slot: minDiff } };
    });
  }
}

function heatOf(t: Rec, xa: Axis, ya: Axis): Heat {
  const zRaw = arr(t, "z") ?? [];
  const rows = zRaw.length;
  let cols = 0;
  for (let r = 0; r < rows; r++) {
    const row = zRaw[r];
    if (Array.isArray(row) || (ArrayBuffer.isView(row) && !(row instanceof DataView))) cols = Math.max(cols, (row as ArrayLike<unknown>).length);
  }
  const z = new Float64Array(rows * cols).fill(NaN);
  let zmin = Infinity, zmax = -Infinity;
  for (let r = 0; r < rows; r++) {
    const row = zRaw[r] as ArrayLike<unknown> | undefined;
    if (!row || typeof row !== "object") continue;
    for (let c = 0; c < cols; c++) {
      const v = toNum(row[c]);
      z[r * cols + c] = v;
      if (Number.isFinite(v)) {
        zmin = Math.min(zmin, v);
        zmax = Math.max(zmax, v);
      }
    }
  }
  if (!Number.isFinite(zmin)) { zmin = 0; zmax = 1; }
  return {
    xEdges: edgesOf(xa, arr(t, "x"), cols), yEdges: edgesOf(ya, arr(t, "y"), rows), z, cols,
    zmin: optNum(t, "zmin") ?? zmin, zmax: optNum(t, "zmax") ?? zmax,
  };
}

/** Cell edges from n centres (midpoints, ends extended half a step) or from n + 1 given edges. */
function edgesOf(a: Axis, vals: ArrayLike<unknown> | undefined, n: number): Float64Array {
  const e = new Float64Array(n + 1);
  if (vals && vals.length === n + 1) {
    for (let i = 0; i <= n; i++) e[i] = toAxisUnits(a, vals[i]);
    return e;
  }
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = vals && i < vals.length ? toAxisUnits(a, vals[i]) : i;
  for (let i = 1; i < n; i++) e[i] = (c[i - 1]! + c[i]!) / 2;
  e[0] = n > 1 ? c[0]! - (c[1]! - c[0]!) / 2 : c[0]! - 0.5;
  e[n] = n > 1 ? c[n - 1]! + (c[n - 1]! - c[n - 2]!) / 2 : c[0]! + 0.5;
  return e;
}

function minMax(a: ArrayLike<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The extents a prepared trace asks of its x and y axes (Plotly's autorange rules). */
export function traceExtents(p: Prepared): { x: Extent[]; y: Extent[] } {
  if (p.kind === "scatter") {
    const fill = str(p.trace, "fill", "none");
    const pad = p.markers ? markerSize(p.trace) / 2 + num(rec(rec(p.trace, "marker"), "line"), "width", 0) / 2 : 0;
    const [x0, x1] = minMax(p.x), [y0, y1] = minMax(p.y);
    return {
      // Lines without markers are not padded along x (Plotly), so a time axis starts at the data.
      x: [{ lo: x0, hi: x1, padPx: pad, padded: p.markers, tozero: fill === "tozerox" }],
      y: [{ lo: y0, hi: y1, padPx: pad, padded: fill !== "tozeroy", tozero: fill === "tozeroy" }],
    };
  }
  if (p.kind === "bar" && p.bars) {
    const b = p.bars;
    let plo = Infinity, phi = -Infinity;
    for (let i = 0; i < b.pos.length; i++) {
      if (!Number.isFinite(b.top[i]!)) continue;
      plo = Math.min(plo, b.pos[i]! - b.width[i]! / 2, b.center[i]! - b.slot / 2);
      phi = Math.max(phi, b.pos[i]! + b.width[i]! / 2, b.center[i]! + b.slot / 2);
    }
    const valAxis = b.horizontal ? p.xa : p.ya;
    const conv = (v: number): number => (valAxis.type === "log" ? (v > 0 ? Math.log10(v) : NaN) : v);
    let vlo = Infinity, vhi = -Infinity;
    for (let i = 0; i < b.top.length; i++) {
      for (const v of [conv(b.base[i]!), conv(b.top[i]!)]) {
        if (!Number.isFinite(v)) continue;
        vlo = Math.min(vlo, v);
        vhi = Math.max(vhi, v);
      }
    }
    const posExt: Extent = { lo: plo, hi: phi };
    const valExt: Extent = { lo: vlo, hi: vhi, padded: true, tozero: true };
    return b.horizontal ? { x: [valExt], y: [posExt] } : { x: [posExt], y: [valExt] };
  }
  if (p.kind === "heatmap" && p.heat) {
    const [x0, x1] = minMax(p.heat.xEdges), [y0, y1] = minMax(p.heat.yEdges);
    return { x: [{ lo: x0, hi: x1 }], y: [{ lo: y0, hi: y1 }] };
  }
  return { x: [], y: [] };
}

export function isTraceVisibleInLegend(p: Prepared): boolean {
  return p.kind !== "unsupported" && p.kind !== "heatmap" && p.showlegend && isRec(p.trace) && p.name !== "";
}

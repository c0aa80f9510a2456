// The traces of one subplot as SVG, in Plotly's layer order (heatmaps, bars, scatter): lines
// as one path, every marker and bar as one `path.point` (points outside the axis ranges left
// out), fills, heatmap cells. It must not lay out axes or decide ranges.

import { inRange, toPx, type Axis } from "./axes.ts";
import { colorAt, colorscale } from "./colors.ts";
import { markerGroupAttrs, markerPath, strokedSymbol, symbolOf, symbolStrokeWidth } from "./markers.ts";
import { arr, bool, escapeXml, num, optNum, optStr, px, rec, str, toNum, type Rec } from "./read.ts";
import { fillAttrs, strokeAttrs } from "./style.ts";
import { markerSize, type Prepared } from "./traces.ts";

const LAYER_ORDER: Readonly<Record<Prepared["kind"], number>> = { heatmap: 0, bar: 1, scatter: 2, unsupported: 3 };

export function drawSubplotTraces(xa: Axis, ya: Axis, clipId: string, prepared: readonly Prepared[]): string {
  const mine = prepared.filter((p) => p.xa === xa && p.ya === ya && p.kind !== "unsupported");
  mine.sort((a, b) => LAYER_ORDER[a.kind] - LAYER_ORDER[b.kind] || a.index - b.index);
  let prev: { X: Float64Array; Y: Float64Array } | undefined;
  let out = `<g class="plot" clip-path="url(#${clipId})">`;
  for (const p of mine) {
    if (p.kind === "heatmap") out += drawHeatmap(p);
    else if (p.kind === "bar") out += drawBars(p);
    else {
      const r = drawScatter(p, prev);
      out += r.svg;
      prev = r.points;
    }
  }
  return out + "</g>";
}

function opacityAttr(t: Rec): string {
  const o = num(t, "opacity", 1);
  return o < 1 ? ` opacity="${o}"` : "";
}

function linePath(X: Float64Array, Y: Float64Array, shape: string): string {
  const parts: string[] = [];
  let pen = false, lx = 0, ly = 0;
  for (let i = 0; i < X.length; i++) {
    const x = X[i]!, y = Y[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    if (!pen) parts.push(`M${px(x)},${px(y)}`);
    else if (shape === "hv") parts.push(`H${px(x)}V${px(y)}`);
    else if (shape === "vh") parts.push(`V${px(y)}H${px(x)}`);
    else if (shape === "hvh") parts.push(`H${px((lx + x) / 2)}V${px(y)}H${px(x)}`);
    else if (shape === "vhv") parts.push(`V${px((ly + y) / 2)}H${px(x)}V${px(y)}`);
    else parts.push(`L${px(x)},${px(y)}`);
    pen = true;
    lx = x;
    ly = y;
  }
  return parts.join("");
}

/** Per-point colours: strings as given, numbers through the marker's colour scale. */
function pointColors(marker: Rec, n: number): string[] | undefined {
  const c = arr(marker, "color");
  if (!c) return undefined;
  if (c.length > 0 && typeof c[0] === "string") return Array.from({ length: n }, (_, i) => String(c[i] ?? ""));
  const scale = colorscale(marker.colorscale);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < c.length; i++) {
    const v = toNum(c[i]);
    if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  }
  lo = optNum(marker, "cmin") ?? lo;
  hi = optNum(marker, "cmax") ?? hi;
  const rev = bool(marker, "reversescale", false);
  return Array.from({ length: n }, (_, i) => {
    const t = (toNum(c[i]) - lo) / (hi - lo || 1);
    return colorAt(scale, rev ? 1 - t : t);
  });
}

function drawScatter(p: Prepared, prev: { X: Float64Array; Y: Float64Array } | undefined): { svg: string; points: { X: Float64Array; Y: Float64Array } } {
  const t = p.trace, xa = p.xa, ya = p.ya, n = p.x.length;
  const X = new Float64Array(n), Y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    X[i] = toPx(xa, p.x[i]!);
    Y[i] = toPx(ya, p.y[i]!);
  }
  let out = `<g class="trace scatter" data-index="${p.index}"${opacityAttr(t)}>`;
  const fill = str(t, "fill", "none");
  if (fill !== "none") {
    const fc = optStr(t, "fillcolor");
    const d = fillPath(fill, X, Y, xa, ya, prev);
    if (d) out += `<path class="js-fill" d="${d}" ${fillAttrs(fc ?? p.color, fc ? 1 : 0.5)} stroke="none"/>`;
  }
  const line = rec(t, "line");
  const lw = num(line, "width", 2);
  if (p.lines && lw > 0) {
    const d = linePath(X, Y, str(line, "shape", "linear"));
    if (d) out += `<path class="js-line" d="${d}" fill="none" ${strokeAttrs(p.color, lw, optStr(line, "dash"))} stroke-linejoin="round"/>`;
  }
  if (p.markers) {
    const marker = rec(t, "marker");
    const sym = symbolOf(t);
    const size = markerSize(t);
    const sizes = arr(marker, "size");
    const colors = pointColors(marker, n);
    const stroked = strokedSymbol(sym);
    const lw0 = num(rec(marker, "line"), "width", 0);
    const pts: string[] = [];
    for (let i = 0; i < n; i++) {
      if (!inRange(xa, p.x[i]!) || !inRange(ya, p.y[i]!)) continue;
      const s = sizes ? toNum(sizes[i]) : size;
      if (!(s > 0)) continue;
      let extra = "";
      if (colors) extra += stroked ? ` stroke="${escapeXml(colors[i]!)}"` : ` fill="${escapeXml(colors[i]!)}"`;
      if (sizes && (sym === "circle" || sym === "square")) extra += ` stroke-width="${px(symbolStrokeWidth(sym, s, lw0))}"`;
      pts.push(`<path class="point" d="${markerPath(sym, X[i]!, Y[i]!, s)}"${extra}/>`);
    }
    out += `<g class="points" ${markerGroupAttrs(t, p.color, size)}>${pts.join("")}</g>`;
  }
  return { svg: out + "</g>", points: { X, Y } };
}

function fillPath(fill: string, X: Float64Array, Y: Float64Array, xa: Axis, ya: Axis, prev: { X: Float64Array; Y: Float64Array } | undefined): string {
  const idx: number[] = [];
  for (let i = 0; i < X.length; i++) if (Number.isFinite(X[i]!) && Number.isFinite(Y[i]!)) idx.push(i);
  if (idx.length === 0) return "";
  const pts = idx.map((i) => `${px(X[i]!)},${px(Y[i]!)}`);
  const baseOf = (a: Axis): number => (a.type === "linear" && inRange(a, 0) ? toPx(a, 0) : a.p0);
  if (fill === "tozeroy") {
    const y0 = baseOf(ya);
    return `M${px(X[idx[0]!]!)},${px(y0)}L${pts.join("L")}L${px(X[idx[idx.length - 1]!]!)},${px(y0)}Z`;
  }
  if (fill === "tozerox") {
    const x0 = baseOf(xa);
    return `M${px(x0)},${px(Y[idx[0]!]!)}L${pts.join("L")}L${px(x0)},${px(Y[idx[idx.length - 1]!]!)}Z`;
  }
  if (fill === "tonexty" && prev) {
    const back: string[] = [];
    for (let i = prev.X.length - 1; i >= 0; i--) if (Number.isFinite(prev.X[i]!) && Number.isFinite(prev.Y[i]!)) back.push(`${px(prev.X[i]!)},${px(prev.Y[i]!)}`);
    return `M${pts.join("L")}L${back.join("L")}Z`;
  }
  if (fill === "toself" || fill === "tonexty") return `M${pts.join("L")}Z`;
  return "";
}

function drawBars(p: Prepared): string {
  const b = p.bars;
  if (!b) return "";
  const t = p.trace;
  const posAxis = b.horizontal ? p.ya : p.xa, valAxis = b.horizontal ? p.xa : p.ya;
  const marker = rec(t, "marker");
  const colors = pointColors(marker, b.pos.length);
  const ml = rec(marker, "line");
  const mlw = num(ml, "width", 0);
  const valPx = (v: number): number => {
    const u = valAxis.type === "log" ? (v > 0 ? Math.log10(v) : NaN) : v;
    return Number.isFinite(u) ? toPx(valAxis, u) : valAxis.p0;
  };
  const color = typeof marker.color === "string" ? marker.color : p.color;
  let out = `<g class="trace bars" data-index="${p.index}"${opacityAttr(t)}><g class="points" ${fillAttrs(color, num(marker, "opacity", 1))} ${mlw > 0 ? strokeAttrs(str(ml, "color", "#444"), mlw) : `stroke="none"`}>`;
  for (let i = 0; i < b.pos.length; i++) {
    if (!Number.isFinite(b.top[i]!) || !Number.isFinite(b.pos[i]!)) continue;
    const p0 = toPx(posAxis, b.pos[i]! - b.width[i]! / 2), p1 = toPx(posAxis, b.pos[i]! + b.width[i]! / 2);
    const v0 = valPx(b.base[i]!), v1 = valPx(b.top[i]!);
    const d = b.horizontal ? `M${px(v0)},${px(p0)}H${px(v1)}V${px(p1)}H${px(v0)}Z` : `M${px(p0)},${px(v0)}V${px(v1)}H${px(p1)}V${px(v0)}Z`;
    out += `<path class="point" d="${d}"${colors ? ` fill="${escapeXml(colors[i]!)}"` : ""}/>`;
  }
  return out + "</g></g>";
}

function drawHeatmap(p: Prepared): string {
  const h = p.heat;
  if (!h) return "";
  const scale = colorscale(p.trace.colorscale);
  const rev = bool(p.trace, "reversescale", false);
  const rows = h.yEdges.length - 1;
  const xs = Array.from(h.xEdges, (u) => toPx(p.xa, u));
  const ys = Array.from(h.yEdges, (u) => toPx(p.ya, u));
  const span = h.zmax - h.zmin || 1;
  const cells: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < h.cols; c++) {
      const z = h.z[r * h.cols + c]!;
      if (!Number.isFinite(z)) continue;
      const t = (z - h.zmin) / span;
      const x0 = Math.min(xs[c]!, xs[c + 1]!), y0 = Math.min(ys[r]!, ys[r + 1]!);
      // Half a pixel of overlap hides the hairline seams renderers leave between touching cells.
      cells.push(`<rect x="${px(x0)}" y="${px(y0)}" width="${px(Math.abs(xs[c + 1]! - xs[c]!) + 0.5)}" height="${px(Math.abs(ys[r + 1]! - ys[r]!) + 0.5)}" fill="${colorAt(scale, rev ? 1 - t : t)}"/>`);
    }
  }
  return `<g class="trace heatmap" data-index="${p.index}"${opacityAttr(p.trace)}>${cells.join("")}</g>`;
}

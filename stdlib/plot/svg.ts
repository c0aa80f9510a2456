// A Figure (a Plotly spec) rendered as a static SVG string for viewers that run no JavaScript
// (GitHub, nbviewer, `spikelab run --out`). Deterministic: the same figure gives the same bytes.
// Every scatter marker and every bar is one `path.point` (as in Plotly's own SVG), so tests and
// the kernel can count marks; markers outside the visible axis ranges are left out. Traces of a
// type it does not draw are listed in a note on the figure. It must not fetch or measure fonts.

import { collectAxes, makeTicks, place, resolveRange, showGrid, showZeroLine, tickFontSize, toAxisUnits, toPx, type Axis, type Extent } from "./axes.ts";
import { colorAt, colorscale } from "./colors.ts";
import {
  buttons, colorBarBox, colorBarModel, drawAnnotations, drawColorBar, drawLegend, drawShapes, drawTitle, fillAttrs,
  legendBox, legendModel, markerGroupAttrs, markerPath, sliders, strokeAttrs, strokedSymbol, symbolOf, symbolStrokeWidth,
  type Area, type BoxPx, type Font,
} from "./decor.ts";
import type { Figure } from "./figure.ts";
import { arr, bool, escapeXml, hashString, isRec, num, optNum, optStr, px, rec, recs, str, titleText, toNum, type Rec } from "./read.ts";
import { textElement, textWidth } from "./text.ts";
import { isTraceVisibleInLegend, markerSize, prepareTraces, traceExtents, type Prepared } from "./traces.ts";

export interface SvgOptions {
  /** Overrides layout.width / layout.height (pixels). */
  readonly width?: number;
  readonly height?: number;
}

const DEFAULT_FONT = "'Open Sans', verdana, arial, sans-serif";
const ID = "@@ID@@";

interface Margins { l: number; r: number; t: number; b: number }

function areaOf(w: number, h: number, m: Margins): Area {
  return { left: m.l, top: m.t, width: Math.max(10, w - m.l - m.r), height: Math.max(10, h - m.t - m.b) };
}

export function figureSvg(fig: Figure, opts: SvgOptions = {}): string {
  const layout = fig.layout as Rec;
  const data = fig.data.filter(isRec) as Rec[];
  const W = opts.width ?? num(layout, "width", 700);
  const H = opts.height ?? num(layout, "height", 450);
  const lf = rec(layout, "font");
  const font: Font = { family: str(lf, "family", DEFAULT_FONT), size: num(lf, "size", 12), color: str(lf, "color", "#444") };
  const axes = collectAxes(layout, data);
  const prepared = prepareTraces(data, axes, layout);

  // Margins as given (Plotly's defaults), pushed out where the legend, colour bar or controls
  // would leave the paper (Plotly's automargin for these).
  const lm = rec(layout, "margin");
  const base: Margins = { l: num(lm, "l", 80), r: num(lm, "r", 80), t: num(lm, "t", 100), b: num(lm, "b", 80) };
  const legend = legendModel(prepared, layout, font, isTraceVisibleInLegend);
  const m: Margins = { ...base };
  for (let pass = 0; pass < 3; pass++) {
    const plot = areaOf(W, H, m);
    const boxes: BoxPx[] = [];
    if (legend) boxes.push(legendBox(legend, plot));
    const cb = colorBarModel(prepared, plot, font);
    if (cb) boxes.push(colorBarBox(cb, plot));
    for (const c of [...sliders(layout, plot, font), ...buttons(layout, plot, font)]) boxes.push(c.box);
    // Plotly keeps pushed elements min(12 px, smallest margin) from the paper's edge.
    const pad = Math.max(0, Math.min(12, base.l, base.r, base.t, base.b));
    for (const b of boxes) {
      if (b.x1 > W - pad) m.r += b.x1 - (W - pad);
      if (b.x0 < pad) m.l += pad - b.x0;
      if (b.y1 > H - pad) m.b += b.y1 - (H - pad);
      if (b.y0 < pad) m.t += pad - b.y0;
    }
  }
  const plot = areaOf(W, H, m);
  for (const a of axes.values()) place(a, plot);

  // Ranges from what the traces and data-referenced shapes need.
  const extents = new Map<string, Extent[]>([...axes.keys()].map((k) => [k, []]));
  for (const p of prepared) {
    const e = traceExtents(p);
    extents.get(p.xa.id)!.push(...e.x);
    extents.get(p.ya.id)!.push(...e.y);
  }
  const shapes = recs(layout, "shapes");
  for (const s of shapes) {
    for (const [letter, k0, k1] of [["x", "x0", "x1"], ["y", "y0", "y1"]] as const) {
      const ref = str(s, letter + "ref", letter);
      const a = axes.get(ref);
      if (!a) continue;
      const u0 = toAxisUnits(a, s[k0]), u1 = toAxisUnits(a, s[k1]);
      if (Number.isFinite(u0) && Number.isFinite(u1)) extents.get(a.id)!.push({ lo: Math.min(u0, u1), hi: Math.max(u0, u1) });
    }
  }
  const annotations = recs(layout, "annotations");
  for (const e of annotationExtents(annotations, axes, font)) extents.get(e.axis)!.push(e.extent);
  for (const a of axes.values()) {
    resolveRange(a, extents.get(a.id)!);
    a.ticks = makeTicks(a);
  }

  const subplots = subplotsOf(prepared, axes);
  const parts: string[] = [];
  parts.push(`<rect class="bg" width="${W}" height="${H}" ${fillAttrs(str(layout, "paper_bgcolor", "#fff"))}/>`);
  parts.push("<defs>" + subplots.map(([xa, ya], i) => {
    const r = rectOf(xa, ya);
    return `<clipPath id="${ID}-c${i}"><rect x="${px(r.x0)}" y="${px(r.y0)}" width="${px(r.x1 - r.x0)}" height="${px(r.y1 - r.y0)}"/></clipPath>`;
  }).join("") + "</defs>");
  parts.push(`<g class="cartesianlayer">${subplots.map(([xa, ya]) => drawSubplotBack(xa, ya, layout, prepared)).join("")}</g>`);
  parts.push(`<g class="shapelayer below">${drawShapes(shapes, "below", axes, plot)}</g>`);
  parts.push(`<g class="plots">${subplots.map(([xa, ya], i) => drawSubplotTraces(xa, ya, i, prepared)).join("")}</g>`);
  parts.push(`<g class="axes">${[...axes.values()].map((a) => drawAxis(a, axes, plot, font, H)).join("")}</g>`);
  parts.push(`<g class="shapelayer above">${drawShapes(shapes, "above", axes, plot)}</g>`);
  parts.push(`<g class="annotations">${drawAnnotations(annotations, axes, plot, font)}</g>`);
  if (legend) parts.push(drawLegend(legend, plot));
  const cb = colorBarModel(prepared, plot, font);
  if (cb) parts.push(drawColorBar(cb, plot, font));
  const controls = [...sliders(layout, plot, font), ...buttons(layout, plot, font)];
  if (controls.length > 0) parts.push(`<g class="controls">${controls.map((c) => c.svg).join("")}</g>`);
  parts.push(drawTitle(layout, W, m.t, font));
  const skipped = [...new Set(prepared.filter((p) => p.kind === "unsupported" && p.trace.visible !== false && p.trace.visible !== "legendonly").map((p) => p.type))];
  if (skipped.length > 0) {
    parts.push(textElement(4, H - 4, `static view omits trace type${skipped.length > 1 ? "s" : ""}: ${skipped.join(", ")}`, { size: 10, color: "#b00", cls: "unsupported-note" }));
  }
  const body = parts.join("");
  const id = "sl" + hashString(body);
  const head =
    `<svg xmlns="http://www.w3.org/2000/svg" class="spikelab-svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"` +
    ` font-family="${escapeXml(font.family)}" font-size="${font.size}" fill="${escapeXml(font.color)}">`;
  const titleTag = titleText(layout.title) ? `<title>${escapeXml(titleText(layout.title).replace(/<[^>]*>/g, " "))}</title>` : "";
  return head + titleTag + body.split(ID).join(id) + "</svg>";
}

/**
 * Plotly widens an autorange so an annotation's text (offset by its arrow) stays inside the plot;
 * the text box is estimated from the text. Annotations give log10 values on log axes.
 */
function annotationExtents(anns: readonly Rec[], axes: ReadonlyMap<string, Axis>, font: Font): { axis: string; extent: Extent }[] {
  const out: { axis: string; extent: Extent }[] = [];
  for (const a of anns) {
    const text = str(a, "text", "");
    const size = num(rec(a, "font"), "size", font.size);
    const nLines = text.split(/<br\s*\/?>/i).length;
    // Plotly measures the text box with a 1 px border pad and 1 px border: 2.4 px around 1.3 em lines.
    const w = Math.max(...text.split(/<br\s*\/?>/i).map((l) => textWidth(l, size))) + 2.4, h = nLines * size * 1.3 + 2.4;
    const arrow = a.showarrow !== false;
    const ax = arrow ? num(a, "ax", -10) : 0, ay = arrow ? num(a, "ay", -30) : 0;
    for (const letter of ["x", "y"] as const) {
      const axis = axes.get(str(a, letter + "ref", letter));
      if (!axis) continue;
      const u = axis.type === "log" ? toNum(a[letter]) : toAxisUnits(axis, a[letter]);
      if (!Number.isFinite(u)) continue;
      // Pixel offsets grow rightwards and downwards; a y axis grows upwards.
      // Without an arrow the anchor decides which side of the point the text occupies.
      const xa = arrow ? "center" : str(a, "xanchor", "auto"), ya = arrow ? "middle" : str(a, "yanchor", "auto");
      const left = xa === "left" ? 0 : xa === "right" ? w : w / 2;
      const below = ya === "bottom" ? 0 : ya === "top" ? h : h / 2;
      const extent: Extent = letter === "x"
        ? { lo: u, hi: u, padLoPx: Math.max(0, left - ax), padHiPx: Math.max(0, w - left + ax) }
        : { lo: u, hi: u, padLoPx: Math.max(0, below + ay), padHiPx: Math.max(0, h - below - ay) };
      out.push({ axis: axis.id, extent });
    }
  }
  return out;
}

/** The (x, y) axis pairs that have traces, plus declared axes paired with their anchors. */
function subplotsOf(prepared: readonly Prepared[], axes: ReadonlyMap<string, Axis>): [Axis, Axis][] {
  const keys: string[] = [];
  const add = (x: string, y: string): void => {
    const k = x + "|" + y;
    if (!keys.includes(k) && axes.has(x) && axes.has(y)) keys.push(k);
  };
  for (const p of prepared) add(p.xa.id, p.ya.id);
  for (const a of axes.values()) {
    if (a.overlaying) continue;
    const used = keys.some((k) => k.split("|")[a.letter === "x" ? 0 : 1] === a.id);
    if (!used) a.letter === "x" ? add(a.id, a.anchor) : add(a.anchor, a.id);
  }
  return keys.map((k) => {
    const [x, y] = k.split("|");
    return [axes.get(x!)!, axes.get(y!)!];
  });
}

function rectOf(xa: Axis, ya: Axis): BoxPx {
  return { x0: Math.min(xa.p0, xa.p1), x1: Math.max(xa.p0, xa.p1), y0: Math.min(ya.p0, ya.p1), y1: Math.max(ya.p0, ya.p1) };
}

function inside(a: Axis, u: number): boolean {
  const [r0, r1] = a.range;
  return u >= Math.min(r0, r1) && u <= Math.max(r0, r1);
}

/** Plot background, grid lines and zero lines of one subplot. */
function drawSubplotBack(xa: Axis, ya: Axis, layout: Rec, prepared: readonly Prepared[]): string {
  const r = rectOf(xa, ya);
  let out = `<g class="subplot ${xa.id}${ya.id}">`;
  if (!xa.overlaying && !ya.overlaying) {
    out += `<rect class="plotbg" x="${px(r.x0)}" y="${px(r.y0)}" width="${px(r.x1 - r.x0)}" height="${px(r.y1 - r.y0)}" ${fillAttrs(str(layout, "plot_bgcolor", "#fff"))}/>`;
  }
  const grid = (a: Axis, vertical: boolean): string => {
    if (!showGrid(a)) return "";
    const d = a.ticks.filter((t) => !t.minor || a.type === "log").map((t) => {
      const p = px(toPx(a, t.at));
      return vertical ? `M${p},${px(r.y0)}V${px(r.y1)}` : `M${px(r.x0)},${p}H${px(r.x1)}`;
    }).join("");
    return d ? `<path class="${a.letter}grid" d="${d}" fill="none" ${strokeAttrs(str(a.layout, "gridcolor", "#eee"), num(a.layout, "gridwidth", 1))}/>` : "";
  };
  out += `<g class="gridlayer">${grid(xa, true)}${grid(ya, false)}</g>`;
  // Plotly skips a zero line at the very edge only where the other axis draws its own line
  // there (showline) and no bars or fills meet it.
  const filled = prepared.some((p) => p.xa === xa && p.ya === ya && (p.kind === "bar" || str(p.trace, "fill", "none") !== "none"));
  const zero = (a: Axis, vertical: boolean): string => {
    if (!showZeroLine(a) || !inside(a, 0)) return "";
    const p = toPx(a, 0);
    const atEdge = Math.abs(p - a.p0) < 1 || Math.abs(p - a.p1) < 1;
    const counter = vertical ? ya : xa;
    if (atEdge && bool(counter.layout, "showline", false) && !filled) return "";
    const d = vertical ? `M${px(p)},${px(r.y0)}V${px(r.y1)}` : `M${px(r.x0)},${px(p)}H${px(r.x1)}`;
    return `<path class="${a.letter}zl zl" d="${d}" ${strokeAttrs(str(a.layout, "zerolinecolor", "#444"), num(a.layout, "zerolinewidth", 1))}/>`;
  };
  out += `<g class="zerolinelayer">${zero(xa, true)}${zero(ya, false)}</g>`;
  return out + "</g>";
}

const LAYER_ORDER: Readonly<Record<Prepared["kind"], number>> = { heatmap: 0, bar: 1, scatter: 2, unsupported: 3 };

function drawSubplotTraces(xa: Axis, ya: Axis, clip: number, prepared: readonly Prepared[]): string {
  const mine = prepared.filter((p) => p.xa === xa && p.ya === ya && p.kind !== "unsupported");
  mine.sort((a, b) => LAYER_ORDER[a.kind] - LAYER_ORDER[b.kind] || a.index - b.index);
  let prev: { X: Float64Array; Y: Float64Array } | undefined;
  let out = `<g class="plot" clip-path="url(#${ID}-c${clip})">`;
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
      if (!inside(xa, p.x[i]!) || !inside(ya, p.y[i]!)) continue;
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
  const baseOf = (a: Axis): number => (a.type === "linear" && inside(a, 0) ? toPx(a, 0) : a.p0);
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

/** Axis line, ticks, tick labels and title of one axis, on its anchor's edge. */
function drawAxis(a: Axis, axes: ReadonlyMap<string, Axis>, plot: Area, font: Font, paperH: number): string {
  const lay = a.layout;
  if (lay.visible === false) return "";
  const anchor = axes.get(a.anchor);
  const far = a.side === "top" || a.side === "right";
  let pos: number;
  if (a.letter === "x") pos = anchor ? (far ? Math.min(anchor.p0, anchor.p1) : Math.max(anchor.p0, anchor.p1)) : plot.top + (1 - num(lay, "position", 0)) * plot.height;
  else pos = anchor ? (far ? Math.max(anchor.p0, anchor.p1) : Math.min(anchor.p0, anchor.p1)) : plot.left + num(lay, "position", 0) * plot.width;
  const dir = far ? -1 : 1; // +1: labels below (x) or left (y)
  const ticks = str(lay, "ticks", a.map2d ? "outside" : "");
  const ticklen = ticks === "outside" ? num(lay, "ticklen", 5) : 0;
  const size = tickFontSize(a, font.size);
  const tcolor = str(rec(lay, "tickfont"), "color", font.color);
  let out = `<g class="${a.letter}axis" data-axis="${a.id}">`;
  const lo = Math.min(a.p0, a.p1), hi = Math.max(a.p0, a.p1);
  if (bool(lay, "showline", false)) {
    const d = a.letter === "x" ? `M${px(lo)},${px(pos)}H${px(hi)}` : `M${px(pos)},${px(lo)}V${px(hi)}`;
    out += `<path class="axisline" d="${d}" ${strokeAttrs(str(lay, "linecolor", "#444"), num(lay, "linewidth", 1))}/>`;
  }
  if (ticks === "outside" || ticks === "inside") {
    const len = num(lay, "ticklen", 5) * (ticks === "outside" ? 1 : -1) * dir;
    const d = a.ticks.map((t) => {
      const p = px(toPx(a, t.at));
      return a.letter === "x" ? `M${p},${px(pos)}v${px(len)}` : `M${px(pos)},${p}h${px(-len)}`;
    }).join("");
    if (d) out += `<path class="ticks" d="${d}" ${strokeAttrs(str(lay, "tickcolor", "#444"), num(lay, "tickwidth", 1))}/>`;
  }
  let labelExtent = 0;
  if (bool(lay, "showticklabels", true)) {
    for (const t of a.ticks) {
      const p = toPx(a, t.at);
      const s = t.minor ? size * 0.75 : size;
      if (a.letter === "x") {
        out += textElement(p, pos + dir * (ticklen + 3), t.label, { size: s, color: tcolor, anchor: "middle", valign: far ? "bottom" : "top", cls: "xtick" });
        labelExtent = Math.max(labelExtent, s * 1.2);
      } else {
        out += textElement(pos - dir * (ticklen + 4), p, t.label, { size: s, color: tcolor, anchor: far ? "start" : "end", valign: "middle", cls: "ytick" });
        labelExtent = Math.max(labelExtent, textWidth(t.label, s));
      }
    }
  }
  const title = titleText(lay.title);
  if (title) {
    const ts = num(rec(isRec(lay.title) ? lay.title : {}, "font"), "size", Math.round(font.size * (14 / 12)));
    const mid = (lo + hi) / 2;
    const nLines = title.split(/<br\s*\/?>/i).length;
    const lh = ts * 1.3;
    // Plotly's standoff (10 px + 1.5 font sizes, plus room for tick labels), moved clear of the
    // tick labels when they are wider, and kept on the paper.
    if (a.letter === "x") {
      let y = far ? pos - (10 + 2.5 * ts) - (nLines - 1) * lh : pos + 10 + 3 * ts;
      if (!far) y = Math.min(y, paperH - ts * 0.6 - (nLines - 1) * lh);
      out += textElement(mid, y, title, { size: ts, anchor: "middle", valign: "middle", cls: "xtitle" });
    } else {
      const clear = ticklen + 4 + labelExtent + 4;
      const x = far
        ? pos + Math.max(10 + 2.5 * ts, clear + ts * 0.8)
        : pos - Math.max(10 + 2 * ts, clear + (nLines - 1) * (lh + 0.4 * ts) + ts * 0.25);
      out += textElement(Math.max(x, ts * 0.8), mid, title, { size: ts, anchor: "middle", rotate: -90, cls: "ytitle" });
    }
  }
  return out + "</g>";
}

// Everything on a figure that is not a trace or an axis: legend, colour bar, title, shapes
// (shaded windows, threshold lines), annotations, and a static picture of sliders and play
// buttons (an SVG cannot animate; it shows the spec's current state). It must not compute ranges.

import { toAxisUnits, toPx, type Axis } from "./axes.ts";
import { colorAt, colorscale, paint } from "./colors.ts";
import { arr, escapeXml, isRec, num, optStr, px, rec, recs, str, titleText, toNum, type Rec } from "./read.ts";
import { linearTicks } from "./ticks.ts";
import { textElement, textWidth } from "./text.ts";
import { markerSize, type Prepared } from "./traces.ts";

export interface Area {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export interface Font {
  readonly family: string;
  readonly size: number;
  readonly color: string;
}

/** A decoration's box in pixels; used to push the margins so it stays on the paper. */
export interface BoxPx {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export function paperX(plot: Area, fx: number): number {
  return plot.left + fx * plot.width;
}

export function paperY(plot: Area, fy: number): number {
  return plot.top + (1 - fy) * plot.height;
}

function anchored(pos: number, size: number, anchor: string): number {
  return anchor === "right" || anchor === "bottom" ? pos - size : anchor === "center" || anchor === "middle" ? pos - size / 2 : pos;
}

export function autoAnchor(f: number, letter: "x" | "y"): string {
  if (letter === "x") return f >= 2 / 3 ? "right" : f <= 1 / 3 ? "left" : "center";
  return f < 0 ? "top" : f >= 2 / 3 ? "top" : f <= 1 / 3 ? "bottom" : "middle";
}

export function dashArray(dash: string, width: number): string | undefined {
  const d = Math.max(width, 3);
  switch (dash) {
    case "dot": return `${px(d)},${px(d)}`;
    case "dash": return `${px(3 * d)},${px(3 * d)}`;
    case "longdash": return `${px(5 * d)},${px(5 * d)}`;
    case "dashdot": return `${px(3 * d)},${px(d)},${px(d)},${px(d)}`;
    case "longdashdot": return `${px(5 * d)},${px(2 * d)},${px(d)},${px(2 * d)}`;
    default: return /^[\d.,\s]+(px)?/.test(dash) && dash !== "solid" ? dash.replace(/px/g, "") : undefined;
  }
}

/** Stroke attributes for a Plotly `line` record. */
export function strokeAttrs(color: string, width: number, dash?: string): string {
  const p = paint(color);
  const da = dash ? dashArray(dash, width) : undefined;
  return `stroke="${escapeXml(p.color)}"${p.alpha < 1 ? ` stroke-opacity="${p.alpha}"` : ""} stroke-width="${px(width)}"${da ? ` stroke-dasharray="${da}"` : ""}`;
}

export function fillAttrs(color: string, opacity = 1): string {
  const p = paint(color);
  const a = p.alpha * opacity;
  return `fill="${escapeXml(p.color)}"${a < 1 ? ` fill-opacity="${Math.round(a * 1000) / 1000}"` : ""}`;
}

// ---------------------------------------------------------------- legend

export interface Legend {
  readonly items: readonly Prepared[];
  readonly horizontal: boolean;
  readonly fx: number;
  readonly fy: number;
  readonly xanchor: string;
  readonly yanchor: string;
  readonly font: Font;
  readonly title: string;
  readonly itemH: number;
  readonly bgcolor: string;
  /** Widths of each item (symbol + text). */
  readonly itemW: readonly number[];
}

export function legendModel(prepared: readonly Prepared[], layout: Rec, font: Font, eligible: (p: Prepared) => boolean): Legend | undefined {
  // Plotly lists stacked bars and tonext fills bottom-up (traceorder "reversed") so the legend
  // reads in the order the stack does.
  const stacked = ["stack", "relative"].includes(str(layout, "barmode", "group")) && prepared.some((p) => p.kind === "bar");
  const tonext = prepared.some((p) => /^tonext/.test(str(p.trace, "fill", "none")));
  const order = str(rec(layout, "legend"), "traceorder", stacked || tonext ? "reversed" : "normal");
  const items = prepared.filter(eligible);
  if (order.includes("reversed")) items.reverse();
  const explicit = prepared.some((p) => p.trace.showlegend === true);
  const show = typeof layout.showlegend === "boolean" ? layout.showlegend : items.length > 1 || (items.length === 1 && explicit);
  if (!show || items.length === 0) return undefined;
  const lg = rec(layout, "legend");
  const horizontal = str(lg, "orientation", "v") === "h";
  const lfont: Font = { ...font, size: num(rec(lg, "font"), "size", font.size) };
  const fx = num(lg, "x", horizontal ? 0 : 1.02);
  const fy = num(lg, "y", horizontal ? -0.1 : 1);
  const xa = str(lg, "xanchor", "left");
  const ya = str(lg, "yanchor", "auto");
  return {
    items, horizontal, fx, fy,
    xanchor: xa === "auto" ? autoAnchor(fx, "x") : xa,
    yanchor: ya === "auto" ? autoAnchor(fy, "y") : ya,
    font: lfont,
    title: titleText(lg.title),
    itemH: Math.round(lfont.size + 7),
    bgcolor: str(lg, "bgcolor", str(layout, "paper_bgcolor", "#fff")),
    // Plotly: a 40 px symbol column, the text, a 5 px gap, rounded up.
    itemW: items.map((p) => Math.ceil(40 + textWidth(p.name, lfont.size) + 5)),
  };
}

/** Rows of item indices: one item per row when vertical, wrapped at the plot width when horizontal. */
function legendRows(lg: Legend, maxWidth: number): number[][] {
  if (!lg.horizontal) return lg.items.map((_, i) => [i]);
  const rows: number[][] = [[]];
  let w = 0;
  lg.itemW.forEach((iw, i) => {
    if (w + iw > maxWidth && rows[rows.length - 1]!.length > 0) {
      rows.push([]);
      w = 0;
    }
    rows[rows.length - 1]!.push(i);
    w += iw;
  });
  return rows;
}

export function legendBox(lg: Legend, plot: Area): BoxPx {
  const rows = legendRows(lg, plot.width);
  const titleH = lg.title ? lg.itemH : 0;
  const w = Math.max(...rows.map((r) => r.reduce((s, i) => s + lg.itemW[i]!, 0)), lg.title ? textWidth(lg.title, lg.font.size) + 10 : 0);
  const h = rows.length * lg.itemH + 10 + titleH;
  const x0 = anchored(paperX(plot, lg.fx), w, lg.xanchor);
  const y0 = anchored(paperY(plot, lg.fy), h, lg.yanchor);
  return { x0, y0, x1: x0 + w, y1: y0 + h };
}

function legendSymbol(p: Prepared, cx: number, cy: number): string {
  const t = p.trace;
  if (p.kind === "bar") {
    const m = rec(t, "marker");
    return `<path d="M${px(cx - 6)},${px(cy - 6)}h12v12h-12Z" ${fillAttrs(p.color, num(m, "opacity", 1))}/>`;
  }
  let s = "";
  const line = rec(t, "line");
  if (str(t, "fill", "none") !== "none") {
    s += `<path d="M${px(cx - 15)},${px(cy + 6)}h30v-12h-30Z" ${fillAttrs(optStr(t, "fillcolor") ?? p.color, optStr(t, "fillcolor") ? 1 : 0.5)}/>`;
  }
  if (p.lines) {
    s += `<path d="M${px(cx - 15)},${px(cy)}h30" fill="none" ${strokeAttrs(p.color, Math.min(5, num(line, "width", 2)), optStr(line, "dash"))}/>`;
  }
  if (p.markers) {
    const size = Math.min(12, markerSize(t));
    s += `<g ${markerGroupAttrs(t, p.color, size)}><path d="${markerPath(symbolOf(t), cx, cy, size)}"/></g>`;
  }
  return s;
}

export function drawLegend(lg: Legend, plot: Area): string {
  const box = legendBox(lg, plot);
  const rows = legendRows(lg, plot.width);
  let out = `<g class="legend"><rect class="bg" x="${px(box.x0)}" y="${px(box.y0)}" width="${px(box.x1 - box.x0)}" height="${px(box.y1 - box.y0)}" ${fillAttrs(lg.bgcolor)}/>`;
  let y = box.y0 + 5 + lg.itemH / 2;
  if (lg.title) {
    out += textElement(box.x0 + 5, y, lg.title, { size: lg.font.size, valign: "middle", cls: "legendtitletext" });
    y += lg.itemH;
  }
  for (const row of rows) {
    let x = box.x0;
    for (const i of row) {
      const p = lg.items[i]!;
      const op = num(p.trace, "opacity", 1);
      out += `<g class="traces"${op < 1 ? ` opacity="${op}"` : ""}>${legendSymbol(p, x + 20, y)}${textElement(x + 40, y, p.name, { size: lg.font.size, valign: "middle", cls: "legendtext" })}</g>`;
      x += lg.itemW[i]!;
    }
    y += lg.itemH;
  }
  return out + "</g>";
}

// ---------------------------------------------------------------- markers (shared with svg.ts)

export type Symbol = "circle" | "square" | "diamond" | "line-ns" | "line-ew" | "x" | "cross" | "triangle-up";

export function symbolOf(t: Rec): Symbol {
  const s = str(rec(t, "marker"), "symbol", "circle").replace(/-open(-dot)?$|-dot$/, "");
  const known: readonly Symbol[] = ["circle", "square", "diamond", "line-ns", "line-ew", "x", "cross", "triangle-up"];
  return (known as readonly string[]).includes(s) ? (s as Symbol) : "circle";
}

/** Symbols drawn as strokes (their colour is the stroke), against filled ones. */
export function strokedSymbol(s: Symbol): boolean {
  return s === "circle" || s === "square" || s === "line-ns" || s === "line-ew" || s === "x" || s === "cross";
}

/**
 * One marker as path data. Circles and squares are a zero-length segment whose round or
 * square cap, as wide as the marker, draws the mark: one short element per point.
 */
export function markerPath(s: Symbol, x: number, y: number, size: number): string {
  const r = size / 2;
  switch (s) {
    case "circle":
    case "square":
      return `M${px(x)} ${px(y)}h0`;
    case "line-ns":
      return `M${px(x)} ${px(y - r)}v${px(size)}`;
    case "line-ew":
      return `M${px(x - r)} ${px(y)}h${px(size)}`;
    case "x":
      return `M${px(x - r)} ${px(y - r)}l${px(size)} ${px(size)}m0 ${px(-size)}l${px(-size)} ${px(size)}`;
    case "cross":
      return `M${px(x - r)} ${px(y)}h${px(size)}m${px(-r)} ${px(-r)}v${px(size)}`;
    case "diamond":
      return `M${px(x)} ${px(y - r)}l${px(r)} ${px(r)}l${px(-r)} ${px(r)}l${px(-r)} ${px(-r)}Z`;
    case "triangle-up":
      return `M${px(x)} ${px(y - r)}l${px(r * 0.87)} ${px(r * 1.5)}h${px(-r * 1.73)}Z`;
  }
}

/** Stroke width of a stroked symbol of this size. */
export function symbolStrokeWidth(s: Symbol, size: number, lineWidth: number): number {
  if (s === "circle" || s === "square") return size;
  if (s === "x" || s === "cross") return Math.max(1, size / 5);
  return lineWidth > 0 ? lineWidth : 1;
}

export function markerGroupAttrs(t: Rec, color: string, size: number): string {
  const m = rec(t, "marker");
  const s = symbolOf(t);
  const c = typeof m.color === "string" ? m.color : optStr(rec(m, "line"), "color") ?? color;
  const lineColor = optStr(rec(m, "line"), "color") ?? c;
  const opacity = num(m, "opacity", 1);
  // Marker opacity is per marker (overlaps darken, as in Plotly): stroke-/fill-opacity inherit
  // to each path, where a group `opacity` would composite the whole trace at once.
  if (strokedSymbol(s)) {
    const lw = num(rec(m, "line"), "width", 0);
    const p = paint(s === "line-ns" || s === "line-ew" ? lineColor : c);
    const a = Math.round(p.alpha * opacity * 1000) / 1000;
    return `fill="none" stroke="${escapeXml(p.color)}"${a < 1 ? ` stroke-opacity="${a}"` : ""} stroke-width="${px(symbolStrokeWidth(s, size, lw))}" stroke-linecap="${s === "square" ? "square" : s === "circle" ? "round" : "butt"}"`;
  }
  return `${fillAttrs(c, opacity)} stroke="none"`;
}

// ---------------------------------------------------------------- colour bar

export interface ColorBar {
  readonly trace: Prepared;
  readonly ticks: readonly { at: number; label: string }[];
  readonly width: number;
}

export function colorBarModel(prepared: readonly Prepared[], plot: Area, font: Font): ColorBar | undefined {
  const p = prepared.find((q) => q.kind === "heatmap" && q.trace.showscale !== false);
  if (!p || !p.heat) return undefined;
  const ticks = linearTicks(p.heat.zmin, p.heat.zmax, plot.height, "y");
  const w = Math.max(0, ...ticks.map((t) => textWidth(t.label, font.size)));
  return { trace: p, ticks, width: 30 + 8 + w + 6 };
}

export function colorBarBox(cb: ColorBar, plot: Area): BoxPx {
  const x0 = paperX(plot, 1.02);
  return { x0, y0: plot.top, x1: x0 + cb.width, y1: plot.top + plot.height };
}

export function drawColorBar(cb: ColorBar, plot: Area, font: Font): string {
  const heat = cb.trace.heat!;
  const scale = colorscale(cb.trace.trace.colorscale);
  const box = colorBarBox(cb, plot);
  const n = 32;
  const h = (box.y1 - box.y0) / n;
  let out = `<g class="colorbar">`;
  for (let i = 0; i < n; i++) {
    const y = box.y1 - (i + 1) * h;
    out += `<rect x="${px(box.x0)}" y="${px(y)}" width="30" height="${px(h + 0.5)}" fill="${colorAt(scale, (i + 0.5) / n)}"/>`;
  }
  const span = heat.zmax - heat.zmin || 1;
  for (const t of cb.ticks) {
    const y = box.y1 - ((t.at - heat.zmin) / span) * (box.y1 - box.y0);
    out += `<path d="M${px(box.x0 + 30)},${px(y)}h4" stroke="${font.color}"/>`;
    out += textElement(box.x0 + 38, y, t.label, { size: font.size, valign: "middle", cls: "cbtick" });
  }
  return out + "</g>";
}

// ---------------------------------------------------------------- shapes and annotations

/** A coordinate of a shape or annotation in pixels, from its ref: "paper", an axis, or "x2 domain". */
export function refToPx(ref: string, v: unknown, letter: "x" | "y", axes: ReadonlyMap<string, Axis>, plot: Area, logInData: boolean): number {
  const n = toNum(v);
  const dom = /^([xy]\d*) domain$/.exec(ref);
  if (dom) {
    const a = axes.get(dom[1]!);
    if (!a) return NaN;
    return a.p0 + n * (a.p1 - a.p0);
  }
  if (ref === "paper" || !axes.has(ref)) return letter === "x" ? paperX(plot, n) : paperY(plot, n);
  const a = axes.get(ref)!;
  // Shapes give data values on log axes; annotations give log10 values (as in Plotly).
  const u = a.type === "log" && !logInData ? n : toAxisUnits(a, v);
  return toPx(a, u);
}

export function drawShapes(shapes: readonly Rec[], layer: "below" | "above", axes: ReadonlyMap<string, Axis>, plot: Area): string {
  let out = "";
  for (const s of shapes) {
    if (str(s, "layer", "above") !== layer) continue;
    const type = str(s, "type", "rect");
    const xref = str(s, "xref", "x"), yref = str(s, "yref", "y");
    const x0 = refToPx(xref, s.x0, "x", axes, plot, true), x1 = refToPx(xref, s.x1, "x", axes, plot, true);
    const y0 = refToPx(yref, s.y0, "y", axes, plot, true), y1 = refToPx(yref, s.y1, "y", axes, plot, true);
    if (![x0, x1, y0, y1].every(Number.isFinite)) continue;
    const line = rec(s, "line");
    const lw = num(line, "width", 2);
    const stroke = lw > 0 ? strokeAttrs(str(line, "color", "#444"), lw, optStr(line, "dash")) : `stroke="none"`;
    const opacity = num(s, "opacity", 1);
    const op = opacity < 1 ? ` opacity="${opacity}"` : "";
    if (type === "line") {
      out += `<path class="shape line" d="M${px(x0)},${px(y0)}L${px(x1)},${px(y1)}" fill="none" ${stroke}${op}/>`;
    } else if (type === "rect" || type === "circle") {
      const fill = fillAttrs(str(s, "fillcolor", "rgba(0,0,0,0)"));
      const d = type === "rect"
        ? `M${px(x0)},${px(y0)}H${px(x1)}V${px(y1)}H${px(x0)}Z`
        : ellipse((x0 + x1) / 2, (y0 + y1) / 2, Math.abs(x1 - x0) / 2, Math.abs(y1 - y0) / 2);
      out += `<path class="shape ${type}" d="${d}" ${fill} ${stroke}${op}/>`;
    }
  }
  return out;
}

function ellipse(cx: number, cy: number, rx: number, ry: number): string {
  return `M${px(cx + rx)},${px(cy)}A${px(rx)},${px(ry)} 0 1,1 ${px(cx)},${px(cy + ry)}A${px(rx)},${px(ry)} 0 0,1 ${px(cx + rx)},${px(cy)}Z`;
}

export function drawAnnotations(anns: readonly Rec[], axes: ReadonlyMap<string, Axis>, plot: Area, font: Font): string {
  let out = "";
  for (const a of anns) {
    const text = str(a, "text", "");
    const xref = str(a, "xref", "x"), yref = str(a, "yref", "y");
    const x = refToPx(xref, a.x, "x", axes, plot, false), y = refToPx(yref, a.y, "y", axes, plot, false);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const f = rec(a, "font");
    const size = num(f, "size", font.size);
    const color = str(f, "color", font.color);
    const arrow = a.showarrow !== false;
    const tx = arrow ? x + num(a, "ax", -10) : x;
    const ty = arrow ? y + num(a, "ay", -30) : y;
    const xanchor = str(a, "xanchor", "auto"), yanchor = str(a, "yanchor", "auto");
    const anchor = xanchor === "left" ? "start" : xanchor === "right" ? "end" : "middle";
    const valign = yanchor === "top" ? "top" : yanchor === "bottom" ? "bottom" : "middle";
    out += `<g class="annotation">`;
    if (arrow) {
      const ac = str(a, "arrowcolor", "#444");
      const dx = x - tx, dy = y - ty, len = Math.hypot(dx, dy) || 1;
      const ux = dx / len, uy = dy / len;
      // Start the arrow at the text box edge (roughly), end it with a small head at the point.
      const start = Math.min(len, size * 0.8);
      out += `<path d="M${px(tx + ux * start)},${px(ty + uy * start)}L${px(x)},${px(y)}" ${strokeAttrs(ac, num(a, "arrowwidth", 1))} fill="none"/>`;
      out += `<path d="M${px(x)},${px(y)}l${px(-ux * 6 - uy * 3)},${px(-uy * 6 + ux * 3)}l${px(uy * 6)},${px(-ux * 6)}Z" ${fillAttrs(ac)}/>`;
    }
    const bg = optStr(a, "bgcolor");
    if (bg) {
      const w = textWidth(text, size) + 6, h = size * 1.4;
      const bx = anchor === "start" ? tx - 3 : anchor === "end" ? tx - w + 3 : tx - w / 2;
      const by = valign === "top" ? ty : valign === "bottom" ? ty - h : ty - h / 2;
      out += `<rect x="${px(bx)}" y="${px(by)}" width="${px(w)}" height="${px(h)}" ${fillAttrs(bg)}/>`;
    }
    out += textElement(tx, ty, text, { size, color, anchor, valign, cls: "annotation-text" }) + "</g>";
  }
  return out;
}

// ---------------------------------------------------------------- title

export function drawTitle(layout: Rec, width: number, top: number, font: Font): string {
  const t = layout.title;
  const text = titleText(t);
  if (!text) return "";
  const tr = isRec(t) ? t : {};
  const size = num(rec(tr, "font"), "size", font.size * (17 / 12));
  const fx = num(tr, "x", 0.5);
  const xanchor = str(tr, "xanchor", "auto");
  const anchor = xanchor === "left" ? "start" : xanchor === "right" ? "end" : xanchor === "center" ? "middle" : fx < 1 / 3 ? "start" : fx > 2 / 3 ? "end" : "middle";
  return textElement(fx * width, top / 2, text, { size, color: str(rec(tr, "font"), "color", font.color), anchor, cls: "gtitle" });
}

// ---------------------------------------------------------------- sliders and buttons (static)

interface StaticControl {
  readonly box: BoxPx;
  readonly svg: string;
}

export function sliders(layout: Rec, plot: Area, font: Font): StaticControl[] {
  const list = arr(layout, "sliders") ?? [];
  const out: StaticControl[] = [];
  for (let k = 0; k < list.length; k++) {
    const s = list[k];
    if (!isRec(s)) continue;
    const steps = recs(s, "steps");
    if (steps.length === 0) continue;
    const pad = rec(s, "pad");
    const len = num(s, "len", 1);
    const w = len * plot.width - num(pad, "l", 0) - num(pad, "r", 0);
    const cv = rec(s, "currentvalue");
    const showCv = cv.visible !== false;
    // Plotly's slider: a 24 px current-value line, 46 px of rail, ticks and labels.
    const h = (showCv ? 24 : 0) + 46;
    const x0 = anchored(paperX(plot, num(s, "x", 0)), len * plot.width, str(s, "xanchor", "left")) + num(pad, "l", 0);
    const y0 = anchored(paperY(plot, num(s, "y", 0)), h, str(s, "yanchor", "top")) + num(pad, "t", 20);
    const active = Math.max(0, Math.min(steps.length - 1, num(s, "active", 0)));
    const label = (i: number): string => str(steps[i], "label", String(steps[i]!.value ?? i));
    let svg = `<g class="slider-container">`;
    let y = y0;
    if (showCv) {
      const text = str(cv, "prefix", "") + label(active) + str(cv, "suffix", "");
      svg += textElement(x0, y + 15, text, { size: num(rec(cv, "font"), "size", font.size), cls: "slider-current-value" });
      y += 24;
    }
    const railY = y + 8;
    const xAt = (i: number): number => x0 + 8 + (steps.length === 1 ? 0 : (i / (steps.length - 1)) * (w - 16));
    svg += `<rect class="slider-rail" x="${px(x0)}" y="${px(railY - 2.5)}" width="${px(w)}" height="5" rx="2" fill="#f8fafc" stroke="#bec8d9"/>`;
    // Label as many steps as fit; tick every step.
    const maxLabels = Math.max(2, Math.floor(w / Math.max(30, ...steps.map((_, i) => textWidth(label(i), font.size) + 8))));
    const every = Math.ceil(steps.length / maxLabels);
    for (let i = 0; i < steps.length; i++) {
      const major = i % every === 0 || i === steps.length - 1;
      svg += `<path class="slider-tick" d="M${px(xAt(i))},${px(railY + 7)}v${major ? 7 : 4}" stroke="#333"/>`;
      if (major && (i === steps.length - 1 || steps.length - 1 - i >= every / 2 || i === 0)) {
        svg += textElement(xAt(i), railY + 28, label(i), { size: font.size, anchor: "middle", cls: "slider-label" });
      }
    }
    svg += `<rect class="slider-grip" x="${px(xAt(active) - 10)}" y="${px(railY - 9)}" width="20" height="18" rx="3" fill="#f6f6f6" stroke="#bec8d9"/>`;
    svg += "</g>";
    // The box Plotly reserves margin for includes the bottom pad.
    out.push({ box: { x0, y0, x1: x0 + w, y1: y0 + h + num(pad, "b", 0) }, svg });
  }
  return out;
}

export function buttons(layout: Rec, plot: Area, font: Font): StaticControl[] {
  const list = arr(layout, "updatemenus") ?? [];
  const out: StaticControl[] = [];
  for (let k = 0; k < list.length; k++) {
    const m = list[k];
    if (!isRec(m) || m.visible === false) continue;
    const btns = recs(m, "buttons");
    if (btns.length === 0) continue;
    const dropdown = str(m, "type", "dropdown") === "dropdown";
    const horizontal = ["left", "right"].includes(str(m, "direction", "down"));
    const shown = dropdown ? [btns[Math.max(0, Math.min(btns.length - 1, num(m, "active", 0)))]!] : btns;
    const labels = shown.map((b) => str(b, "label", "") + (dropdown ? " \u25be" : ""));
    // Plotly's button: the label plus 12 px each side, 1.3 em + 17 px high (33 px at 12 px).
    const widths = labels.map((l) => textWidth(l, font.size) + 24);
    const bh = Math.round(font.size * 1.3 + 17.4);
    const w = horizontal ? widths.reduce((a, b) => a + b, 0) : Math.max(...widths);
    const h = horizontal ? bh : bh * shown.length;
    const pad = rec(m, "pad");
    const x0 = anchored(paperX(plot, num(m, "x", -0.05)), w, str(m, "xanchor", "right")) + num(pad, "l", 0) - num(pad, "r", 0);
    const y0 = anchored(paperY(plot, num(m, "y", 1)), h, str(m, "yanchor", "top")) + num(pad, "t", 0) - num(pad, "b", 0);
    let svg = `<g class="updatemenu-container">`;
    let x = x0, y = y0;
    labels.forEach((l, i) => {
      const bw = horizontal ? widths[i]! : w;
      svg += `<g class="updatemenu-button"><rect x="${px(x)}" y="${px(y)}" width="${px(bw)}" height="${px(bh)}" rx="2" fill="#f4fafe" stroke="#bec8d9"/>`;
      svg += textElement(x + bw / 2, y + bh / 2, l, { size: font.size, anchor: "middle", valign: "middle" }) + "</g>";
      if (horizontal) x += bw;
      else y += bh;
    });
    out.push({ box: { x0, y0, x1: x0 + w, y1: y0 + h }, svg: svg + "</g>" });
  }
  return out;
}

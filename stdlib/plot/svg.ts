// A Figure (a Plotly spec) rendered as a static SVG string for viewers that run no JavaScript
// (GitHub, nbviewer, `spikelab run --out`). Deterministic: the same figure gives the same bytes.
// Every scatter marker and every bar is one `path.point` (as in Plotly's own SVG), so tests and
// the kernel can count marks; markers outside the visible axis ranges are left out. Traces of a
// type it does not draw are listed in a note on the figure. It must not fetch or measure fonts.

import { collectAxes, inRange, makeTicks, place, resolveRange, showGrid, showZeroLine, tickFontSize, toAxisUnits, toPx, type Axis, type Extent } from "./axes.ts";
import { buttons, sliders } from "./controls.ts";
import { colorBarBox, colorBarModel, drawAnnotations, drawColorBar, drawShapes, drawTitle } from "./decor.ts";
import type { Figure } from "./figure.ts";
import { drawLegend, legendBox, legendModel } from "./legend.ts";
import { drawSubplotTraces } from "./marks.ts";
import { bool, escapeXml, hashString, isRec, num, px, rec, recs, str, titleText, toNum, type Rec } from "./read.ts";
import { fillAttrs, strokeAttrs, type Area, type BoxPx, type Font } from "./style.ts";
import { textElement, textWidth } from "./text.ts";
import { isTraceVisibleInLegend, prepareTraces, traceExtents, type Prepared } from "./traces.ts";

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
  parts.push(`<g class="plots">${subplots.map(([xa, ya], i) => drawSubplotTraces(xa, ya, `${ID}-c${i}`, prepared)).join("")}</g>`);
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
    if (!showZeroLine(a) || !inRange(a, 0)) return "";
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

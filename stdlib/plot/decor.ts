// What is drawn over or beside the plot area from the layout: the colour bar, shapes (shaded
// windows, threshold lines), annotations and the title. It must not compute ranges.

import { toAxisUnits, toPx, type Axis } from "./axes.ts";
import { colorAt, colorscale } from "./colors.ts";
import { isRec, num, optStr, px, rec, str, titleText, toNum, type Rec } from "./read.ts";
import { fillAttrs, paperX, paperY, strokeAttrs, type Area, type BoxPx, type Font } from "./style.ts";
import { linearTicks } from "./ticks.ts";
import { textElement, textWidth } from "./text.ts";
import type { Prepared } from "./traces.ts";

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

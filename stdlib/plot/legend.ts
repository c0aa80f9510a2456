// The legend: which traces it lists (and in which order), its box (which may push the margins,
// as Plotly's automargin does), and each entry's symbol and name. It must not place the plot.

import { markerGroupAttrs, markerPath, symbolOf } from "./markers.ts";
import { num, optStr, px, rec, str, titleText, type Rec } from "./read.ts";
import { anchored, autoAnchor, fillAttrs, paperX, paperY, strokeAttrs, type Area, type BoxPx, type Font } from "./style.ts";
import { textElement, textWidth } from "./text.ts";
import { markerSize, type Prepared } from "./traces.ts";

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

// Shared by the SVG renderer's parts: the plot area and font records, paper-fraction
// coordinates with Plotly's anchors, and stroke / fill attributes from CSS colours and dashes.
// It must not draw whole elements.

import { paint } from "./colors.ts";
import { escapeXml, px } from "./read.ts";

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

export function anchored(pos: number, size: number, anchor: string): number {
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

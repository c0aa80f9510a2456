// Marker symbols as compact SVG: one short path per point (circles and squares are a
// zero-length segment drawn by its round or square cap), with the group's stroke or fill.
// It must not decide which points are drawn.

import { paint } from "./colors.ts";
import { escapeXml, num, optStr, px, rec, str, type Rec } from "./read.ts";
import { fillAttrs } from "./style.ts";

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

// Text for the SVG renderer: a width estimate (no font metrics exist server-side, so widths come
// from a per-character table close to Open Sans/Arial), and Plotly's tiny text markup (<br>, <b>,
// <i>, <sub>, <sup>) turned into <tspan>s. It must not place text on the figure.

import { escapeXml, px } from "./read.ts";

// Advance widths in em for an Arial-like face; anything not listed counts as a lowercase letter.
const NARROW = new Set("ijl.,:;'|!()[]{}/\\ ".split(""));
const SEMI = new Set("frtI-\"*".split(""));
const WIDE = new Set("mwMW@%".split(""));

export function textWidth(s: string, size: number): number {
  let w = 0;
  for (const ch of stripMarkup(s)) {
    if (NARROW.has(ch)) w += 0.28;
    else if (SEMI.has(ch)) w += 0.36;
    else if (WIDE.has(ch)) w += 0.86;
    else if (ch >= "0" && ch <= "9") w += 0.56;
    else if (ch >= "A" && ch <= "Z") w += 0.67;
    else w += 0.52;
  }
  return w * size;
}

export function stripMarkup(s: string): string {
  return s.replace(/<br\s*\/?>/gi, "\n").replace(/<\/?(b|i|sub|sup|em|strong)>/gi, "");
}

/** Lines of a text, split at Plotly's <br>. */
export function lines(s: string): string[] {
  return s.split(/<br\s*\/?>|\n/i);
}

/** One line's markup as SVG tspans (bold, italic, sub/superscript); everything else escaped. */
export function richLine(s: string): string {
  const parts = s.split(/(<\/?(?:b|i|sub|sup|em|strong)>)/i);
  let out = "";
  let depth = 0;
  for (const part of parts) {
    const tag = /^<(\/?)(b|i|sub|sup|em|strong)>$/i.exec(part);
    if (!tag) {
      out += escapeXml(part);
      continue;
    }
    const close = tag[1] === "/";
    const name = tag[2]!.toLowerCase();
    if (close) {
      if (depth > 0) {
        out += "</tspan>";
        depth--;
      }
      continue;
    }
    depth++;
    if (name === "b" || name === "strong") out += '<tspan font-weight="bold">';
    else if (name === "i" || name === "em") out += '<tspan font-style="italic">';
    else if (name === "sub") out += '<tspan baseline-shift="sub" font-size="70%">';
    else out += '<tspan baseline-shift="super" font-size="70%">';
  }
  while (depth-- > 0) out += "</tspan>";
  return out;
}

export interface TextStyle {
  readonly size: number;
  readonly color?: string;
  readonly anchor?: "start" | "middle" | "end";
  readonly bold?: boolean;
  readonly cls?: string;
  /** Degrees, about (x, y). */
  readonly rotate?: number;
  /** Where y sits on the text block: its first baseline, its middle, or its bottom. */
  readonly valign?: "top" | "middle" | "bottom" | "baseline";
}

/** A <text> element; multi-line text stacks its lines 1.3 em apart. */
export function textElement(x: number, y: number, s: string, st: TextStyle): string {
  const ls = lines(s);
  const lh = st.size * 1.3;
  // Baseline of the first line such that the block is aligned as asked (cap height ≈ 0.7 em).
  const block = (ls.length - 1) * lh;
  const valign = st.valign ?? "baseline";
  const y0 = valign === "top" ? y + st.size * 0.8
    : valign === "middle" ? y - block / 2 + st.size * 0.35
    : valign === "bottom" ? y - block - st.size * 0.25
    : y;
  const attrs = [
    st.cls ? `class="${st.cls}"` : "",
    `x="${px(x)}"`, `y="${px(y0)}"`,
    st.anchor && st.anchor !== "start" ? `text-anchor="${st.anchor}"` : "",
    `font-size="${px(st.size)}"`,
    st.color ? `fill="${escapeXml(st.color)}"` : "",
    st.bold ? `font-weight="bold"` : "",
    st.rotate ? `transform="rotate(${px(st.rotate)},${px(x)},${px(y)})"` : "",
  ].filter((a) => a !== "").join(" ");
  if (ls.length === 1) return `<text ${attrs}>${richLine(ls[0]!)}</text>`;
  const body = ls.map((l, i) => `<tspan x="${px(x)}"${i === 0 ? "" : ` dy="${px(lh)}"`}>${richLine(l)}</tspan>`).join("");
  return `<text ${attrs}>${body}</text>`;
}

// Sliders and play/pause buttons drawn as a static picture of their current state (an SVG
// cannot animate), with the boxes Plotly reserves margin for. It must not run animations.

import { isRec, num, px, rec, recs, str, arr, type Rec } from "./read.ts";
import { anchored, paperX, paperY, type Area, type BoxPx, type Font } from "./style.ts";
import { textElement, textWidth } from "./text.ts";

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

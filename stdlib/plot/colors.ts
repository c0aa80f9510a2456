// Colours for the SVG renderer: Plotly's default colorway, CSS colours split into an opaque
// colour plus an opacity (older SVG viewers ignore rgba()), and the few colour scales heatmaps
// and coloured markers use. It must not know about traces.

export const COLORWAY: readonly string[] = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
];

export interface Paint {
  readonly color: string;
  /** 1 when the colour carried no alpha. */
  readonly alpha: number;
}

/** `rgba(r, g, b, a)` → `rgb(r,g,b)` with alpha a; other CSS colours pass through with alpha 1. */
export function paint(css: string): Paint {
  const m = /^\s*rgba\s*\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*\)\s*$/i.exec(css);
  if (m) return { color: `rgb(${m[1]},${m[2]},${m[3]})`, alpha: Math.max(0, Math.min(1, Number(m[4]))) };
  if (/^\s*transparent\s*$/i.test(css)) return { color: "rgb(0,0,0)", alpha: 0 };
  return { color: css.trim(), alpha: 1 };
}

type Stops = readonly (readonly [number, string])[];

// Plotly's own scales (the subset spikelab's figures use), as [position, colour] stops.
const SCALES: Readonly<Record<string, Stops>> = {
  viridis: [
    [0, "#440154"], [0.06274509803921569, "#48186a"], [0.12549019607843137, "#472d7b"],
    [0.18823529411764706, "#424086"], [0.25098039215686274, "#3b528b"], [0.3137254901960784, "#33638d"],
    [0.3764705882352941, "#2c728e"], [0.4392156862745098, "#26828e"], [0.5019607843137255, "#21918c"],
    [0.5647058823529412, "#1fa088"], [0.6274509803921569, "#28ae80"], [0.6901960784313725, "#3fbc73"],
    [0.7529411764705882, "#5ec962"], [0.8156862745098039, "#84d44b"], [0.8784313725490196, "#addc30"],
    [0.9411764705882353, "#d8e219"], [1, "#fde725"],
  ],
  greys: [[0, "rgb(0,0,0)"], [1, "rgb(255,255,255)"]],
  blues: [
    [0, "rgb(5,10,172)"], [0.35, "rgb(40,60,190)"], [0.5, "rgb(70,100,245)"],
    [0.6, "rgb(90,120,245)"], [0.7, "rgb(106,137,247)"], [1, "rgb(220,220,220)"],
  ],
  rdbu: [
    [0, "rgb(5,10,172)"], [0.35, "rgb(106,137,247)"], [0.5, "rgb(190,190,190)"],
    [0.6, "rgb(220,170,132)"], [0.7, "rgb(230,145,90)"], [1, "rgb(178,10,28)"],
  ],
  hot: [[0, "rgb(0,0,0)"], [0.3, "rgb(230,0,0)"], [0.6, "rgb(255,210,0)"], [1, "rgb(255,255,255)"]],
};

function rgbOf(css: string): [number, number, number] {
  const h = /^#([0-9a-f]{6})$/i.exec(css.trim());
  if (h) {
    const n = parseInt(h[1]!, 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const m = /rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/i.exec(css);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return [0, 0, 0];
}

/** A Plotly colorscale (a name or [[pos, colour], …]) as stops; unknown names give Viridis. */
export function colorscale(spec: unknown): Stops {
  if (typeof spec === "string") return SCALES[spec.toLowerCase()] ?? SCALES.viridis!;
  if (Array.isArray(spec) && spec.length >= 2 && spec.every((s) => Array.isArray(s) && typeof s[0] === "number" && typeof s[1] === "string")) {
    return spec as Stops;
  }
  return SCALES.viridis!;
}

/** The colour at t ∈ [0, 1] of a scale, interpolated in RGB, as `rgb(r,g,b)`. */
export function colorAt(stops: Stops, t: number): string {
  const x = Number.isFinite(t) ? Math.max(0, Math.min(1, t)) : 0;
  let i = 1;
  while (i < stops.length - 1 && stops[i]![0] < x) i++;
  const [p0, c0] = stops[i - 1]!;
  const [p1, c1] = stops[i]!;
  const f = p1 > p0 ? (x - p0) / (p1 - p0) : 0;
  const a = rgbOf(c0), b = rgbOf(c1);
  const mix = (k: number): number => Math.round(a[k]! + (b[k]! - a[k]!) * Math.max(0, Math.min(1, f)));
  return `rgb(${mix(0)},${mix(1)},${mix(2)})`;
}

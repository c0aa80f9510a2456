// Rendering cost of the largest figure the builders emit by default: a 20,000-spike raster of
// three layers, as SVG (the static fallback) and as offline HTML (the Plotly spec); plus sizes.
import type { SpikeRecord } from "../stdlib/ir/results.ts";
import { figureHtml, plotlyLibraryHtml } from "../stdlib/plot/html.ts";
import { rasterFigure } from "../stdlib/plot/raster.ts";
import { figureSvg } from "../stdlib/plot/svg.ts";

function record(layer: string, neurons: number, steps: number, spikes: number): SpikeRecord {
  const neuron = new Int32Array(spikes), time = new Float64Array(spikes);
  for (let i = 0; i < spikes; i++) {
    neuron[i] = (i * 7919) % neurons;
    time[i] = Math.floor((i * steps) / spikes);
  }
  return { sample: 0, layer, neurons, neuron, time };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export default async (): Promise<Record<string, number>> => {
  const records = [record("conv1", 4704, 100, 9000), record("conv2", 1600, 100, 7000), record("fc", 120, 100, 4000)];
  const fig = rasterFigure(records);
  const svgMs: number[] = [], htmlMs: number[] = [];
  let svg = "", html = "";
  for (let i = 0; i < 7; i++) {
    let t = performance.now();
    svg = figureSvg(fig);
    svgMs.push(performance.now() - t);
    t = performance.now();
    html = figureHtml(fig);
    htmlMs.push(performance.now() - t);
  }
  let t = performance.now();
  const lib = plotlyLibraryHtml();
  const libMs = performance.now() - t;
  return {
    plot_raster20k_svg_ms: Math.round(median(svgMs) * 10) / 10,
    plot_raster20k_svg_kb: Math.round(svg.length / 1024),
    plot_raster20k_html_ms: Math.round(median(htmlMs) * 10) / 10,
    plot_raster20k_html_kb: Math.round(html.length / 1024),
    plot_plotlyjs_embed_kb: Math.round(lib.length / 1024),
    plot_plotlyjs_first_load_ms: Math.round(libMs),
  };
};

// Figures of AMOS simulation results: the per-unit spike raster of one sample (each layer's K-step
// window shaded), how many spikes each gate spent (the spikes-per-neuron histogram), and accuracy
// against K over several results. It reads SimResults only and draws with stdlib/plot's builders.

import { SpikelabError } from "../../errors.ts";
import type { SimResult } from "../../ir/results.ts";
import { barFigure, lineFigure, scatterFigure } from "../../plot/charts.ts";
import type { Figure } from "../../plot/figure.ts";
import { rasterFigure, type TimeWindow } from "../../plot/raster.ts";

function amosOnly(r: SimResult, what: string): void {
  if (r.family !== "amos") throw new SpikelabError("type", `${what} is an AMOS plot; '${r.network}' is a ${r.family} result`);
}

const layersOf = (r: SimResult): string[] => Object.keys(r.info).filter((k) => k.startsWith("spike_histogram:")).map((k) => k.slice("spike_histogram:".length));

function pickLayers(r: SimResult, layer: string | null): string[] {
  const all = layersOf(r);
  if (layer === null) return all;
  if (!all.includes(layer)) throw new SpikelabError("name", `'${r.network}' has no AMOS layer '${layer}'`, { hint: `its layers: ${all.join(", ")}` });
  return [layer];
}

/** Spike raster of one recorded sample; each layer's window [start, start + K) is shaded. */
export function amosRaster(r: SimResult, sample: number, layer: string | null): Figure {
  amosOnly(r, "raster");
  const layers = pickLayers(r, layer);
  const records = r.records.filter((x) => x.sample === sample && layers.includes(x.layer));
  if (records.length === 0) {
    const have = [...new Set(r.records.map((x) => x.sample))];
    throw new SpikelabError("param", `sample ${sample} was not recorded in this run`, { hint: have.length > 0 ? `recorded samples: ${have.join(", ")}; choose others with simulate's \`record: [first, last]\`` : "simulate with `record: [0, 1]` to record sample 0" });
  }
  const windows: TimeWindow[] = layers.map((l) => {
    const start = Number(r.info[`start:${l}`] ?? 0);
    return { layer: l, start: start - 0.5, end: start + Number(r.info[`K:${l}`] ?? 0) - 0.5 };
  });
  const form = String(r.info.form ?? "amos");
  return rasterFigure(records, { title: `${r.network}: sample ${sample} (${form === "amos" ? "K neurons per gate, ≤ 1 spike each" : "one neuron per gate, K steps"})`, timeLabel: "time step", windows });
}

/** Fraction of gates that spent 0, 1, …, K spikes on an image, per layer. */
export function amosSpikeHistogram(r: SimResult, layer: string | null): Figure {
  amosOnly(r, "histogram of spikes per neuron");
  const layers = pickLayers(r, layer);
  const hists = layers.map((l) => r.info[`spike_histogram:${l}`] as readonly number[]);
  const maxK = Math.max(...hists.map((h) => h.length - 1));
  const categories = Array.from({ length: maxK + 1 }, (_, i) => String(i));
  const series = layers.map((l, i) => ({ name: `${l} (mean ${Number(r.info[`spikes_per_gate:${l}`]).toFixed(2)})`, values: categories.map((_, k) => hists[i]![k] ?? 0) }));
  return barFigure(categories, series, { title: `${r.network}: spikes per gate and image`, xTitle: "spikes of one gate's circuit (FS: of its neuron)", yTitle: "fraction of gates" });
}

/** Accuracy (and the ANN's) against K, one point per result, sorted by K. */
export function amosAccuracyVsK(rs: readonly SimResult[]): Figure {
  if (rs.length === 0) throw new SpikelabError("param", "accuracy vs K needs at least one AMOS result");
  rs.forEach((r) => amosOnly(r, "accuracy vs K"));
  const pts = rs.map((r) => ({ K: Number(r.info.K_max), acc: r.accuracy * 100, ann: r.annAccuracy * 100 })).sort((a, b) => a.K - b.K);
  return lineFigure(
    [
      { name: "SNN (AMOS)", x: pts.map((p) => p.K), y: pts.map((p) => p.acc), markers: true },
      { name: "ANN", x: pts.map((p) => p.K), y: pts.map((p) => p.ann), dash: "dash" },
    ],
    { title: `accuracy against K on ${rs[0]!.data}`, xTitle: "K (units per gate)", yTitle: "accuracy (%)" },
  );
}

/** Each gate layer's circuit outputs against the ANN's gate outputs on the compared samples, with y = x. */
export function amosScatter(r: SimResult, layer: string | null): Figure {
  amosOnly(r, "scatter");
  const pairs = (r.pairs ?? []).filter((p) => layer === null || p.layer === layer);
  if (pairs.length === 0) {
    throw new SpikelabError("param", layer === null ? `${r.network}'s result has no ANN comparison` : `no ANN comparison for layer '${layer}'`, { hint: layer === null ? "simulate with `compare: 100`" : `layers: ${(r.pairs ?? []).map((p) => p.layer).join(", ")}` });
  }
  return scatterFigure(pairs.map((p) => ({ name: `${p.layer} (r = ${p.correlation.toFixed(4)})`, x: p.ann, y: p.snn })), {
    title: `${r.network}: circuit outputs against the ANN's gates`,
    xTitle: "ANN gate output",
    yTitle: "circuit output Σ d_k z_k",
    line: "identity",
  });
}

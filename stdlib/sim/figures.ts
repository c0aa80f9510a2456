// Simulation results → figures, for any family that fills the SimResult fields (records,
// traces, rates, pairs, overTime): the raster of a sample, membrane traces with the threshold,
// firing-rate histograms, accuracy over time against the ANN, error vs operations, ANN
// activation vs SNN rate. It picks data out of results; drawing is stdlib/plot's.

import { SpikelabError } from "../errors.ts";
import type { SimResult, SpikeRecord } from "../ir/results.ts";
import { accuracyFigure, errorVsOpsFigure, histogramFigure, rateHistogramFigure, scatterFigure } from "../plot/charts.ts";
import type { Figure } from "../plot/figure.ts";
import { membraneFigure, rasterFigure } from "../plot/raster.ts";

const layersOf = (items: readonly { layer: string }[]): string[] => [...new Set(items.map((i) => i.layer))];

function pickLayer<T extends { layer: string }>(items: readonly T[], layer: string | null, what: string): T[] {
  if (layer === null) return [...items];
  const got = items.filter((i) => i.layer === layer);
  if (got.length === 0) {
    throw new SpikelabError("name", `no ${what} for layer '${layer}'`, { hint: `layers with ${what}: ${layersOf(items).join(", ") || "none"}` });
  }
  return got;
}

/** The recorded sample a plot means: a sample number of the split, or else the k-th recorded sample. */
export function recordedSample(result: SimResult, sample: number): number {
  const samples = [...new Set([...result.records.map((r) => r.sample), ...(result.traces ?? []).map((t) => t.sample)])].sort((a, b) => a - b);
  if (samples.includes(sample)) return sample;
  if (sample < samples.length) return samples[sample]!;
  throw new SpikelabError("param", `sample ${sample} was not recorded in ${result.data}`, {
    hint: samples.length > 0 ? `recorded samples: ${samples.join(", ")}; simulate with \`record: [first, last]\` to record others` : "simulate with `record: [0, 1]` to record spike trains",
  });
}

const timeLabel = (r: SimResult): string => (r.latency.unit === "steps" ? "time step" : "time (units)");

/** Spike raster of one sample, the output layer on top. */
export function resultRaster(result: SimResult, o: { sample: number; layer: string | null }): Figure {
  const sample = recordedSample(result, o.sample);
  const recs = pickLayer(result.records.filter((r) => r.sample === sample), o.layer, "spike trains");
  const ordered: SpikeRecord[] = [...recs].reverse();
  const steps = result.latency.unit === "steps" ? result.latency.value : undefined;
  return rasterFigure(ordered, {
    title: `${result.network}: spikes of sample ${sample}`,
    timeLabel: timeLabel(result),
    ...(steps !== undefined ? { timeRange: [0, steps + 1] as const } : {}),
  });
}

/** Membrane potential of one neuron (pre-reset, per step) with its threshold and its spikes. */
export function resultMembrane(result: SimResult, o: { sample: number; layer: string | null; neuron: number }): Figure {
  const traces = result.traces ?? [];
  if (traces.length === 0) throw new SpikelabError("param", `${result.network}'s result has no membrane traces`, { hint: "simulate with `record: [0, 1]` and `trace: [0, 4]`" });
  const sample = recordedSample(result, o.sample);
  const ofSample = traces.filter((t) => t.sample === sample);
  // Default layer: the first one that fires (its threshold line means something).
  const layer = o.layer ?? (ofSample.find((t) => Number.isFinite(t.threshold)) ?? ofSample[0])?.layer ?? null;
  const inLayer = pickLayer(ofSample, layer, "membrane traces");
  const tr = inLayer.find((t) => t.neuron === o.neuron);
  if (tr === undefined) {
    const size = result.records.find((r) => r.layer === inLayer[0]?.layer)?.neurons;
    if (size !== undefined && (o.neuron >= size || o.neuron < 0)) {
      throw new SpikelabError("param", `layer '${layer}' has ${size} neurons (0 to ${size - 1}); there is no neuron ${o.neuron}`, { hint: `traced neurons: ${inLayer.map((t) => t.neuron).join(", ")}` });
    }
    throw new SpikelabError("param", `neuron ${o.neuron} of layer '${layer}' was not traced`, { hint: `traced neurons: ${inLayer.map((t) => t.neuron).join(", ")}; simulate with \`trace: [${o.neuron}, ${o.neuron + 1}]\`` });
  }
  const rec = result.records.find((r) => r.sample === sample && r.layer === tr.layer);
  const spikes: number[] = [];
  if (rec) for (let i = 0; i < rec.neuron.length; i++) if (rec.neuron[i] === tr.neuron) spikes.push(rec.time[i]!);
  const time = Float64Array.from(tr.values, (_, t) => t + 1);
  const firing = Number.isFinite(tr.threshold);
  const fig = membraneFigure([{ label: `${tr.layer} neuron ${tr.neuron}`, time, membrane: tr.values, spikes }], {
    title: `${result.network}: membrane of ${tr.layer}[${tr.neuron}], sample ${sample}${firing ? "" : " (integrates, never fires)"}`,
    threshold: firing ? tr.threshold : 0,
    timeLabel: timeLabel(result),
    steps: true,
  });
  if (firing) return fig;
  // A read-out integrator has no threshold: drop the line rather than draw a false one.
  const { shapes: _s, annotations: _a, ...layout } = fig.layout as Record<string, unknown>;
  return { ...fig, layout };
}

/** Histogram of firing rates (spikes per neuron per step, averaged over the samples), per layer. */
export function resultRates(result: SimResult, o: { layer: string | null }): Figure {
  const rates = result.rates ?? [];
  if (rates.length === 0) throw new SpikelabError("param", `${result.network}'s result has no spike counts per neuron`, { hint: "simulate with `counts: true`" });
  const steps = result.latency.unit === "steps" ? result.latency.value : 1;
  const unit = result.latency.unit === "steps" ? "spikes per step" : "spikes per sample";
  return rateHistogramFigure(pickLayer(rates, o.layer, "spike counts").map((r) => ({ layer: r.layer, rates: Float64Array.from(r.spikes, (v) => v / steps) })), {
    title: `${result.network}: firing rates on ${result.data}`,
    unit,
  });
}

/** Histogram of spikes per neuron per sample, or of the recorded spike times, per layer. */
export function resultHistogram(result: SimResult, o: { layer: string | null; of: string }): Figure {
  if (o.of === "spikes_per_neuron") {
    const rates = pickLayer(result.rates ?? [], o.layer, "spike counts");
    if (rates.length === 0) throw new SpikelabError("param", `${result.network}'s result has no spike counts per neuron`, { hint: "simulate with `counts: true`" });
    return histogramFigure(rates.map((r) => ({ name: r.layer, values: r.spikes })), { title: `${result.network}: spikes per neuron per sample`, xTitle: "spikes per neuron per sample", yTitle: "neurons" });
  }
  const recs = pickLayer(result.records, o.layer, "spike trains");
  if (recs.length === 0) throw new SpikelabError("param", `${result.network}'s result has no spike trains`, { hint: "simulate with `record: [0, 1]`" });
  const byLayer = layersOf(recs).map((layer) => ({ name: layer, values: Float64Array.from(recs.filter((r) => r.layer === layer).flatMap((r) => Array.from(r.time))) }));
  return histogramFigure(byLayer, { title: `${result.network}: spike times of the recorded samples`, xTitle: timeLabel(result), yTitle: "spikes" });
}

function curveName(r: SimResult, all: readonly SimResult[]): string {
  const same = all.filter((x) => x.network === r.network).length > 1;
  return same ? `${r.network} (${r.data})` : r.network;
}

/** Accuracy over time of each result, the (first) ANN's accuracy as a flat line. */
export function resultAccuracy(rs: readonly SimResult[], o: { as?: "accuracy" | "error" } = {}): Figure {
  const series = rs.map((r) => {
    if (r.overTime === undefined) throw new SpikelabError("param", `${r.network}'s result has no accuracy over time (${r.family})`);
    return { name: curveName(r, rs), time: r.overTime.time, accuracy: r.overTime.accuracy };
  });
  const first = rs[0]!;
  return accuracyFigure(series, {
    title: `${o.as === "error" ? "error" : "accuracy"} over time on ${first.data}`,
    ann: first.annAccuracy,
    annLabel: `ANN ${(100 * first.annAccuracy).toFixed(2)} %`,
    timeLabel: timeLabel(first),
    ...(o.as ? { as: o.as } : {}),
  });
}

/** Error against cumulative synaptic operations per sample, the ANN's operations marked. */
export function resultOps(rs: readonly SimResult[]): Figure {
  const series = rs.map((r) => {
    if (r.overTime === undefined) throw new SpikelabError("param", `${r.network}'s result has no operations over time (${r.family})`);
    return { name: curveName(r, rs), ops: r.overTime.synapticOps, error: Array.from(r.overTime.accuracy, (a) => 1 - a) };
  });
  const first = rs[0]!;
  // Log error axis: the interesting part is the last percent (the papers' trade-off figure).
  return errorVsOpsFigure(series, { title: `error vs synaptic operations on ${first.data}`, annOps: first.annOps, annError: 1 - first.annAccuracy, logY: true });
}

/** ANN activation (in the SNN's units, a/λ) against SNN rate, per layer, with y = x. */
export function resultScatter(result: SimResult, o: { layer: string | null }): Figure {
  const pairs = pickLayer(result.pairs ?? [], o.layer, "ANN comparisons");
  if (pairs.length === 0) throw new SpikelabError("param", `${result.network}'s result has no ANN comparison`, { hint: "simulate with `compare: 100`" });
  const unit = result.latency.unit === "steps" ? "spikes per step" : "";
  return scatterFigure(pairs.map((p) => ({ name: `${p.layer} (r = ${p.correlation.toFixed(3)})`, x: p.ann, y: p.snn })), {
    title: `${result.network}: ANN activation vs SNN rate`,
    xTitle: "ANN activation / λ",
    yTitle: `SNN rate${unit ? ` (${unit})` : ""}`,
    line: "identity",
  });
}

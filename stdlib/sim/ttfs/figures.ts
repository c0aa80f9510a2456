// Figures of an exact-TTFS run, from its SimResult alone: the raster of one sample with each
// layer's window [t_min, t_max] shaded, and spike time against the ANN's activation per layer
// (exact mapping: the line t = t_max − a of slope −1). Drawing is stdlib/plot's; the spike-time
// histogram is the family-neutral one in stdlib/sim/figures.ts.

import { SpikelabError } from "../../errors.ts";
import type { SimResult } from "../../ir/results.ts";
import { scatterFigure, type RefLine } from "../../plot/charts.ts";
import type { Figure } from "../../plot/figure.ts";
import { rasterFigure, type TimeWindow } from "../../plot/raster.ts";
import { recordedSample } from "../figures.ts";

function needTtfs(result: SimResult, what: string): void {
  if (result.family !== "ttfs") throw new SpikelabError("param", `plot ${what} is drawn for exact-TTFS results; ${result.network} is a ${result.family} result`, { hint: "simulate a network converted with a ttfs rule set (e.g. stanojevic2022)" });
}

/** Each spiking layer's window, from the result's info. */
export function ttfsWindows(result: SimResult): TimeWindow[] {
  const names = String(result.info.window_layers ?? "").split(",");
  const lo = result.info.window_t_min, hi = result.info.window_t_max;
  if (!Array.isArray(lo) || !Array.isArray(hi)) return [];
  return names.flatMap((layer, i) => (Number.isFinite(lo[i]) && Number.isFinite(hi[i]) ? [{ layer, start: lo[i] as number, end: hi[i] as number }] : []));
}

function pick<T extends { layer: string }>(items: readonly T[], layer: string | null, what: string): T[] {
  if (layer === null) return [...items];
  const got = items.filter((r) => r.layer === layer);
  if (got.length === 0) throw new SpikelabError("name", `no ${what} for layer '${layer}'`, { hint: `layers: ${[...new Set(items.map((r) => r.layer))].join(", ") || "none"}` });
  return got;
}

/** The raster of one recorded sample, the read-out side on top, every layer's window shaded. */
export function ttfsRaster(result: SimResult, o: { sample: number; layer: string | null }): Figure {
  needTtfs(result, "raster");
  const sample = recordedSample(result, o.sample);
  const recs = pick(result.records.filter((r) => r.sample === sample), o.layer, "spike trains");
  const windows = ttfsWindows(result).filter((w) => recs.some((r) => r.layer === w.layer));
  const end = Math.max(result.latency.value, ...windows.map((w) => w.end));
  return rasterFigure([...recs].reverse(), {
    title: `${result.network}: one spike per neuron, sample ${sample} (windows shaded)`,
    timeLabel: "time (units)",
    windows,
    timeRange: [0, end * 1.02],
  });
}

/** Spike time against the ANN's ReLU activation per layer, with t = t_max − a for each. */
export function ttfsSpikeTimes(result: SimResult, o: { layer: string | null }): Figure {
  needTtfs(result, "spike_times");
  const pairs = pick(result.pairs ?? [], o.layer, "ANN comparisons");
  if (pairs.length === 0) throw new SpikelabError("param", `${result.network}'s result has no recorded samples to compare`, { hint: "simulate with `record: [0, 1]`" });
  const windows = new Map(ttfsWindows(result).map((w) => [w.layer, w]));
  const lines: RefLine[] = [];
  const series = pairs.map((p) => {
    const tMax = windows.get(p.layer)?.end ?? NaN;
    if (Number.isFinite(tMax)) lines.push({ slope: -1, intercept: tMax, name: `t = ${+tMax.toFixed(3)} − a (${p.layer})` });
    return { name: p.layer, x: p.ann, y: Float64Array.from(p.snn, (v) => tMax - v) };
  });
  return scatterFigure(series, {
    title: `${result.network}: spike time against ANN activation (exact: slope −1)`,
    xTitle: "ANN activation a (float64, scaled network)",
    yTitle: "spike time (units)",
    line: lines,
  });
}

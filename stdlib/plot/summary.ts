// The one table of simulation results, wherever results are shown (`table r1, r2`, `summary`,
// a result displayed in a notebook): accuracy, agreement, latency, spikes per neuron, synaptic
// operations, and an energy estimate whose per-operation energies are stated in the title and
// settable. Each column says how it reads (table.ts renders text, markdown and HTML from that).
// It reads SimResults only.

import type { SimResult } from "../ir/results.ts";
import type { Cell, ColumnFormat, Table } from "./figure.ts";
import { formatCell } from "./table.ts";

export interface EnergyModel {
  /** Joules per synaptic operation (an accumulate). Default 0.9 pJ: a 32-bit float add at 45 nm (Horowitz 2014). */
  readonly perSynOpJ?: number;
  /** Joules per ANN multiply-accumulate. Default 4.6 pJ: 32-bit float multiply + add at 45 nm (Horowitz 2014). */
  readonly perMacJ?: number;
}

export const DEFAULT_ENERGY = { perSynOpJ: 0.9e-12, perMacJ: 4.6e-12 } as const;

/**
 * How a result's figures read, in tables and in one-line summaries alike: fractions as
 * percentages with 2 decimals, counts with thousands separators, rates to 4 significant digits.
 */
export const RESULT_FORMATS = {
  fraction: "percent",
  count: "count",
  spikesPerNeuron: "sig:4",
  energy: "sig:4",
} as const satisfies Record<string, ColumnFormat>;

/** A latency with its unit: whole steps exactly (with separators), times to 4 significant digits. */
export function latencyText(latency: SimResult["latency"]): string {
  const v = latency.value;
  return `${formatCell(v, Number.isInteger(v) ? "count" : "sig:4")} ${latency.unit}`;
}

/** One row per result; the energies used are named in the title. */
export function resultsTable(results: readonly SimResult[], energy: EnergyModel = {}, title = "SNN vs ANN"): Table {
  const eOp = energy.perSynOpJ ?? DEFAULT_ENERGY.perSynOpJ;
  const eMac = energy.perMacJ ?? DEFAULT_ENERGY.perMacJ;
  const f = RESULT_FORMATS;
  const spec: readonly [string, ColumnFormat, (r: SimResult) => Cell][] = [
    ["family", "text", (r) => r.family + (r.partial ? " (partial)" : "")],
    ["network", "text", (r) => r.network],
    ["data", "text", (r) => r.data],
    ["samples", f.count, (r) => r.samples],
    ["accuracy", f.fraction, (r) => r.accuracy],
    ["ANN accuracy", f.fraction, (r) => r.annAccuracy],
    ["agreement", f.fraction, (r) => r.agreement],
    ["latency", "text", (r) => latencyText(r.latency)],
    ["spikes / neuron", f.spikesPerNeuron, (r) => r.spikesPerNeuron],
    ["synaptic ops / sample", f.count, (r) => r.synapticOpsTotal],
    ["ANN ops / sample", f.count, (r) => r.annOps],
    ["SNN energy (µJ)", f.energy, (r) => r.synapticOpsTotal * eOp * 1e6],
    // ANN operations count 2 per MAC (plus one per bias), so MACs ≈ ops / 2.
    ["ANN energy (µJ)", f.energy, (r) => (r.annOps / 2) * eMac * 1e6],
  ];
  return {
    kind: "table",
    title: `${title} (energy: ${eOp * 1e12} pJ per synaptic operation, ${eMac * 1e12} pJ per ANN MAC)`,
    columns: spec.map((s) => s[0]),
    rows: results.map((r) => spec.map((s) => s[2](r))),
    formats: spec.map((s) => s[1]),
  };
}

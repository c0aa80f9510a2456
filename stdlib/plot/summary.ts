// The one table comparing simulation results across families (issue 7's notebook 06): accuracy,
// agreement, latency, spikes per neuron, synaptic operations, and an energy estimate whose
// per-operation energies are stated in the table and settable. It reads SimResults only.

import type { SimResult } from "../ir/results.ts";
import type { ColumnFormat, Table } from "./figure.ts";

export interface EnergyModel {
  /** Joules per synaptic operation (an accumulate). Default 0.9 pJ: a 32-bit float add at 45 nm (Horowitz 2014). */
  readonly perSynOpJ?: number;
  /** Joules per ANN multiply-accumulate. Default 4.6 pJ: 32-bit float multiply + add at 45 nm (Horowitz 2014). */
  readonly perMacJ?: number;
}

export const DEFAULT_ENERGY = { perSynOpJ: 0.9e-12, perMacJ: 4.6e-12 } as const;

/** One row per result; the energies used are named in the title. */
export function resultsTable(results: readonly SimResult[], energy: EnergyModel = {}, title = "SNN vs ANN"): Table {
  const eOp = energy.perSynOpJ ?? DEFAULT_ENERGY.perSynOpJ;
  const eMac = energy.perMacJ ?? DEFAULT_ENERGY.perMacJ;
  const columns = [
    "family", "network", "data", "accuracy", "ANN accuracy", "agreement", "latency",
    "spikes / neuron", "synaptic ops / sample", "ANN ops / sample", "SNN energy (µJ)", "ANN energy (µJ)",
  ];
  const formats: ColumnFormat[] = ["text", "text", "text", "percent", "percent", "percent", "text", "fixed:3", "si", "si", "fixed:3", "fixed:3"];
  const rows = results.map((r) => [
    r.family + (r.partial ? " (partial)" : ""),
    r.network,
    r.data,
    r.accuracy,
    r.annAccuracy,
    r.agreement,
    `${Number(r.latency.value.toPrecision(4))} ${r.latency.unit}`,
    r.spikesPerNeuron,
    r.synapticOpsTotal,
    r.annOps,
    // ANN operations count 2 per MAC (plus one per bias), so MACs ≈ ops / 2.
    (r.synapticOpsTotal * eOp) * 1e6,
    ((r.annOps / 2) * eMac) * 1e6,
  ]);
  return {
    kind: "table",
    title: `${title} (energy: ${eOp * 1e12} pJ per synaptic operation, ${eMac * 1e12} pJ per ANN MAC)`,
    columns, rows, formats,
  };
}

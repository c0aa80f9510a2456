// What a simulation returns: the figures every family reports in the same names (so tables and
// comparisons across families need no special cases), plus optional recordings.
// It must not know how the numbers were produced or how they are shown.

import type { Family } from "./rules.ts";

export interface LayerCount {
  readonly layer: string;
  readonly value: number;
}

/** One spike train recording: spike times (in steps or time units) per neuron of one layer, one sample. */
export interface SpikeRecord {
  readonly sample: number;
  readonly layer: string;
  readonly neurons: number;
  /** Parallel arrays: neuron index and time of each spike, in time order. */
  readonly neuron: Int32Array;
  readonly time: Float64Array;
}

/** A membrane potential over time for one neuron of one sample (rate family: pre-reset, in membrane units). */
export interface MembraneTrace {
  readonly sample: number;
  readonly layer: string;
  readonly neuron: number;
  /** The neuron's threshold (for the threshold line), NaN for a non-firing read-out layer. */
  readonly threshold: number;
  /** Value at the end of each step (or sample time). */
  readonly values: Float64Array;
}

/** Per neuron of one layer: mean spikes per sample over the run (the firing-rate recorder). */
export interface LayerRates {
  readonly layer: string;
  /** Spikes per neuron per sample; divide by the steps for spikes per step. */
  readonly spikes: Float64Array;
}

/** ANN activation (scaled to the SNN's units, e.g. a/λ) against the SNN's rate, per neuron and sample, for one layer. */
export interface RatePairs {
  readonly layer: string;
  /** Pearson correlation over all pairs of the samples compared. */
  readonly correlation: number;
  /** A subsample of the pairs for scatter plots (parallel arrays). */
  readonly ann: Float32Array;
  readonly snn: Float32Array;
}

export interface SimResult {
  readonly kind: "simresult";
  readonly family: Family;
  /** Spiking network name. */
  readonly network: string;
  /** What the run covered, e.g. "mnist.test[0:1000]". */
  readonly data: string;
  readonly samples: number;
  readonly labels: Uint8Array;
  readonly predictions: Int32Array;
  /** The source ANN's predictions on the same samples (for agreement). */
  readonly annPredictions: Int32Array;
  readonly accuracy: number;
  readonly annAccuracy: number;
  /** Fraction of samples where SNN and ANN predict the same class. */
  readonly agreement: number;
  /** Time to a decision: steps (rate), K·layers (AMOS), time units (TTFS). */
  readonly latency: { readonly value: number; readonly unit: "steps" | "time units" };
  /** Mean spikes per neuron per sample, over all spiking neurons. */
  readonly spikesPerNeuron: number;
  /** Mean synaptic operations per sample, per projection target layer and in total. */
  readonly synapticOps: readonly LayerCount[];
  readonly synapticOpsTotal: number;
  /** The ANN's operations per sample (2 per MAC + 1 per biased neuron), for the trade-off. */
  readonly annOps: number;
  /** Accuracy and cumulative operations as time goes on (rate and AMOS; one point for TTFS). */
  readonly overTime?: { readonly time: Float64Array; readonly accuracy: Float64Array; readonly synapticOps: Float64Array };
  readonly records: readonly SpikeRecord[];
  /** Optional recordings (rate family; others may fill them too). */
  readonly traces?: readonly MembraneTrace[];
  readonly rates?: readonly LayerRates[];
  readonly pairs?: readonly RatePairs[];
  /** Mean synaptic operations per sample per step, per target layer (same order as synapticOps). */
  readonly layerOpsOverTime?: readonly { readonly layer: string; readonly perStep: Float64Array }[];
  /** Family-specific figures (agreement per layer, max decoding error, …). */
  readonly info: Readonly<Record<string, number | string | readonly number[]>>;
  /** True when the run was interrupted and these figures cover only the samples done. */
  readonly partial: boolean;
}

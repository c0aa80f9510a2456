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
  /** Family-specific figures (agreement per layer, max decoding error, …). */
  readonly info: Readonly<Record<string, number | string | readonly number[]>>;
  /** True when the run was interrupted and these figures cover only the samples done. */
  readonly partial: boolean;
}

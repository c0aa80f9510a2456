// The spiking IR: what a conversion produces and a simulator runs. Populations of neurons
// (with a neuron model and its parameters), projections between them (dense, conv, pool with
// their weights), an input encoder and a read-out. A family adds neuron models and projection
// kinds here rather than special cases in a simulator's core loop.
// It must not know how it is simulated, parsed or displayed.

import type { Network, Pair } from "./network.ts";
import type { Family, RuleSet } from "./rules.ts";
import type { FloatArray, Tensor } from "../tensor/tensor.ts";

export type NeuronModel =
  /** Integrate-and-fire (rate family). Optional leak time constant; Infinity = no leak. */
  | { readonly kind: "if"; readonly threshold: number; readonly reset: "subtract" | "zero"; readonly tauSeconds: number }
  /** One spike per neuron, time to first spike (exact TTFS). Per-neuron thresholds ϑ_i in `threshold`. */
  | { readonly kind: "ttfs"; readonly tMin: number; readonly tMax: number; readonly threshold: Tensor<Float64Array> }
  /** K units per gate, at most one spike each (AMOS) or one neuron over K steps (FS). */
  | { readonly kind: "amos"; readonly form: "amos" | "fs"; readonly K: number; readonly gate: string; readonly h: Float64Array; readonly d: Float64Array; readonly T: Float64Array }
  /** Integrates without firing; the read-out layer when reading membrane potentials. */
  | { readonly kind: "integrator" }
  /**
   * Passes on the spike its projection selects, without integrating (TTFS: the input layer, whose
   * spikes the encoder places, and max pooling, the earliest spike of each window). Its spikes lie
   * in the window [tMin, tMax] of the layer it relays.
   */
  | { readonly kind: "relay"; readonly tMin: number; readonly tMax: number };

export type ProjectionKind =
  /** `offset` (TTFS; absent = 0): element offset of its first output in the target, a channel slice of a concatenation. */
  | { readonly kind: "dense"; readonly offset?: number }
  | { readonly kind: "conv"; readonly kernel: Pair; readonly stride: Pair; readonly padding: Pair; readonly groups: number; readonly offset?: number }
  /** Average pooling as a linear projection (weight 1/(kH·kW) per tap). */
  | { readonly kind: "avgpool"; readonly kernel: Pair; readonly stride: Pair; readonly padding: Pair }
  /** Spiking max-pool: per window only the input with the largest online rate passes (rate), or the earliest spike (TTFS). */
  | {
      readonly kind: "maxpool"; readonly kernel: Pair; readonly stride: Pair; readonly padding: Pair; readonly mode: "gated" | "earliest";
      /** TTFS: channels where the latest spike passes instead (a batch norm with negative scale folded through the pool). */
      readonly latest?: readonly number[];
    }
  /**
   * Spikes pass unchanged (flatten, dropout removed); `offset` places them in a concatenated target
   * (an element offset). TTFS: source neuron j drives target neuron offset + j through its own
   * weight (a relay carrying a value one window later, or a residual shortcut into a join).
   */
  | { readonly kind: "identity"; readonly offset: number };

export interface Population {
  readonly id: string;
  /** Per-sample shape: [C, H, W] or [F]. */
  readonly shape: readonly number[];
  readonly neuron: NeuronModel;
  /** Constant input current per neuron channel (bias), in units of threshold per second; absent = none. */
  readonly bias?: Tensor<FloatArray>;
  /** The ANN node this population stands for (for per-layer comparisons and plots). */
  readonly sourceNode: string;
}

export interface Projection {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly geometry: ProjectionKind;
  /** Dense [out, in], conv [outC, inC/g, kH, kW]; absent for pooling; identity: none, or (TTFS) one per source neuron. */
  readonly weight?: Tensor<FloatArray>;
}

export type Encoder =
  /** The input image times dt is injected each step as a current (rate family's default). */
  | { readonly kind: "analog" }
  | { readonly kind: "poisson"; readonly maxRateHz: number; readonly seed: number }
  /** Input pixel x spikes once at t = tMax − x·(tMax − tMin) (TTFS, input window [0, 1]). */
  | { readonly kind: "ttfs"; readonly tMin: number; readonly tMax: number }
  /** The value drives the first layer's gate circuit as its initial potential (AMOS). */
  | { readonly kind: "value" };

export type Readout =
  | { readonly kind: "spikes" }
  | { readonly kind: "membrane" }
  | { readonly kind: "softmax" }
  /** TTFS: the output potential at the start of the output window. */
  | { readonly kind: "potential"; readonly at: number };

export interface SpikingNetwork {
  readonly name: string;
  readonly family: Family;
  readonly rules: RuleSet;
  /** The ANN it was converted from (after folding), for agreement and per-layer comparisons. */
  readonly source: Network;
  /** Time step for time-stepped families; undefined for continuous time. */
  readonly dtSeconds: number | undefined;
  readonly encoder: Encoder;
  /** In topological order; populations[0] receives the encoder's input. */
  readonly populations: readonly Population[];
  readonly projections: readonly Projection[];
  readonly readout: Readout;
  /** Family-specific figures kept for reports (λ per layer, windows B_n, fitted errors …). */
  readonly info: Readonly<Record<string, number | string | readonly number[]>>;
}

export function neuronCount(snn: SpikingNetwork): number {
  let n = 0;
  for (const p of snn.populations) n += p.shape.reduce((a, b) => a * b, 1);
  return n;
}

/** Synapses a projection realises (weights for dense/conv counted per connection, pools per tap). */
export function synapseCount(snn: SpikingNetwork, proj: Projection): number {
  const to = snn.populations.find((p) => p.id === proj.to);
  const outN = to === undefined ? 0 : to.shape.reduce((a, b) => a * b, 1);
  const g = proj.geometry;
  switch (g.kind) {
    case "dense":
      return proj.weight?.data.length ?? 0;
    case "conv":
      return (outN * (proj.weight?.shape.slice(1).reduce((a, b) => a * b, 1) ?? 0));
    case "avgpool":
    case "maxpool":
      return outN * g.kernel[0] * g.kernel[1];
    case "identity":
      return proj.weight?.data.length ?? outN;
  }
}

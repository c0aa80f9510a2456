// Parameters of the rate family (Rueckauer et al. 2016/2017; ../shared/PAPERS.md §1), with the
// defaults of the authors' SNN Toolbox except where our own measurements chose better ones
// (noted in the doc). Values are in base units (seconds, hertz).

import type { FamilySchema } from "../../ir/rules.ts";

export const rateSchema: FamilySchema = {
  family: "rate",
  doc: "Rate coding: integrate-and-fire neurons whose firing rate approximates the ReLU activation (Rueckauer et al. 2016, 2017).",
  params: [
    { name: "neuron", type: { kind: "enum", values: ["if", "lif"] }, default: "if", doc: "Neuron model: non-leaky integrate-and-fire (`if`, the papers') or leaky (`lif`, for comparison; set `tau`)." },
    { name: "threshold", type: { kind: "number", dimension: "none", min: 0, exclusiveMin: true }, default: 1, doc: "Firing threshold θ; a spike carries amplitude θ." },
    { name: "reset", type: { kind: "enum", values: ["subtract", "zero"] }, default: "subtract", doc: "Reset by subtraction (V −= θ, keeps the overshoot; error ~1/T) or to zero (V = 0, loses it: a bias that does not shrink with T)." },
    { name: "tau", type: { kind: "number", dimension: "time", min: 0, exclusiveMin: true }, default: Infinity, doc: "Membrane time constant of the `lif` neuron; infinite = no leak." },
    { name: "input", type: { kind: "enum", values: ["analog", "poisson"] }, default: "analog", doc: "Input coding: the image as a constant current each step (`analog`) or Poisson spike trains (`poisson`, see `max_rate`)." },
    { name: "max_rate", type: { kind: "number", dimension: "frequency", min: 0, exclusiveMin: true }, default: 1000, doc: "Poisson input: the rate of a pixel of value 1 (a pixel spikes per step with probability x·max_rate·dt)." },
    { name: "normalize", type: { kind: "enum", values: ["percentile", "max", "weights", "none"] }, default: "percentile", doc: "Normalisation: data-based p-th percentile of non-zero activations (robust, 2017), data-based max (Diehl 2015 data-norm), weight-based max-norm, or none." },
    { name: "percentile", type: { kind: "number", dimension: "none", min: 0, max: 100, exclusiveMin: true }, default: 99.9, doc: "p for percentile normalisation: λ_l = p-th percentile of layer l's non-zero ReLU activations." },
    { name: "scope", type: { kind: "enum", values: ["layerwise", "channelwise"] }, default: "layerwise", doc: "One λ per layer (the papers) or one per output channel." },
    { name: "norm_data", type: { kind: "data" }, default: null, doc: "The training slice λ is computed on; default: the first 10,000 training samples of the network's dataset." },
    { name: "normalize_output", type: { kind: "bool" }, default: true, doc: "Normalise the output layer like the hidden ones. The authors' code keeps λ = 1 there, which saturates and ties spike-count read-out." },
    { name: "bias", type: { kind: "enum", values: ["current", "none"] }, default: "current", doc: "Biases as a constant current b·dt each step, or dropped." },
    { name: "avgpool", type: { kind: "enum", values: ["neurons", "fold"] }, default: "neurons", doc: "Average pooling as its own IF layer (`neurons`: fewer synaptic operations) or folded into the next layer's weights (`fold`: faster convergence, up to k² more operations)." },
    { name: "maxpool", type: { kind: "enum", values: ["gated", "avg"] }, default: "gated", doc: "Spiking max-pool: pass only the spikes of the input with the highest online rate (`gated`), or approximate by average pooling." },
    { name: "output", type: { kind: "enum", values: ["membrane", "spikes", "softmax"] }, default: "membrane", doc: "Read-out: argmax of the output layer's membrane (integrated input), of its spike counts, or of a spiking softmax." },
    { name: "dt", type: { kind: "number", dimension: "time", min: 0, exclusiveMin: true }, default: 0.001, doc: "Simulation time step dt." },
    { name: "steps", type: { kind: "number", dimension: "none", min: 1, integer: true }, default: 100, doc: "Default number of time steps T per sample (simulate's `steps` overrides it)." },
    { name: "seed", type: { kind: "number", dimension: "none", min: 0, integer: true }, default: 1, doc: "Seed of the Poisson input." },
  ],
};

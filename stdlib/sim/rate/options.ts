// The options `simulate … { … }` takes for the rate family, apart from the simulator so that
// checking a program (and the families registry) can read them without loading the engine.
// It must not import the simulator.

import type { ParamSpec } from "../../ir/rules.ts";

export const rateSimulateParams: readonly ParamSpec[] = [
  { name: "steps", type: { kind: "number", dimension: "none", min: 1, integer: true }, default: null, doc: "Time steps T per sample; default: the rule set's `steps`." },
  { name: "trace", type: { kind: "range", dimension: "none" }, default: [0, 4], doc: "Neurons [first, last) of every layer whose membrane potential is recorded, for the samples in `record`." },
  { name: "counts", type: { kind: "bool" }, default: true, doc: "Record spike counts per neuron over the run (firing-rate histograms)." },
  { name: "compare", type: { kind: "number", dimension: "none", min: 0, integer: true }, default: 100, doc: "Samples (from the first) whose per-neuron rates are compared with the ANN's activations: correlation per layer and the scatter plot." },
];

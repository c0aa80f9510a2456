// Parameters of the exact time-to-first-spike mapping (Stanojevic et al. 2022; PAPERS.md §3).
// Times are in the paper's abstract time units (the input window is [0, 1]), not seconds.

import type { FamilySchema } from "../../ir/rules.ts";

export const ttfsSchema: FamilySchema = {
  family: "ttfs",
  doc: "Exact mapping to one spike per neuron: spike time encodes the ReLU activation, t_i = t_max − a_i (Stanojevic et al. 2022).",
  params: [
    { name: "zeta", type: { kind: "number", dimension: "none", min: -1, exclusiveMin: true }, default: 0.5, doc: "Window margin ζ: B_n = (1 + ζ)·X_n. Below 0 the windows are too short and exactness is lost." },
    { name: "window_data", type: { kind: "data" }, default: null, doc: "Training slice on which X_n (max activation per layer) is measured; default: the network's full training split." },
    { name: "input_range", type: { kind: "range", dimension: "none" }, default: [0, 1], doc: "Input range [p, q], folded into the first layer so inputs lie in [0, 1]." },
    { name: "weight_sum_min", type: { kind: "number", dimension: "none" }, default: -10, doc: "Lower bound of each neuron's weight sum S_i after scaling." },
    { name: "weight_sum_max", type: { kind: "number", dimension: "none", max: 1, exclusiveMin: false }, default: 0.99, doc: "Upper bound of S_i (must be < 1: J_ij = W_ij/(1 − S_i))." },
    { name: "jitter", type: { kind: "number", dimension: "none", min: 0 }, default: 0, doc: "Standard deviation σ of Gaussian noise added to every spike time (robustness sweeps)." },
    { name: "seed", type: { kind: "number", dimension: "none", min: 0, integer: true }, default: 1, doc: "Seed of the jitter noise." },
  ],
};

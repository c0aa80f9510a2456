// Parameters of AMOS / FS conversion (Stöckl & Maass 2019, 2021; PAPERS.md §2).

import type { FamilySchema } from "../../ir/rules.ts";

export const amosSchema: FamilySchema = {
  family: "amos",
  doc: "Each gate becomes K spiking units with fitted (h, d, T): at most one spike per neuron (AMOS) or one neuron over K steps (FS) (Stöckl & Maass 2019, 2021).",
  params: [
    { name: "form", type: { kind: "enum", values: ["amos", "fs"] }, default: "amos", doc: "`amos`: K neurons, each fires at most once; `fs`: one neuron over K time steps. Same output." },
    { name: "K", type: { kind: "number", dimension: "none", min: 1, max: 64, integer: true }, default: 10, doc: "Units (AMOS) or time steps (FS) per ReLU gate." },
    { name: "K_sigmoid", type: { kind: "number", dimension: "none", min: 1, max: 64, integer: true }, default: 12, doc: "K for sigmoid gates (the authors used 12)." },
    { name: "K_silu", type: { kind: "number", dimension: "none", min: 1, max: 64, integer: true }, default: 16, doc: "K for SiLU/swish gates (the authors used 16)." },
    { name: "alpha", type: { kind: "numberOr", dimension: "none", keywords: ["auto"], min: 0 }, default: "auto", doc: "ReLU range α (h = d = T = α·2^-k). `auto`: from the layer's recorded activations (see `alpha_percentile`); the authors fixed α = 25." },
    { name: "relu_rounding", type: { kind: "enum", values: ["floor", "nearest"] }, default: "floor", doc: "ReLU circuit: `floor` (the paper's h = d = T = α·2^-k: rounds down) or `nearest` (thresholds lowered by half a level: rounds to the nearest level, half the error; better at small K)." },
    { name: "alpha_percentile", type: { kind: "number", dimension: "none", min: 0, max: 100, exclusiveMin: true }, default: 100, doc: "With alpha auto: α is this percentile of the layer's activations, times 2^K/(2^K − 1) so the top level is reachable." },
    { name: "calib_data", type: { kind: "data" }, default: null, doc: "Training slice whose activations set α and the fitting ranges; default: the first 10,000 training samples of the network's dataset." },
    { name: "fit_range", type: { kind: "range", dimension: "none" }, default: null, doc: "Input range for fitting non-ReLU gates; default: the range seen in the layer's recorded inputs." },
    { name: "fit_points", type: { kind: "number", dimension: "none", min: 10, integer: true }, default: 100000, doc: "Grid points the fit's squared error is measured on (the authors used 100,000)." },
    { name: "fit_restarts", type: { kind: "number", dimension: "none", min: 0, integer: true }, default: 4, doc: "Runs of the authors' pseudo-derivative descent after the structured starts (alternately from the best start so far and from a random one); the best circuit is kept." },
    { name: "fit_iterations", type: { kind: "number", dimension: "none", min: 1, integer: true }, default: 2000, doc: "Adam steps per pseudo-derivative descent." },
    { name: "fit_lr", type: { kind: "number", dimension: "none", min: 0, exclusiveMin: true }, default: 0.3, doc: "Adam step size of the fit; each restart draws its own from [lr/2, 2·lr] (the authors drew theirs from [0.09, 0.5])." },
    { name: "gate", type: { kind: "expr", variable: "x" }, default: null, doc: "A user gate f(x) written as an expression in x (e.g. `x * tanh(x)`), fitted in place of the network's smooth activations." },
    { name: "seed", type: { kind: "number", dimension: "none", min: 0, integer: true }, default: 1, doc: "Seed of the fit's initialisation and restarts." },
  ],
};

// The options `simulate … { … }` takes for the ttfs family, apart from the simulator so that
// checking a program (and the families registry) can read them without loading the engine.
// It must not import the simulator.

import type { ParamSpec } from "../../ir/rules.ts";

/** Options `simulate … { … }` takes for TTFS networks, beside `workers` and `record`. */
export const ttfsSimulateParams: readonly ParamSpec[] = [
  { name: "check", type: { kind: "bool" }, default: true, doc: "Compare every decoded activation (t_max − t) with the float64 ReLU network the spiking one encodes; reported as max_decoding_error." },
  { name: "ann", type: { kind: "bool" }, default: true, doc: "Also run the source ANN on the same images (float32, and float64 on close calls) for agreement; false skips it (agreement NaN)." },
  { name: "jitter", type: { kind: "number", dimension: "none", min: 0 }, default: null, doc: "σ of Gaussian noise on every spike time; default: the rule set's `jitter`." },
  { name: "seed", type: { kind: "number", dimension: "none", min: 0, integer: true }, default: null, doc: "Seed of the jitter; default: the rule set's `seed`." },
];

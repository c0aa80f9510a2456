// The options `simulate … { … }` takes for the amos family, apart from the simulator so that
// checking a program (and the families registry) can read them without loading the engine.
// It must not import the simulator.

import type { ParamSpec } from "../../ir/rules.ts";

/** Options of `simulate` beyond the families' common ones. */
export const amosSimulateParams: readonly ParamSpec[] = [
  { name: "compare", type: { kind: "number", dimension: "none", min: 0, integer: true }, default: 100, doc: "Samples (from the first) whose gate outputs are compared with the ANN's: correlation per layer and the scatter plot." },
];

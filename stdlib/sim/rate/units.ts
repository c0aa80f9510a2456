// The few facts both rate simulators read off a spiking network the same way: the threshold
// θ that sets the membrane unit, and the seed of the stochastic read-out. Nothing else.

import type { SpikingNetwork } from "../../ir/spiking.ts";

/** θ of the network's IF neurons (one per network in the rate family); 1 if it has none. */
export function thresholdOf(snn: SpikingNetwork): number {
  for (const p of snn.populations) if (p.neuron.kind === "if") return p.neuron.threshold;
  return 1;
}

/** Seed of the spiking-softmax read-out: the rule set's `seed`. */
export function readoutSeed(snn: SpikingNetwork): number {
  const s = snn.rules.params.seed;
  return typeof s === "number" ? s : 0;
}

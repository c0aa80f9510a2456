// The registry of conversion families: each publishes its parameter schema, and, once its
// engine exists, convert / simulate functions and named plots. The language's interpreter and
// the TypeScript API dispatch through here, so adding a family touches this file only: an
// engine adds its functions to its entry below. Schemas and options are imported statically
// (checking a program reads them); the engines load on first use, as most of a program's
// start-up would otherwise go to loading every family's converter and simulator.

import type { RunContext } from "./context.ts";
import type { Dataset } from "./data/dataset.ts";
import type { Network } from "./ir/network.ts";
import type { Family, FamilySchema, ParamSpec, ParamValue, RuleSet } from "./ir/rules.ts";
import type { SimResult } from "./ir/results.ts";
import type { SpikingNetwork } from "./ir/spiking.ts";
import { amosSchema } from "./convert/amos/schema.ts";
import { amosSimulateParams } from "./sim/amos/options.ts";
import { rateSchema } from "./convert/rate/schema.ts";
import { rateSimulateParams } from "./sim/rate/options.ts";
import { ttfsSchema } from "./convert/ttfs/schema.ts";
import { ttfsSimulateParams } from "./sim/ttfs/options.ts";

/** Options of one `simulate` call, checked against the family's `simulateSchema`. */
export type SimOptions = Readonly<Record<string, ParamValue>>;

export interface FamilyEngine {
  readonly schema: FamilySchema;
  /** Options `simulate … { … }` accepts for this family (steps, record, workers …). */
  readonly simulateSchema: readonly ParamSpec[];
  readonly convert?: (net: Network, rules: RuleSet, ctx: RunContext) => Promise<SpikingNetwork>;
  readonly simulate?: (snn: SpikingNetwork, data: Dataset, opts: SimOptions, ctx: RunContext) => Promise<SimResult>;
}

const commonSimulate: readonly ParamSpec[] = [
  { name: "workers", type: { kind: "number", dimension: "none", min: 1, integer: true }, default: null, doc: "Worker threads to split the images over; default: all cores." },
  { name: "record", type: { kind: "range", dimension: "none" }, default: [0, 1], doc: "Samples [first, last) whose spike trains are recorded for plots." },
];

type Convert = NonNullable<FamilyEngine["convert"]>;
type Simulate = NonNullable<FamilyEngine["simulate"]>;

const registry = new Map<Family, FamilyEngine>([
  ["rate", {
    schema: rateSchema, simulateSchema: [...rateSimulateParams, ...commonSimulate],
    convert: async (...a: Parameters<Convert>) => (await import("./convert/rate/convert.ts")).convertRate(...a),
    simulate: async (...a: Parameters<Simulate>) => (await import("./sim/rate/simulate.ts")).simulateRate(...a),
  }],
  ["ttfs", {
    schema: ttfsSchema, simulateSchema: [...commonSimulate, ...ttfsSimulateParams],
    convert: async (...a: Parameters<Convert>) => (await import("./convert/ttfs/convert.ts")).convertTtfsFamily(...a),
    simulate: async (...a: Parameters<Simulate>) => (await import("./sim/ttfs/simulate.ts")).simulateTtfs(...a),
  }],
  ["amos", {
    schema: amosSchema, simulateSchema: [...commonSimulate, ...amosSimulateParams],
    convert: async (...a: Parameters<Convert>) => (await import("./convert/amos/convert.ts")).convertAmos(...a),
    simulate: async (...a: Parameters<Simulate>) => (await import("./sim/amos/simulate.ts")).simulateAmos(...a),
  }],
]);

export function families(): readonly FamilyEngine[] {
  return [...registry.values()];
}

export function family(name: Family): FamilyEngine {
  const f = registry.get(name);
  if (f === undefined) throw new Error(`no family '${name}'`);
  return f;
}

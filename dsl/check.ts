// Checking → IR: a network declaration becomes a shape-checked Network (stdlib/ir/shapes.ts
// buildNetwork), a conversion block becomes a RuleSet validated against its family's schema,
// and values are checked to be of the kind a statement needs. The evaluator (eval.ts) calls
// these in both modes: checking a whole program is a dry run of it in which nothing is loaded
// or computed (interpreter.ts `check`). This file must not call the engine.

import { SpikelabError } from "../stdlib/errors.ts";
import { family } from "../stdlib/families.ts";
import type { Network } from "../stdlib/ir/network.ts";
import type { RuleSet } from "../stdlib/ir/rules.ts";
import { buildNetwork } from "../stdlib/ir/shapes.ts";
import type { Expr, Field, Stmt } from "./ast.ts";
import { inputFits } from "./engine.ts";
import { planNetwork, type Locate } from "./layers.ts";
import { checkParams, type ParamEnv } from "./params.ts";
import { describe, isUnknown, kindWord, unknown, type V, type ValueKind } from "./values.ts";

/** A network declaration as a checked network value (or, with arguments unknown until run time, an Unknown). */
export async function buildNetworkValue(
  decl: Extract<Stmt, { kind: "network" }>,
  evalArg: (e: Expr) => Promise<V>,
  report: (e: SpikelabError) => void,
  loc: Locate,
): Promise<V> {
  const plan = await planNetwork(decl, evalArg, report, loc);
  if (!plan.complete) return unknown("network");
  const built = buildNetwork(decl.name.name, plan.specs);
  for (const e of built.errors) report(e);
  if (built.network === undefined) return unknown("network");
  return { kind: "network", network: built.network };
}

/**
 * `base` with `fields` applied, validated against the base's family schema. `name` names the
 * result (a conversion's name, or the base's own name for inline overrides).
 */
export async function buildRules(name: string, base: V, fields: readonly Field[], env: ParamEnv, inline: boolean): Promise<V> {
  const fam = base.kind === "rules" ? base.rules.family : isUnknown(base) ? base.family : undefined;
  if (fam === undefined) return unknown("rules");
  const schema = family(fam).schema;
  const checked = await checkParams(fam, schema.params, fields, env);
  if (!checked.complete || base.kind !== "rules") return unknown("rules", { family: fam });
  const rules: RuleSet = {
    name,
    family: fam,
    params: { ...base.rules.params, ...checked.values },
    extends: inline ? base.rules.extends : [base.rules.name, ...base.rules.extends],
  };
  return { kind: "rules", rules };
}

/** Throws a type error unless `v` is (or, unknown, may be) one of `kinds`. */
export function expectKind(v: V, kinds: readonly ValueKind[], what: string, hint?: string): void {
  if (isUnknown(v) ? v.of === "any" || kinds.includes(v.of as ValueKind) : kinds.includes(v.kind)) return;
  const want = kinds.map(kindWord).join(" or ");
  const extra = v.kind === "datasource" && kinds.includes("dataset") ? `write ${v.label}.train or ${v.label}.test` : hint;
  throw new SpikelabError("type", `${what} needs ${want}, got ${describe(v)}`, extra === undefined ? {} : { hint: extra });
}

/** The input shape a network value has, when known. */
export function networkInput(v: V): readonly number[] | undefined {
  const net: Network | undefined = v.kind === "network" ? v.network : isUnknown(v) ? v.network : undefined;
  return net?.nodes[0]?.shape;
}

/** The per-sample shape of a dataset value, when known. */
export function datasetShape(v: V): readonly number[] | undefined {
  return v.kind === "dataset" ? v.dataset.shape : isUnknown(v) ? v.shape : undefined;
}

/** Throws a shape error when the data's samples cannot feed the network's input. */
export function checkFits(netName: string, input: readonly number[] | undefined, dataLabel: string, sample: readonly number[] | undefined): void {
  if (input === undefined || sample === undefined) return;
  if (inputFits(input, sample)) return;
  throw new SpikelabError("shape", `network '${netName}' takes ${input.join("x")} inputs, but ${dataLabel} has ${sample.join("x")} samples`, {
    hint: input.length === 1 ? "the input size must equal channels x height x width" : "declare the network's input with the dataset's shape",
  });
}

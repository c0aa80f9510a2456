// Conversion rule sets in the IR: a family name plus a flat record of parameter values, and
// the schema each family publishes for its parameters (type, unit, range, default, doc).
// The schema is data, so the checker validates against it, completion lists it and the
// kernel's inspect shows its docs, without any of them knowing a family's internals.

/** Physical dimension of a number; the language converts units to the base unit at its boundary. */
export type Dimension = "time" | "frequency" | "none";

/** Base units: seconds and hertz. Names of numbers with a unit carry it (`dtSeconds`). */
export const BASE_UNIT: Readonly<Record<Dimension, string>> = { time: "s", frequency: "Hz", none: "" };

/** A slice of a dataset split, e.g. mnist.train[0:10000]. Resolved to data by stdlib/data. */
export interface DataRef {
  readonly kind: "data";
  readonly dataset: string;
  readonly split: "train" | "test";
  readonly start: number;
  /** Exclusive; undefined means to the end. */
  readonly end: number | undefined;
}

/** How to set a data parameter, in the language and from TypeScript (errors show both: the
 * same conversion runs from a notebook cell and from the TypeScript API). */
export function dataParamHint(param: string): string {
  return `set \`${param}: mnist.train[0:10000]\` in the rule set (from TypeScript: \`${param}: { kind: "data", dataset: "mnist", split: "train", start: 0, end: 10000 }\`)`;
}

export type ParamValue =
  | number
  | string
  | boolean
  | DataRef
  | readonly number[]
  | { readonly kind: "expr"; readonly source: string }
  | null;

export type ParamType =
  | { readonly kind: "number"; readonly dimension: Dimension; readonly min?: number; readonly max?: number; readonly integer?: boolean; readonly exclusiveMin?: boolean }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "bool" }
  | { readonly kind: "data" }
  | { readonly kind: "range"; readonly dimension: Dimension }
  | { readonly kind: "expr"; readonly variable: string }
  /** Either a number or a keyword such as `auto` (data-based choice). */
  | { readonly kind: "numberOr"; readonly dimension: Dimension; readonly keywords: readonly string[]; readonly min?: number };

export interface ParamSpec {
  /** Name as written in the language (snake_case), e.g. `threshold`, `max_rate`, `K`. */
  readonly name: string;
  readonly type: ParamType;
  /** In base units. null = not set (the family decides, e.g. "the network's own training data"). */
  readonly default: ParamValue;
  /** One or two sentences for completion and inspect; cite the paper's symbol where there is one. */
  readonly doc: string;
}

export type Family = "rate" | "ttfs" | "amos";

export interface FamilySchema {
  readonly family: Family;
  readonly doc: string;
  readonly params: readonly ParamSpec[];
}

/** A checked rule set: every parameter of the family's schema has a value (defaults filled in). */
export interface RuleSet {
  readonly name: string;
  readonly family: Family;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** The chain of rule sets it extends, nearest first (for display). */
  readonly extends: readonly string[];
}

export function paramSpec(schema: FamilySchema, name: string): ParamSpec | undefined {
  return schema.params.find((p) => p.name === name);
}

/** A rule set with every schema default filled in, then `overrides` applied. */
export function ruleSet(schema: FamilySchema, name: string, overrides: Readonly<Record<string, ParamValue>> = {}, parents: readonly string[] = []): RuleSet {
  const params: Record<string, ParamValue> = {};
  for (const p of schema.params) params[p.name] = p.default;
  for (const [k, v] of Object.entries(overrides)) {
    if (paramSpec(schema, k) === undefined) throw new Error(`rule set ${name}: ${schema.family} has no parameter '${k}'`);
    params[k] = v;
  }
  return { name, family: schema.family, params, extends: parents };
}

// Typed accessors used by the families: the checker has validated types, so a mismatch here is a bug.
export function num(r: RuleSet, name: string): number {
  const v = r.params[name];
  if (typeof v !== "number") throw new Error(`rule set ${r.name}: '${name}' is not a number (${String(v)})`);
  return v;
}
export function str(r: RuleSet, name: string): string {
  const v = r.params[name];
  if (typeof v !== "string") throw new Error(`rule set ${r.name}: '${name}' is not a keyword (${String(v)})`);
  return v;
}
export function bool(r: RuleSet, name: string): boolean {
  const v = r.params[name];
  if (typeof v !== "boolean") throw new Error(`rule set ${r.name}: '${name}' is not a boolean (${String(v)})`);
  return v;
}
export function data(r: RuleSet, name: string): DataRef | null {
  const v = r.params[name];
  if (v === null) return null;
  if (typeof v !== "object" || Array.isArray(v) || (v as { kind?: string }).kind !== "data") throw new Error(`rule set ${r.name}: '${name}' is not a data slice`);
  return v as DataRef;
}

// Schema-driven checking of `{ name: value }` records: rule-set parameters, simulate, train and
// plot options. Everything comes from the ParamSpec lists the families and the engine publish
// (type, unit, range, keywords), so a parameter added to a schema is settable with no change
// here. It must not know any family's parameters by name.

import { SpikelabError, type SourceLocation } from "../stdlib/errors.ts";
import type { DataRef, Dimension, ParamValue } from "../stdlib/ir/rules.ts";
import type { OptionSpec } from "./engine.ts";
import { parse, type Expr, type Field, type Span } from "./ast.ts";
import { dimensionWord, expectDimension, formatQuantity, MATH_FUNCTIONS } from "./units.ts";
import { describe, didYouMean, dimensionOf, formatNum, isUnknown, type V } from "./values.ts";

export interface ParamEnv {
  readonly eval: (e: Expr) => Promise<V>;
  /** Whether a name is bound (a bare name that is not a keyword of the parameter is then a value). */
  readonly has: (name: string) => boolean;
  readonly report: (e: SpikelabError) => void;
  readonly loc: (s: { span: Span }) => SourceLocation;
}

export interface CheckedParams {
  readonly values: Record<string, ParamValue>;
  /** False when a value is not known until the program runs (it was type-checked only). */
  readonly complete: boolean;
}

/** Constants a gate expression may use besides its variable. */
const GATE_CONSTANTS: Readonly<Record<string, number>> = { pi: Math.PI, e: Math.E };

function typeWord(spec: OptionSpec): string {
  const t = spec.type;
  switch (t.kind) {
    case "number":
      return t.dimension === "none" ? (t.integer ? "a whole number" : "a number") : dimensionWord(t.dimension);
    case "enum":
      return `one of ${t.values.join(", ")}`;
    case "bool":
      return "true or false";
    case "data":
      return "a dataset slice such as mnist.train[0:10000]";
    case "range":
      return "a range [low, high]";
    case "expr":
      return `an expression in ${t.variable}`;
    case "numberOr":
      return `a number or ${t.keywords.join(" / ")}`;
    case "string":
      return "a string";
    case "numbers":
      return t.length === undefined ? "a list of numbers" : `${t.length} numbers`;
  }
}

/** "(0, 100]", ">= 1", … */
function rangeWord(t: { min?: number; max?: number; exclusiveMin?: boolean }): string {
  const lo = t.min === undefined ? undefined : `${t.exclusiveMin ? "(" : "["}${formatNum(t.min)}`;
  if (lo !== undefined && t.max !== undefined) return `in ${lo}, ${formatNum(t.max)}]`;
  if (lo !== undefined) return t.exclusiveMin ? `> ${formatNum(t.min!)}` : `>= ${formatNum(t.min!)}`;
  return `<= ${formatNum(t.max!)}`;
}

function checkNumber(owner: string, spec: OptionSpec, t: { dimension: Dimension; min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean }, v: V): number | undefined {
  const what = `${owner} ${spec.name}`;
  if (isUnknown(v)) {
    if (v.of !== "number" && v.of !== "any") throw new SpikelabError("type", `${what}: expected ${dimensionWord(t.dimension)}, got ${describe(v)}`);
    if (v.of === "number" && v.dimension !== undefined && v.dimension !== t.dimension) {
      throw new SpikelabError("unit", `${what}: expected ${dimensionWord(t.dimension)}, got ${dimensionWord(v.dimension)}`);
    }
    return undefined;
  }
  if (v.kind !== "number") throw new SpikelabError("type", `${what}: expected ${dimensionWord(t.dimension)}, got ${describe(v)}`, { hint: spec.doc });
  const x = expectDimension({ value: v.value, dimension: dimensionOf(v) }, t.dimension, what);
  const below = t.min !== undefined && (t.exclusiveMin ? x <= t.min : x < t.min);
  const above = t.max !== undefined && x > t.max;
  const fractional = t.integer === true && !Number.isInteger(x);
  if (!below && !above && !fractional && !Number.isNaN(x)) return x;
  const shown = t.dimension === "none" ? formatNum(x) : formatQuantity({ value: x, dimension: t.dimension });
  if (Number.isNaN(x)) throw new SpikelabError("param", `${what} is not a number (nan)`);
  if (fractional) throw new SpikelabError("param", `${what} must be a whole number, got ${shown}`, { hint: spec.doc });
  {
    const bound = (b: number): string => (t.dimension === "none" ? formatNum(b) : formatQuantity({ value: b, dimension: t.dimension }));
    const range = rangeWord({ ...t, min: t.min, max: t.max }).replace(/-?[\d.e+]+|inf/g, (m) => bound(Number(m)));
    throw new SpikelabError("param", `${what} must be ${range}, got ${shown}`, { hint: spec.doc });
  }
  return x;
}

function keyword(owner: string, spec: OptionSpec, words: readonly string[], e: Expr, v: V | undefined): string | undefined {
  const what = `${owner} ${spec.name}`;
  const word = e.kind === "name" && v === undefined ? e.name : v?.kind === "string" ? v.value : undefined;
  if (v !== undefined && isUnknown(v)) {
    if (v.of !== "string" && v.of !== "any") throw new SpikelabError("type", `${what} must be ${words.join(" or ")}, got ${describe(v)}`);
    return undefined;
  }
  if (word === undefined) throw new SpikelabError("type", `${what} must be ${words.join(" or ")}, got ${v === undefined ? "that" : describe(v)}`, { hint: spec.doc });
  if (!words.includes(word)) {
    throw new SpikelabError("param", `${what} must be ${words.join(" or ")}, got '${word}'${didYouMean(word, words)}`, { hint: spec.doc });
  }
  return word;
}

/** A data slice value → the DataRef the IR stores. */
export function dataRef(v: V, what: string): DataRef | undefined {
  if (isUnknown(v)) {
    if (v.of !== "dataset" && v.of !== "any") throw new SpikelabError("type", `${what}: expected a dataset slice such as mnist.train[0:10000], got ${describe(v)}`);
    return undefined;
  }
  if (v.kind === "datasource") throw new SpikelabError("type", `${what}: expected one split of ${v.label}, got the whole data source`, { hint: `write ${v.label}.train[0:10000]` });
  if (v.kind !== "dataset") throw new SpikelabError("type", `${what}: expected a dataset slice such as mnist.train[0:10000], got ${describe(v)}`);
  const d = v.dataset;
  return { kind: "data", dataset: d.name, split: d.split, start: d.offset, end: d.offset + d.count };
}

/** Checks that `e` uses only `variable`, numbers and math functions, and prints it in mathjs syntax. */
export function gateSource(e: Expr, variable: string, what: string): string {
  const bad = (msg: string): never => {
    throw new SpikelabError("type", `${what} ${msg}`, { hint: `write an expression in ${variable} with numbers and ${Object.keys(MATH_FUNCTIONS).slice(0, 6).join(", ")}, …; e.g. ${variable} * sigmoid(${variable})` });
  };
  const go = (x: Expr): string => {
    switch (x.kind) {
      case "number":
        return String(x.value);
      case "name":
        if (x.name === variable || x.name in GATE_CONSTANTS) return x.name;
        return bad(`may use only ${variable}, numbers and math functions; got '${x.name}'${didYouMean(x.name, [variable, ...Object.keys(GATE_CONSTANTS)])}`);
      case "arith":
        return `(${[go(x.first), ...x.rest.map((r) => `${r.op} ${go(r.operand)}`)].join(" ")})`;
      case "sign":
        return x.negate ? `(-${go(x.operand)})` : go(x.operand);
      case "power": {
        const last = x.operands.length - 1;
        let acc = x.operands[last]!.negate ? `(-${go(x.operands[last]!.value)})` : go(x.operands[last]!.value);
        for (let i = last - 1; i >= 0; i--) {
          acc = `(${go(x.operands[i]!.value)} ^ ${acc})`;
          if (x.operands[i]!.negate) acc = `(-${acc})`;
        }
        return acc;
      }
      case "postfix": {
        if (x.base.kind !== "name" || x.ops.length !== 1 || x.ops[0]!.op !== "call") return bad("may use only function calls like tanh(x), not fields, indexes or units");
        const f = x.base.name;
        if (MATH_FUNCTIONS[f] === undefined) return bad(`calls unknown function '${f}'${didYouMean(f, Object.keys(MATH_FUNCTIONS))}`);
        const call = x.ops[0]!;
        if (call.args.some((a) => a.name !== undefined)) return bad("takes no named arguments");
        return `${f}(${call.args.map((a) => go(a.value)).join(", ")})`;
      }
      default:
        return bad(`must be arithmetic in ${variable}, got ${x.kind === "string" ? "a string" : `a ${x.kind} expression`}`);
    }
  };
  const s = go(e);
  return s.startsWith("(") && s.endsWith(")") && balancedInside(s) ? s.slice(1, -1) : s;
}

function balancedInside(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "(") depth++;
    else if (s[i] === ")") depth--;
    if (depth === 0 && i < s.length - 1) return false;
  }
  return true;
}

/**
 * Compiles a gate expression (as stored in a rule set: `{ kind: "expr", source }`) to a plain
 * function. Only the variable, numbers and the language's math functions can appear.
 */
export function compileGate(source: string, variable = "x"): (x: number) => number {
  const parsed = parse(source, "gate");
  const stmt = parsed.program?.statements[0];
  if (stmt === undefined || stmt.kind !== "expr" || parsed.program!.statements.length !== 1) {
    throw new SpikelabError("param", `gate '${source}' is not an expression`, { hint: parsed.errors[0]?.message });
  }
  gateSource(stmt.value, variable, "gate");
  const ev = (x: Expr, at: number): number => {
    switch (x.kind) {
      case "number":
        return x.value;
      case "name":
        return x.name === variable ? at : GATE_CONSTANTS[x.name]!;
      case "arith": {
        let acc = ev(x.first, at);
        for (const r of x.rest) {
          const b = ev(r.operand, at);
          acc = r.op === "+" ? acc + b : r.op === "-" ? acc - b : r.op === "*" ? acc * b : acc / b;
        }
        return acc;
      }
      case "sign":
        return x.negate ? -ev(x.operand, at) : ev(x.operand, at);
      case "power": {
        const last = x.operands.length - 1;
        let acc = (x.operands[last]!.negate ? -1 : 1) * ev(x.operands[last]!.value, at);
        for (let i = last - 1; i >= 0; i--) {
          acc = ev(x.operands[i]!.value, at) ** acc;
          if (x.operands[i]!.negate) acc = -acc;
        }
        return acc;
      }
      case "postfix": {
        const f = MATH_FUNCTIONS[(x.base as { name: string }).name]!;
        const call = x.ops[0] as { args: readonly { value: Expr }[] };
        return f.fn(...call.args.map((a) => ev(a.value, at)));
      }
      default:
        return NaN;
    }
  };
  return (at: number) => ev(stmt.value, at);
}

/** Validates every field of a record against `specs`; reports every problem, then returns what it could check. */
export async function checkParams(owner: string, specs: readonly OptionSpec[], fields: readonly Field[], env: ParamEnv): Promise<CheckedParams> {
  const values: Record<string, ParamValue> = {};
  let complete = true;
  const seen = new Set<string>();
  for (const f of fields) {
    const spec = specs.find((s) => s.name === f.name.name);
    if (spec === undefined) {
      complete = false;
      const names = specs.map((s) => s.name);
      env.report(new SpikelabError("param", `${owner} has no parameter '${f.name.name}'${didYouMean(f.name.name, names)}`, {
        loc: env.loc(f.name),
        hint: names.length === 0 ? `${owner} takes no parameters` : `${owner} parameters: ${names.join(", ")}`,
      }));
      continue;
    }
    if (seen.has(spec.name)) {
      env.report(new SpikelabError("param", `'${spec.name}' is set twice`, { loc: env.loc(f.name), hint: "keep one of them" }));
      complete = false;
      continue;
    }
    seen.add(spec.name);
    try {
      const v = await paramValue(owner, spec, f.value, env);
      if (v === undefined) complete = false;
      else values[spec.name] = v;
    } catch (e) {
      if (!(e instanceof SpikelabError)) throw e;
      complete = false;
      env.report(e.at(env.loc(f.value)));
    }
  }
  return { values, complete };
}

async function paramValue(owner: string, spec: OptionSpec, e: Expr, env: ParamEnv): Promise<ParamValue | undefined> {
  const t = spec.type;
  const what = `${owner} ${spec.name}`;
  switch (t.kind) {
    case "expr":
      return { kind: "expr", source: gateSource(e, t.variable, what) };
    case "enum":
      return keyword(owner, spec, t.values, e, e.kind === "name" && (t.values.includes(e.name) || !env.has(e.name)) ? undefined : await env.eval(e));
    case "numberOr":
      if (e.kind === "name" && (t.keywords.includes(e.name) || !env.has(e.name))) return keyword(owner, spec, t.keywords, e, undefined);
      {
        const v = await env.eval(e);
        if (v.kind === "string") return keyword(owner, spec, t.keywords, e, v);
        return checkNumber(owner, spec, { dimension: t.dimension, min: t.min }, v);
      }
    case "number":
      return checkNumber(owner, spec, t, await env.eval(e));
    case "bool": {
      const v = await env.eval(e);
      if (isUnknown(v)) {
        if (v.of !== "bool" && v.of !== "any") throw new SpikelabError("type", `${what} must be true or false, got ${describe(v)}`);
        return undefined;
      }
      if (v.kind !== "bool") throw new SpikelabError("type", `${what} must be true or false, got ${describe(v)}`, { hint: spec.doc });
      return v.value;
    }
    case "data":
      return dataRef(await env.eval(e), what);
    case "string": {
      const v = await env.eval(e);
      if (isUnknown(v)) {
        if (v.of !== "string" && v.of !== "any") throw new SpikelabError("type", `${what} must be a string, got ${describe(v)}`);
        return undefined;
      }
      if (v.kind !== "string") throw new SpikelabError("type", `${what} must be a string, got ${describe(v)}`, { hint: `e.g. ${spec.name}: "conv1"` });
      return v.value;
    }
    case "numbers": {
      // A shape token (1x8x8) is a list too.
      const v = await env.eval(e);
      if (isUnknown(v)) {
        if (v.of !== "list" && v.of !== "any") throw new SpikelabError("type", `${what} must be ${typeWord(spec)}, got ${describe(v)}`);
        return undefined;
      }
      const items = v.kind === "list" ? v.items : v.kind === "number" ? [v] : undefined;
      if (items === undefined || (t.length !== undefined && items.length !== t.length)) throw new SpikelabError("type", `${what} must be ${typeWord(spec)}, got ${describe(v)}`, { hint: spec.doc });
      const out: number[] = [];
      for (const i of items) {
        const x = checkNumber(owner, spec, { dimension: "none", integer: t.integer, min: t.integer ? 1 : undefined }, i);
        if (x === undefined) return undefined;
        out.push(x);
      }
      return out;
    }
    case "range": {
      const v = await env.eval(e);
      if (isUnknown(v)) {
        if (v.of !== "list" && v.of !== "any") throw new SpikelabError("type", `${what} must be ${typeWord(spec)}, got ${describe(v)}`);
        return undefined;
      }
      if (v.kind !== "list" || v.items.length !== 2) throw new SpikelabError("type", `${what} must be ${typeWord(spec)}, got ${describe(v)}`, { hint: spec.doc });
      const pair = v.items.map((i) => checkNumber(owner, spec, { dimension: t.dimension }, i));
      if (pair[0] === undefined || pair[1] === undefined) return undefined;
      if (!(pair[0] < pair[1])) throw new SpikelabError("param", `${what} must have low < high, got [${pair.map((p) => formatNum(p!)).join(", ")}]`);
      return [pair[0], pair[1]];
    }
  }
}

// Arithmetic on the language's values: numbers with units (through units.ts), strings and lists
// joined by `+`, and, while checking, values known only by their kind. No evaluator state.

import { SpikelabError } from "../stdlib/errors.ts";
import type { Value } from "./api.ts";
import { arith, arithDimension, negate } from "./units.ts";
import { describe, dimensionOf, isUnknown, numberValue, unknown, type V } from "./values.ts";

export function unaryMinus(v: V): V {
  if (isUnknown(v)) {
    if (v.of !== "number" && v.of !== "any") throw new SpikelabError("type", `cannot negate ${describe(v)}`);
    return v;
  }
  if (v.kind !== "number") throw new SpikelabError("type", `cannot negate ${describe(v)}`);
  const q = negate({ value: v.value, dimension: dimensionOf(v) });
  return numberValue(q.value, q.dimension);
}

export function binary(op: "+" | "-" | "*" | "/" | "^", a: V, b: V): V {
  if (op === "+" && a.kind === "string" && b.kind === "string") return { kind: "string", value: a.value + b.value };
  if (op === "+" && a.kind === "list" && b.kind === "list") return { kind: "list", items: [...a.items, ...b.items] };
  // Checking: a string (or list) joined with one known only by its kind, e.g. "on " + r.data.
  for (const k of ["string", "list"] as const) {
    const is = (x: V): boolean => x.kind === k || (isUnknown(x) && x.of === k);
    if (op === "+" && (is(a) || is(b)) && [a, b].every((x) => is(x) || (isUnknown(x) && x.of === "any"))) return unknown(k);
  }
  // Plain numbers need no unit algebra (mathjs would give the same, a hundred times slower).
  if (a.kind === "number" && b.kind === "number" && a.unit === undefined && b.unit === undefined) {
    const x = a.value, y = b.value;
    return numberValue(op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : op === "/" ? x / y : x ** y);
  }
  if (!isNumeric(a) || !isNumeric(b)) {
    throw new SpikelabError("type", `cannot ${OP_WORDS[op]} ${describe(a)} and ${describe(b)}`, a.kind === "result" || b.kind === "result" ? { hint: "use accuracy(r) or r.accuracy for the number" } : {});
  }
  if (isUnknown(a) || isUnknown(b)) {
    const da = isUnknown(a) ? a.dimension : dimensionOf(a as Extract<Value, { kind: "number" }>);
    const db = isUnknown(b) ? b.dimension : dimensionOf(b as Extract<Value, { kind: "number" }>);
    if (da === undefined || db === undefined) return unknown("number");
    const exponent = op === "^" && b.kind === "number" ? b.value : 1;
    return unknown("number", { dimension: arithDimension(op, da, db, exponent) });
  }
  const x = a as Extract<Value, { kind: "number" }>;
  const y = b as Extract<Value, { kind: "number" }>;
  const q = arith(op, { value: x.value, dimension: dimensionOf(x) }, { value: y.value, dimension: dimensionOf(y) });
  return numberValue(q.value, q.dimension);
}

const OP_WORDS = { "+": "add", "-": "subtract", "*": "multiply", "/": "divide", "^": "raise" } as const;

function isNumeric(x: V): boolean {
  return x.kind === "number" || (isUnknown(x) && (x.of === "number" || x.of === "any"));
}

// Numbers with units: `1 ms`, `2 * 500 Hz`, `1 / (1 ms)` → 1000 Hz, converted to base units
// (seconds, hertz) where they are written, and the math functions a program may call, which
// run on a restricted mathjs instance. A program reaches mathjs only through `callMath`'s
// allow-list — never its parser, `import`, `createUnit`, `evaluate` or any other escape
// (those are disabled on the instance as well).

import { createRequire } from "node:module";
import type { all, create, MathJsInstance } from "mathjs";
import { SpikelabError } from "../stdlib/errors.ts";
import type { Dimension } from "../stdlib/ir/rules.ts";

const DISABLED = [
  "import", "createUnit", "evaluate", "parse", "compile", "simplify", "simplifyConstant", "simplifyCore", "derivative",
  "rationalize", "resolve", "reviver", "replacer", "chain", "parser", "Parser", "help", "leafCount", "symbolicEqual",
] as const;

function disabled(name: string): () => never {
  return () => {
    throw new SpikelabError("unsupported", `'${name}' is not available in spikelab programs`);
  };
}

let instance: MathJsInstance | undefined;

/**
 * The restricted mathjs instance, made on first use (most programs call no math function, and
 * loading mathjs costs a noticeable part of a second). It comes from mathjs's single-file
 * build, which loads far faster than its many-module entry point.
 */
export function restrictedMath(): MathJsInstance {
  if (instance !== undefined) return instance;
  const mathjs = createRequire(import.meta.url)("mathjs/lib/browser/math.js") as { create: typeof create; all: typeof all };
  const m = mathjs.create(mathjs.all, { number: "number", precision: 14 });
  m.import(Object.fromEntries(DISABLED.map((n) => [n, disabled(n)])), { override: true });
  instance = m;
  return m;
}

/** A unit a program may write, with the dimension it measures and its factor to the base unit. */
export const UNIT_TABLE: Readonly<Record<string, { readonly dimension: Exclude<Dimension, "none">; readonly toBase: number }>> = {
  s: { dimension: "time", toBase: 1 },
  ms: { dimension: "time", toBase: 1e-3 },
  us: { dimension: "time", toBase: 1e-6 },
  Hz: { dimension: "frequency", toBase: 1 },
  kHz: { dimension: "frequency", toBase: 1e3 },
};

/** A number in base units and what it measures. */
export interface Quantity {
  readonly value: number;
  readonly dimension: Dimension;
}

export function dimensionWord(d: Dimension): string {
  return d === "time" ? "a time" : d === "frequency" ? "a frequency" : "a plain number";
}

function trim(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? "inf" : v < 0 ? "-inf" : "nan";
  return String(Number(v.toPrecision(6)));
}

/** A quantity as a person writes it: 0.001 s → "1 ms", 1000 Hz → "1 kHz". */
export function formatQuantity(q: Quantity): string {
  const a = Math.abs(q.value);
  if (q.dimension === "time") {
    if (a === 0 || a >= 1 || !Number.isFinite(a)) return `${trim(q.value)} s`;
    if (a >= 1e-3) return `${trim(q.value * 1e3)} ms`;
    return `${trim(q.value * 1e6)} us`;
  }
  if (q.dimension === "frequency") return a >= 1e3 && Number.isFinite(a) ? `${trim(q.value / 1e3)} kHz` : `${trim(q.value)} Hz`;
  return trim(q.value);
}

/** `value unit` → base units. */
export function quantity(value: Quantity, unitName: string): Quantity {
  const u = UNIT_TABLE[unitName];
  if (u === undefined) throw new SpikelabError("unit", `unknown unit '${unitName}'`, { hint: `units are ${Object.keys(UNIT_TABLE).join(", ")}` });
  if (value.dimension !== "none") {
    throw new SpikelabError("unit", `${formatQuantity(value)} already has a unit; cannot add '${unitName}'`);
  }
  return { value: value.value * u.toBase, dimension: u.dimension };
}

// Quantities are kept in base units, so arithmetic on them is plain arithmetic on the values
// plus exponent arithmetic on the one base dimension (time: s^1, frequency: s^-1). That is
// exactly what a unit library would compute, without building unit objects per operation.
const EXPONENT: Readonly<Record<Dimension, number>> = { time: 1, frequency: -1, none: 0 };

function fromExponent(k: number, what: () => string): Dimension {
  if (k === 0) return "none";
  if (k === 1) return "time";
  if (k === -1) return "frequency";
  throw new SpikelabError("unit", `${what()} has unit s^${Number(k.toPrecision(6))}, which is neither a time nor a frequency`, { hint: "only times (s, ms, us) and frequencies (Hz, kHz) are supported" });
}

const OP_WORD: Record<string, string> = { "+": "add", "-": "subtract", "*": "multiply", "/": "divide", "^": "raise" };

/** The dimension of `a op b`, or a unit error (time + frequency, s^2, a unit in an exponent). */
export function arithDimension(op: "+" | "-" | "*" | "/" | "^", a: Dimension, b: Dimension, exponent?: number, what: () => string = () => "the result"): Dimension {
  switch (op) {
    case "+":
    case "-":
      if (a !== b) {
        throw new SpikelabError("unit", `cannot ${OP_WORD[op]} ${what()}: ${dimensionWord(a)} and ${dimensionWord(b)}`, { hint: a === "none" || b === "none" ? "give both sides a unit" : undefined });
      }
      return a;
    case "*":
      return fromExponent(EXPONENT[a] + EXPONENT[b], what);
    case "/":
      return fromExponent(EXPONENT[a] - EXPONENT[b], what);
    case "^":
      if (b !== "none") throw new SpikelabError("unit", `an exponent must be a plain number, got ${dimensionWord(b)}`);
      return a === "none" ? "none" : fromExponent(EXPONENT[a] * (exponent ?? NaN), what);
  }
}

/** a op b on quantities in base units, with their dimensions checked. */
export function arith(op: "+" | "-" | "*" | "/" | "^", a: Quantity, b: Quantity): Quantity {
  const what = (): string => `${formatQuantity(a)} ${op === "^" ? "^" : OP_WORD[op] === "add" ? "and" : op} ${formatQuantity(b)}`;
  const dimension = arithDimension(op, a.dimension, b.dimension, b.value, op === "+" || op === "-" ? () => `${formatQuantity(a)} and ${formatQuantity(b)}` : what);
  const x = a.value, y = b.value;
  const value = op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : op === "/" ? x / y : x ** y;
  return { value, dimension };
}

export function negate(a: Quantity): Quantity {
  return { value: -a.value, dimension: a.dimension };
}

const M = restrictedMath;

interface MathFunction {
  readonly arity: readonly [number, number];
  readonly doc: string;
  /** Whether arguments may carry units (then all must share one dimension). */
  readonly units: boolean;
  readonly fn: (...args: number[]) => number;
}

/** The math functions a program may call; a name not here is unknown, whatever mathjs has. */
export const MATH_FUNCTIONS: Readonly<Record<string, MathFunction>> = {
  sqrt: { arity: [1, 1], units: false, doc: "Square root.", fn: (x) => M().sqrt(x) as number },
  exp: { arity: [1, 1], units: false, doc: "e to the power x.", fn: (x) => M().exp(x) },
  log: { arity: [1, 2], units: false, doc: "Natural logarithm; log(x, base) for another base.", fn: (x, b) => (b === undefined ? (M().log(x) as number) : (M().log(x, b) as number)) },
  log10: { arity: [1, 1], units: false, doc: "Base-10 logarithm.", fn: (x) => M().log10(x) as number },
  log2: { arity: [1, 1], units: false, doc: "Base-2 logarithm.", fn: (x) => M().log2(x) as number },
  abs: { arity: [1, 1], units: true, doc: "Absolute value.", fn: (x) => M().abs(x) },
  sign: { arity: [1, 1], units: true, doc: "Sign: -1, 0 or 1.", fn: (x) => M().sign(x) },
  floor: { arity: [1, 1], units: false, doc: "Round down.", fn: (x) => M().floor(x) },
  ceil: { arity: [1, 1], units: false, doc: "Round up.", fn: (x) => M().ceil(x) },
  round: { arity: [1, 2], units: false, doc: "Round to the nearest integer, or to n decimals: round(x, n).", fn: (x, n) => (n === undefined ? M().round(x) : M().round(x, n)) },
  min: { arity: [1, 64], units: true, doc: "Smallest argument.", fn: (...xs) => M().min(...xs) },
  max: { arity: [1, 64], units: true, doc: "Largest argument.", fn: (...xs) => M().max(...xs) },
  pow: { arity: [2, 2], units: false, doc: "pow(x, y) = x ^ y.", fn: (x, y) => M().pow(x, y) as number },
  sin: { arity: [1, 1], units: false, doc: "Sine (radians).", fn: (x) => M().sin(x) },
  cos: { arity: [1, 1], units: false, doc: "Cosine (radians).", fn: (x) => M().cos(x) },
  tanh: { arity: [1, 1], units: false, doc: "Hyperbolic tangent.", fn: (x) => M().tanh(x) },
  tan: { arity: [1, 1], units: false, doc: "Tangent (radians).", fn: (x) => M().tan(x) },
  sinh: { arity: [1, 1], units: false, doc: "Hyperbolic sine.", fn: (x) => M().sinh(x) },
  cosh: { arity: [1, 1], units: false, doc: "Hyperbolic cosine.", fn: (x) => M().cosh(x) },
  asin: { arity: [1, 1], units: false, doc: "Arc sine.", fn: (x) => Math.asin(x) },
  acos: { arity: [1, 1], units: false, doc: "Arc cosine.", fn: (x) => Math.acos(x) },
  atan: { arity: [1, 1], units: false, doc: "Arc tangent.", fn: (x) => M().atan(x) },
  atan2: { arity: [2, 2], units: false, doc: "atan2(y, x): the angle of the point (x, y).", fn: (y, x) => M().atan2(y, x) },
  asinh: { arity: [1, 1], units: false, doc: "Inverse hyperbolic sine.", fn: (x) => M().asinh(x) },
  atanh: { arity: [1, 1], units: false, doc: "Inverse hyperbolic tangent.", fn: (x) => Math.atanh(x) },
  cbrt: { arity: [1, 1], units: false, doc: "Cube root.", fn: (x) => M().cbrt(x) as number },
  log1p: { arity: [1, 1], units: false, doc: "log(1 + x), accurate for small x.", fn: (x) => M().log1p(x) as number },
  expm1: { arity: [1, 1], units: false, doc: "exp(x) − 1, accurate for small x.", fn: (x) => M().expm1(x) },
  mod: { arity: [2, 2], units: false, doc: "mod(x, y): the remainder of x / y.", fn: (x, y) => M().mod(x, y) },
  erf: { arity: [1, 1], units: false, doc: "The error function.", fn: (x) => M().erf(x) },
  sigmoid: { arity: [1, 1], units: false, doc: "Logistic sigmoid 1 / (1 + exp(-x)).", fn: (x) => 1 / (1 + M().exp(-x)) },
  relu: { arity: [1, 1], units: false, doc: "max(0, x).", fn: (x) => (x > 0 ? x : 0) },
  silu: { arity: [1, 1], units: false, doc: "SiLU / swish: x · sigmoid(x).", fn: (x) => x / (1 + M().exp(-x)) },
  softplus: { arity: [1, 1], units: false, doc: "log(1 + exp(x)).", fn: (x) => (x > 30 ? x : Math.log1p(Math.exp(x))) },
};

/** Calls a whitelisted math function on quantities. */
export function callMath(name: string, args: readonly Quantity[]): Quantity {
  const f = MATH_FUNCTIONS[name];
  if (f === undefined) throw new SpikelabError("name", `unknown function '${name}'`);
  const [lo, hi] = f.arity;
  if (args.length < lo || args.length > hi) {
    throw new SpikelabError("type", `${name} takes ${lo === hi ? lo : `${lo} to ${hi}`} argument${hi === 1 ? "" : "s"}, got ${args.length}`);
  }
  const dim = args[0]!.dimension;
  if (!f.units && args.some((a) => a.dimension !== "none")) {
    throw new SpikelabError("unit", `${name} takes plain numbers, got ${formatQuantity(args.find((a) => a.dimension !== "none")!)}`);
  }
  if (args.some((a) => a.dimension !== dim)) throw new SpikelabError("unit", `${name} needs arguments of one kind, got ${args.map(formatQuantity).join(", ")}`);
  const v = f.fn(...args.map((a) => a.value));
  return { value: typeof v === "number" ? v : NaN, dimension: name === "sign" ? "none" : dim };
}

/** Quantity → mathjs-free number in the base unit expected by a parameter, or a unit error. */
export function expectDimension(q: Quantity, want: Dimension, what: string): number {
  if (q.dimension === want) return q.value;
  if (want === "none") throw new SpikelabError("unit", `${what}: expected a plain number, got ${formatQuantity(q)}`, { hint: "remove the unit" });
  const example = want === "time" ? "1 ms, 20 ms or 0.5 s" : "1000 Hz or 1 kHz";
  throw new SpikelabError("unit", `${what}: expected ${dimensionWord(want)}, got ${formatQuantity(q)}`, {
    hint: q.dimension === "none" ? `write it with its unit, e.g. ${example}` : `write ${dimensionWord(want)}, e.g. ${example}`,
  });
}

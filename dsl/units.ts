// Numbers with units, computed by a restricted mathjs instance: `1 ms`, `2 * 500 Hz`,
// `1 / (1 ms)` → 1000 Hz. Values leave here in base units (seconds, hertz) with their dimension.
// A program reaches mathjs only through `arith`, `callMath` and `quantity` below — never its
// parser, `import`, `createUnit`, `evaluate` or any other escape (those are disabled anyway).

import { all, create, type MathJsInstance, type Unit } from "mathjs";
import { SpikelabError } from "../stdlib/errors.ts";
import type { Dimension } from "../stdlib/ir/rules.ts";

const math: MathJsInstance = create(all, { number: "number", precision: 14 });

// Keep what we use before disabling the rest: a program gets these, and nothing else.
const { unit: mUnit, add, subtract, multiply, divide, pow, unaryMinus, isUnit } = math;

const DISABLED = [
  "import", "createUnit", "evaluate", "parse", "compile", "simplify", "simplifyConstant", "simplifyCore", "derivative",
  "rationalize", "resolve", "reviver", "replacer", "chain", "parser", "Parser", "help", "leafCount", "symbolicEqual",
] as const;

function disabled(name: string): () => never {
  return () => {
    throw new SpikelabError("unsupported", `'${name}' is not available in spikelab programs`);
  };
}
math.import(Object.fromEntries(DISABLED.map((n) => [n, disabled(n)])), { override: true });

/** The restricted instance itself, for tests that prove the escapes are closed. */
export const restrictedMath: MathJsInstance = math;

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

const BASE: Record<Exclude<Dimension, "none">, string> = { time: "s", frequency: "Hz" };

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

type MathValue = number | Unit;

function toMath(q: Quantity): MathValue {
  return q.dimension === "none" ? q.value : mUnit(q.value, BASE[q.dimension]);
}

function fromMath(v: unknown, what: string): Quantity {
  if (typeof v === "number") return { value: v, dimension: "none" };
  if (isUnit(v)) {
    const u = v as Unit;
    for (const d of ["time", "frequency"] as const) {
      if (u.equalBase(mUnit(1, BASE[d]))) return { value: u.toNumber(BASE[d]), dimension: d };
    }
    // Only s and Hz enter, so the time exponent (mathjs base dimension 2) says what came out.
    const k = (u as unknown as { dimensions: number[] }).dimensions[2] ?? 0;
    throw new SpikelabError("unit", `${what} has unit s^${k}, which is neither a time nor a frequency`, { hint: "only times (s, ms, us) and frequencies (Hz, kHz) are supported" });
  }
  throw new SpikelabError("type", `${what} is not a number`);
}

const OP_WORD: Record<string, string> = { "+": "add", "-": "subtract", "*": "multiply", "/": "divide", "^": "raise" };

/** a op b on quantities, with units checked by mathjs. */
export function arith(op: "+" | "-" | "*" | "/" | "^", a: Quantity, b: Quantity): Quantity {
  if ((op === "+" || op === "-") && a.dimension !== b.dimension) {
    throw new SpikelabError("unit", `cannot ${OP_WORD[op]} ${formatQuantity(a)} and ${formatQuantity(b)}: ${dimensionWord(a.dimension)} and ${dimensionWord(b.dimension)}`, {
      hint: a.dimension === "none" || b.dimension === "none" ? "give both sides a unit" : undefined,
    });
  }
  if (op === "^" && b.dimension !== "none") throw new SpikelabError("unit", `an exponent must be a plain number, got ${formatQuantity(b)}`);
  const x = toMath(a);
  const y = toMath(b);
  let r: unknown;
  try {
    switch (op) {
      case "+": r = add(x, y); break;
      case "-": r = subtract(x, y); break;
      case "*": r = multiply(x, y); break;
      case "/": r = divide(x, y); break;
      case "^": r = pow(x as number, y as number); break; // an exponent is a plain number (checked above)
    }
  } catch (e) {
    if (e instanceof SpikelabError) throw e;
    throw new SpikelabError("unit", `cannot ${OP_WORD[op]} ${formatQuantity(a)} and ${formatQuantity(b)}`);
  }
  // mathjs gives complex numbers for e.g. (-8)^(1/3); the language has none.
  if (typeof r === "object" && r !== null && !isUnit(r)) return { value: NaN, dimension: "none" };
  return fromMath(r, `${formatQuantity(a)} ${op} ${formatQuantity(b)}`);
}

export function negate(a: Quantity): Quantity {
  return fromMath(unaryMinus(toMath(a)), "the negation");
}

interface MathFunction {
  readonly arity: readonly [number, number];
  readonly doc: string;
  /** Whether arguments may carry units (then all must share one dimension). */
  readonly units: boolean;
  readonly fn: (...args: number[]) => number;
}

/** The math functions a program may call; a name not here is unknown, whatever mathjs has. */
export const MATH_FUNCTIONS: Readonly<Record<string, MathFunction>> = {
  sqrt: { arity: [1, 1], units: false, doc: "Square root.", fn: (x) => math.sqrt(x) as number },
  exp: { arity: [1, 1], units: false, doc: "e to the power x.", fn: (x) => math.exp(x) },
  log: { arity: [1, 2], units: false, doc: "Natural logarithm; log(x, base) for another base.", fn: (x, b) => (b === undefined ? (math.log(x) as number) : (math.log(x, b) as number)) },
  log10: { arity: [1, 1], units: false, doc: "Base-10 logarithm.", fn: (x) => math.log10(x) as number },
  log2: { arity: [1, 1], units: false, doc: "Base-2 logarithm.", fn: (x) => math.log2(x) as number },
  abs: { arity: [1, 1], units: true, doc: "Absolute value.", fn: (x) => math.abs(x) },
  sign: { arity: [1, 1], units: true, doc: "Sign: -1, 0 or 1.", fn: (x) => math.sign(x) },
  floor: { arity: [1, 1], units: false, doc: "Round down.", fn: (x) => math.floor(x) },
  ceil: { arity: [1, 1], units: false, doc: "Round up.", fn: (x) => math.ceil(x) },
  round: { arity: [1, 2], units: false, doc: "Round to the nearest integer, or to n decimals: round(x, n).", fn: (x, n) => (n === undefined ? math.round(x) : math.round(x, n)) },
  min: { arity: [1, 64], units: true, doc: "Smallest argument.", fn: (...xs) => math.min(...xs) },
  max: { arity: [1, 64], units: true, doc: "Largest argument.", fn: (...xs) => math.max(...xs) },
  pow: { arity: [2, 2], units: false, doc: "pow(x, y) = x ^ y.", fn: (x, y) => math.pow(x, y) as number },
  sin: { arity: [1, 1], units: false, doc: "Sine (radians).", fn: (x) => math.sin(x) },
  cos: { arity: [1, 1], units: false, doc: "Cosine (radians).", fn: (x) => math.cos(x) },
  tanh: { arity: [1, 1], units: false, doc: "Hyperbolic tangent.", fn: (x) => math.tanh(x) },
  sigmoid: { arity: [1, 1], units: false, doc: "Logistic sigmoid 1 / (1 + exp(-x)).", fn: (x) => 1 / (1 + math.exp(-x)) },
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
  throw new SpikelabError("unit", `${what}: expected ${dimensionWord(want)}, got ${formatQuantity(q)}`, {
    hint: want === "time" ? `write a time, e.g. ${q.dimension === "none" ? trim(q.value) : "1"} ms` : `write a frequency, e.g. ${q.dimension === "none" ? trim(q.value) : "1000"} Hz`,
  });
}

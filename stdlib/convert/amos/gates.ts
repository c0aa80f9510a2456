// The gates a circuit can stand for: the network's own activations (ReLU, sigmoid, SiLU) and a
// user's expression in x, compiled by a restricted mathjs (only arithmetic, comparisons and an
// allow-list of real functions; no assignment, no imports, no units). Numerics only; no fitting.

import { createRequire } from "node:module";
import type { all, create, MathNode } from "mathjs";
import { SpikelabError } from "../../errors.ts";

export type GateSpec =
  | { readonly kind: "relu" }
  | { readonly kind: "sigmoid" }
  | { readonly kind: "silu" }
  /** A mathjs expression in x, e.g. `x * tanh(x)`. */
  | { readonly kind: "expr"; readonly source: string };

export interface Gate {
  readonly spec: GateSpec;
  /** Display name: `relu`, `sigmoid`, `silu`, or the expression's text. */
  readonly name: string;
  readonly f: (x: number) => number;
}

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

export function gate(spec: GateSpec): Gate {
  switch (spec.kind) {
    case "relu":
      return { spec, name: "relu", f: (x) => (x > 0 ? x : 0) };
    case "sigmoid":
      return { spec, name: "sigmoid", f: sigmoid };
    case "silu":
      return { spec, name: "silu", f: (x) => x * sigmoid(x) };
    case "expr":
      return { spec, name: spec.source.trim(), f: compileGateExpression(spec.source) };
  }
}

/** The gate for an op kind of the network IR, or undefined for ops that are not gates. */
export function gateOfOp(kind: string): GateSpec | undefined {
  return kind === "relu" || kind === "sigmoid" || kind === "silu" ? { kind } : undefined;
}

const FUNCTIONS = new Set([
  "exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "cbrt", "abs", "sign", "floor", "ceil", "round",
  "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan", "atan2", "asinh", "atanh",
  "max", "min", "pow", "mod", "erf", "sigmoid", "relu", "silu", "swish", "softplus",
]);
const CONSTANTS = new Set(["pi", "e", "true", "false"]);
const NODE_TYPES = new Set(["ConstantNode", "SymbolNode", "OperatorNode", "ParenthesisNode", "FunctionNode", "ConditionalNode"]);

type MathInstance = ReturnType<typeof create>;
let sandbox: MathInstance | undefined;

/**
 * Made on first use from mathjs's single-file build: importing mathjs's many-module entry at load
 * time cost every `spikelab check` most of a second of CPU (dsl/units.ts does the same).
 */
function math(): MathInstance {
  if (sandbox !== undefined) return sandbox;
  const mathjs = createRequire(import.meta.url)("mathjs/lib/browser/math.js") as { create: typeof create; all: typeof all };
  const m = mathjs.create(mathjs.all, { number: "number" });
  m.import(
    {
      sigmoid,
      relu: (x: number) => (x > 0 ? x : 0),
      silu: (x: number) => x * sigmoid(x),
      swish: (x: number) => x * sigmoid(x),
      softplus: (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x))),
    },
    { override: true },
  );
  sandbox = m;
  return m;
}

function refuse(source: string, what: string, hint: string): never {
  throw new SpikelabError("param", `gate expression '${source}': ${what}`, { hint });
}

/**
 * Compiles `source` into f(x). Refuses anything but arithmetic on x, constants and the allowed
 * functions, so a rule set cannot run arbitrary code or define things. Evaluation errors
 * (a complex or infinite value) name the x where they happen.
 */
export function compileGateExpression(source: string): (x: number) => number {
  const m = math();
  let tree: MathNode;
  try {
    tree = m.parse(source);
  } catch (e) {
    const at = (e as { char?: number }).char;
    refuse(source, `${(e as Error).message}`, at === undefined ? "write an expression in x, e.g. `x * tanh(x)`" : `check the expression near character ${at}`);
  }
  tree.traverse((node, _path, parent) => {
    if (!NODE_TYPES.has(node.type)) refuse(source, `${node.type.replace(/Node$/, "").toLowerCase()} is not allowed in a gate`, "a gate is one expression in x: arithmetic, comparisons, `?:` and functions such as exp, tanh, sigmoid");
    if (node.type === "SymbolNode") {
      const name = (node as unknown as { name: string }).name;
      const isFn = parent?.type === "FunctionNode" && (parent as unknown as { fn: MathNode }).fn === node;
      if (isFn && !FUNCTIONS.has(name)) refuse(source, `unknown function '${name}'`, `use one of: ${[...FUNCTIONS].join(", ")}`);
      if (!isFn && name !== "x" && !CONSTANTS.has(name)) refuse(source, `unknown name '${name}'`, "the gate's input is `x`; constants pi and e are known");
    }
  });
  const code = tree.compile();
  return (x: number): number => {
    const v: unknown = code.evaluate({ x });
    const n = typeof v === "boolean" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isFinite(n)) {
      refuse(source, `has no finite real value at x = ${x} (got ${typeof n === "number" ? n : String(v)})`, "restrict the fit range to where the gate is defined, or change the expression");
    }
    return n;
  };
}

// The layer kinds a network declaration may use (their arguments, defaults and docs) and the
// translation of a `network … { … }` block into IR node specs: wiring of chains, `from`
// branches and concat/add joins. Shapes are left to stdlib/ir/shapes.ts (buildNetwork).
// It must not evaluate expressions itself (it is given an evaluator) nor know about training.

import { SpikelabError, type SourceLocation } from "../stdlib/errors.ts";
import type { Op, Pair } from "../stdlib/ir/network.ts";
import type { NodeSpec } from "../stdlib/ir/shapes.ts";
import type { Expr, Layer, Stmt } from "./ast.ts";
import { closest, describe, didYouMean, formatNum, isUnknown, type V } from "./values.ts";

type ArgType = "count" | "pair" | "number" | "bool";
type ArgValue = number | Pair | boolean;

export interface LayerOption {
  readonly name: string;
  readonly type: ArgType;
  readonly doc: string;
  /** Absent = required. */
  readonly default?: ArgValue;
}

export interface LayerKind {
  readonly name: string;
  readonly doc: string;
  /** The argument written without a name (`conv 6`, `dense 10`, `avgpool 2`), if any. */
  readonly positional?: LayerOption;
  readonly options: readonly LayerOption[];
  /** Joins read the layers they name (and the layer before them). */
  readonly join?: boolean;
  readonly build: (a: Readonly<Record<string, ArgValue>>) => Op;
}

const pair = (v: ArgValue): Pair => (Array.isArray(v) ? (v as Pair) : [v as number, v as number]);
const window = (name: string, doc: string, kind: "avgpool" | "maxpool"): LayerKind => ({
  name,
  doc,
  positional: { name: "kernel", type: "pair", doc: "Window size (k or kHxkW).", default: 2 },
  options: [
    { name: "stride", type: "pair", doc: "Step between windows; default: the window size." },
    { name: "pad", type: "pair", doc: "Zero padding on each side.", default: 0 },
  ],
  build: (a) => ({ kind, kernel: pair(a.kernel!), stride: pair(a.stride ?? a.kernel!), padding: pair(a.pad!) }),
});
const plain = (kind: "relu" | "sigmoid" | "silu" | "softmax" | "flatten" | "globalavgpool", doc: string): LayerKind => ({ name: kind, doc, options: [], build: () => ({ kind }) as Op });

/** Every layer kind, by the name written in a program. */
export const LAYER_KINDS: ReadonlyMap<string, LayerKind> = new Map(
  ([
    {
      name: "conv",
      doc: "2-D convolution: `conv FILTERS kernel K [stride S] [pad P] [groups G] [bias false]`.",
      positional: { name: "filters", type: "count", doc: "Number of output channels." },
      options: [
        { name: "kernel", type: "pair", doc: "Kernel size (k or kHxkW).", default: 3 },
        { name: "stride", type: "pair", doc: "Stride.", default: 1 },
        { name: "pad", type: "pair", doc: "Zero padding on each side.", default: 0 },
        { name: "groups", type: "count", doc: "Channel groups (groups = channels: depthwise).", default: 1 },
        { name: "bias", type: "bool", doc: "Whether the layer has a bias.", default: true },
      ],
      build: (a) => ({ kind: "conv", filters: a.filters as number, kernel: pair(a.kernel!), stride: pair(a.stride!), padding: pair(a.pad!), groups: a.groups as number, bias: a.bias as boolean }),
    },
    {
      name: "dense",
      doc: "Fully connected layer: `dense UNITS [bias false]`; needs a vector input (flatten first).",
      positional: { name: "units", type: "count", doc: "Number of output units." },
      options: [{ name: "bias", type: "bool", doc: "Whether the layer has a bias.", default: true }],
      build: (a) => ({ kind: "dense", units: a.units as number, bias: a.bias as boolean }),
    },
    window("avgpool", "Average pooling: `avgpool K [stride S] [pad P]` (padding counts as zeros).", "avgpool"),
    window("maxpool", "Max pooling: `maxpool K [stride S] [pad P]`.", "maxpool"),
    plain("globalavgpool", "Global average pooling: one value per channel."),
    {
      name: "batchnorm",
      doc: "Batch normalisation over channels: `batchnorm [eps E] [momentum M]`.",
      options: [
        { name: "eps", type: "number", doc: "Added to the variance.", default: 1e-5 },
        { name: "momentum", type: "number", doc: "Running-statistics momentum in training.", default: 0.1 },
      ],
      build: (a) => ({ kind: "batchnorm", eps: a.eps as number, momentum: a.momentum as number }),
    },
    plain("relu", "Rectified linear unit max(0, x)."),
    plain("sigmoid", "Logistic sigmoid 1 / (1 + exp(-x))."),
    plain("silu", "SiLU / swish x · sigmoid(x)."),
    plain("softmax", "Softmax over the output vector."),
    plain("flatten", "Flattens an image into a vector."),
    {
      name: "dropout",
      doc: "Dropout in training (removed at conversion): `dropout RATE`.",
      positional: { name: "rate", type: "number", doc: "Fraction of units dropped, in [0, 1).", default: 0.5 },
      options: [],
      build: (a) => ({ kind: "dropout", rate: a.rate as number }),
    },
    { name: "concat", doc: "Joins branches along the channel axis: `concat a b c` (names of earlier layers).", options: [], join: true, build: () => ({ kind: "concat" }) },
    { name: "add", doc: "Sums branches of one shape: `add x` adds layer x to the layer before (a residual block).", options: [], join: true, build: () => ({ kind: "add" }) },
  ] satisfies LayerKind[]).map((k) => [k.name, k as LayerKind]),
);

export type Locate = (e: { span: { line: number; column: number; offset: number; length: number } }) => SourceLocation;

function describeArg(e: Expr): string {
  return e.kind === "name" ? `'${e.name}'` : e.kind === "number" ? formatNum(e.value) : e.kind === "shape" ? e.dims.join("x") : "the value";
}

function plainNumber(x: V, what: string): number {
  if (x.kind !== "number" || x.unit !== undefined) throw new SpikelabError("type", `${what} must be a plain number, got ${describe(x)}`);
  return x.value;
}

function convertArg(opt: LayerOption, v: V, kind: string): ArgValue | undefined {
  if (isUnknown(v)) return undefined;
  const what = `${kind} ${opt.name}`;
  if (opt.type === "bool") {
    if (v.kind !== "bool") throw new SpikelabError("type", `${what} must be true or false, got ${describe(v)}`);
    return v.value;
  }
  if (opt.type === "pair") {
    if (v.kind === "list") {
      if (v.items.length !== 2) throw new SpikelabError("type", `${what} must be one number or two (like 3x5), got ${v.items.length}`);
      const p = [plainNumber(v.items[0]!, what), plainNumber(v.items[1]!, what)] as const;
      for (const x of p) if (!Number.isInteger(x) || x < 0) throw new SpikelabError("shape", `${what} must be whole numbers, got ${p.join("x")}`);
      return p;
    }
    const x = plainNumber(v, what);
    if (!Number.isInteger(x) || x < 0) throw new SpikelabError("shape", `${what} must be a whole number, got ${formatNum(x)}`);
    return x;
  }
  const x = plainNumber(v, what);
  if (opt.type === "count" && (!Number.isInteger(x) || x < 1)) {
    throw new SpikelabError("shape", `${what} must be a positive whole number, got ${formatNum(x)}`, { hint: x > 0 && x < 1 ? undefined : "e.g. `dense 10`" });
  }
  if (kind === "dropout" && (x < 0 || x >= 1)) throw new SpikelabError("param", `dropout rate must be in [0, 1), got ${formatNum(x)}`);
  return x;
}

export interface NetworkPlan {
  readonly specs: NodeSpec[];
  /** False when some argument is not known until the program runs (checking inside a sweep). */
  readonly complete: boolean;
}

/**
 * Turns a network declaration into node specs. Every problem goes to `report` (which may
 * throw, when running); the plan is returned even with errors, marked incomplete.
 */
export async function planNetwork(
  decl: Extract<Stmt, { kind: "network" }>,
  evalArg: (e: Expr) => Promise<V>,
  report: (e: SpikelabError) => void,
  loc: Locate,
): Promise<NetworkPlan> {
  let complete = true;
  const fail = (e: SpikelabError, at: { span: Expr["span"] }): void => {
    complete = false;
    report(e.at(loc(at)));
  };
  const inputV = await evalArg(decl.input);
  let inputShape: number[] | undefined;
  if (isUnknown(inputV)) complete = false;
  else if (inputV.kind === "number" && inputV.unit === undefined) inputShape = [inputV.value];
  else if (inputV.kind === "list" && inputV.items.every((i) => i.kind === "number")) inputShape = inputV.items.map((i) => (i as { value: number }).value);
  else fail(new SpikelabError("type", `the input shape must be sizes like 1x28x28 or 784, got ${describe(inputV)}`), decl.input);
  const specs: NodeSpec[] = [{ id: "input", op: { kind: "input", shape: inputShape ?? [1] }, inputs: [], loc: loc(decl.input) }];

  // Names the program gives, so generated ids (conv1, relu2, …) never collide with them.
  const given = new Set<string>(decl.lines.flatMap((l) => (l.name ? [l.name.name] : [])));
  const counters = new Map<string, number>();
  const fresh = (kind: string): string => {
    let n = counters.get(kind) ?? 0;
    let id: string;
    do id = `${kind}${++n}`;
    while (given.has(id));
    counters.set(kind, n);
    return id;
  };
  const defined = new Set<string>(["input"]);
  const used = new Set<string>();
  let previous = "input";

  for (const line of decl.lines) {
    if (line.from !== undefined) {
      if (!defined.has(line.from.name)) {
        fail(new SpikelabError("name", `no layer named '${line.from.name}' before this line${didYouMean(line.from.name, defined)}`, { hint: "`from NAME` continues from a layer named earlier with `NAME: …`" }), line.from);
      } else previous = line.from.name;
    }
    for (let i = 0; i < line.layers.length; i++) {
      const layer = line.layers[i]!;
      const last = i === line.layers.length - 1;
      const id = last && line.name !== undefined ? line.name.name : fresh(layer.kind.name);
      if (line.name !== undefined && last && defined.has(id)) {
        fail(new SpikelabError("name", `layer name '${id}' is used twice in network '${decl.name.name}'`, { hint: "give each named layer its own name" }), line.name);
      }
      const built = await planLayer(layer, evalArg, fail, defined, previous);
      if (built !== undefined) {
        for (const input of built.inputs) used.add(input);
        specs.push({ id, op: built.op, inputs: built.inputs, loc: loc(layer) });
      } else {
        complete = false;
      }
      defined.add(id);
      previous = id;
    }
  }
  // A branch computed but never joined is almost always a mistake (its work is wasted).
  const output = specs[specs.length - 1]?.id;
  for (const s of specs) {
    if (s.id !== output && !used.has(s.id) && complete) {
      report(new SpikelabError("shape", `layer '${s.id}' is computed but never used`, { loc: s.loc, hint: "join it into the network with concat or add, or remove it" }));
    }
  }
  return { specs, complete };
}

async function planLayer(
  layer: Layer,
  evalArg: (e: Expr) => Promise<V>,
  fail: (e: SpikelabError, at: { span: Expr["span"] }) => void,
  defined: ReadonlySet<string>,
  previous: string,
): Promise<{ op: Op; inputs: string[] } | undefined> {
  const kind = LAYER_KINDS.get(layer.kind.name);
  if (kind === undefined) {
    fail(new SpikelabError("name", `unknown layer '${layer.kind.name}'${didYouMean(layer.kind.name, LAYER_KINDS.keys())}`, { hint: `layers are ${[...LAYER_KINDS.keys()].join(", ")}` }), layer.kind);
    return undefined;
  }
  if (kind.join === true) {
    const names: string[] = [];
    let ok = true;
    for (const a of layer.args) {
      if (a.kind !== "name") {
        fail(new SpikelabError("type", `${kind.name} takes names of earlier layers, got ${describeArg(a)}`), a);
        ok = false;
      } else if (!defined.has(a.name)) {
        fail(new SpikelabError("name", `no layer named '${a.name}' before this line${didYouMean(a.name, defined)}`, { hint: "name a layer with `NAME: …` before joining it" }), a);
        ok = false;
      } else names.push(a.name);
    }
    if (!ok) return undefined;
    if (names.length === 0) {
      fail(new SpikelabError("shape", `${kind.name} needs the names of the layers it joins, e.g. \`${kind.name} a b\``), layer);
      return undefined;
    }
    const inputs = names.includes(previous) ? names : [previous, ...names];
    return { op: kind.build({}), inputs };
  }

  const values: Record<string, ArgValue> = {};
  let ok = true;
  const optionNames = kind.options.map((o) => o.name);
  let positionalDone = kind.positional === undefined;
  for (let i = 0; i < layer.args.length; i++) {
    const a = layer.args[i]!;
    const opt = a.kind === "name" ? kind.options.find((o) => o.name === a.name) : undefined;
    let target: LayerOption;
    let valueExpr: Expr;
    if (opt !== undefined) {
      const next = layer.args[i + 1];
      if (next === undefined || (next.kind === "name" && optionNames.includes(next.name))) {
        fail(new SpikelabError("syntax", `${kind.name} option '${opt.name}' needs a value`, { hint: `e.g. \`${opt.name} ${opt.type === "bool" ? "false" : "2"}\`` }), a);
        ok = false;
        continue;
      }
      if (opt.name in values) {
        fail(new SpikelabError("param", `${kind.name} option '${opt.name}' is given twice`), a);
        ok = false;
      }
      target = opt;
      valueExpr = next;
      i++;
    } else if (!positionalDone && kind.positional !== undefined && !(a.kind === "name" && closest(a.name, optionNames) !== undefined)) {
      // A name close to an option name is a typo of it, not a value (`conv kernal 5`).
      target = kind.positional;
      valueExpr = a;
      positionalDone = true;
    } else {
      const known = [...optionNames];
      const msg = a.kind === "name"
        ? `unknown ${kind.name} option '${a.name}'${didYouMean(a.name, known)}`
        : `unexpected ${describeArg(a)} after ${kind.name}${kind.positional ? ` (its ${kind.positional.name} is already given)` : ""}`;
      const hint = known.length > 0 ? `${kind.name} takes ${kind.positional ? `${kind.positional.name} first, then ` : ""}${known.join(", ")}` : `${kind.name} takes no arguments`;
      fail(new SpikelabError(a.kind === "name" ? "name" : "syntax", msg, { hint }), a);
      ok = false;
      // The unknown option's value is not another mistake.
      const next = layer.args[i + 1];
      if (a.kind === "name" && next !== undefined && !(next.kind === "name" && optionNames.includes(next.name))) i++;
      continue;
    }
    try {
      const v = convertArg(target, await evalArg(valueExpr), kind.name);
      if (v === undefined) ok = false;
      else values[target.name] = v;
    } catch (e) {
      if (!(e instanceof SpikelabError)) throw e;
      fail(e, valueExpr);
      ok = false;
    }
  }
  for (const o of [...(kind.positional ? [kind.positional] : []), ...kind.options]) {
    if (values[o.name] === undefined && o.default !== undefined) values[o.name] = o.default;
  }
  if (kind.positional !== undefined && values[kind.positional.name] === undefined && ok) {
    fail(new SpikelabError("syntax", `${kind.name} needs its ${kind.positional.name}, e.g. \`${kind.name} ${kind.name === "conv" ? "16 kernel 3" : "10"}\``), layer);
    return undefined;
  }
  if (!ok) return undefined;
  return { op: kind.build(values), inputs: [previous] };
}

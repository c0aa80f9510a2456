// What a program can name without defining it: functions (data sources, accuracy, range, len,
// math), constants, the three families as base rule sets, and the fields each kind of value
// has (`mnist.test`, `result.accuracy`). Docs here feed completion and inspect.
// It must not evaluate expressions (the evaluator passes values in) nor call the engine for
// anything but what a builtin itself means.

import { SpikelabError } from "../stdlib/errors.ts";
import { families } from "../stdlib/families.ts";
import { ruleSet, type Family, type ParamValue } from "../stdlib/ir/rules.ts";
import type { DataSource, Value } from "./api.ts";
import { RESULT_BUILTINS } from "./builtins-results.ts";
import { DATA_SOURCES, type OptionSpec } from "./engine.ts";
import { callMath, MATH_FUNCTIONS } from "./units.ts";
import { describe, dimensionOf, formatNum, isUnknown, numberValue, unknown, type V, type ValueKind } from "./values.ts";

export interface CallInfo {
  /** Whether values are only being checked (nothing is loaded or computed). */
  readonly checking: boolean;
  /** Named arguments, already checked against the builtin's `named` specs. */
  readonly named: Readonly<Record<string, ParamValue>>;
  /** Resolves a path written in the program (relative to the program's folder). */
  readonly path: (p: string) => string;
  /** Network accuracy on a dataset (the engine's), for accuracy(net, data). */
  readonly networkAccuracy: (net: Extract<Value, { kind: "network" }>, data: Extract<Value, { kind: "dataset" }>) => Promise<number>;
}

export interface Builtin {
  readonly name: string;
  readonly signature: string;
  readonly doc: string;
  /** Positional argument counts accepted. */
  readonly arity: readonly [number, number];
  /** Named arguments it accepts (checked like rule-set parameters). */
  readonly named?: readonly OptionSpec[];
  readonly call: (args: readonly V[], info: CallInfo) => Promise<V> | V;
}

function source(name: DataSource["name"], label: string, options: DataSource["options"] = {}, over: Partial<DataSource> = {}): Value {
  const d = DATA_SOURCES[name];
  const src: DataSource = { name, label, shape: d.shape, classes: d.classes, counts: d.counts, options, ...over };
  return { kind: "datasource", source: src, label };
}

const count = (doc: string, def: number, min = 1, max?: number): OptionSpec => ({ name: "", type: { kind: "number", dimension: "none", min, integer: true, ...(max === undefined ? {} : { max }) }, default: def, doc });

const SYNTHETIC_OPTIONS: readonly OptionSpec[] = [
  { ...count("Training samples.", 1000, 1, 1_000_000), name: "count" },
  { ...count("Test samples.", 200, 1, 1_000_000), name: "test_count" },
  { name: "shape", type: { kind: "numbers", integer: true, length: 3 }, default: [1, 8, 8], doc: "Per-sample channels x height x width, e.g. 1x8x8." },
  { ...count("Number of classes (bars: at most 4).", 4, 2, 256), name: "classes" },
  { name: "kind", type: { kind: "enum", values: ["blobs", "bars"] }, default: "blobs", doc: "`blobs`: a noisy prototype per class; `bars`: a line whose orientation is the class." },
  { name: "noise", type: { kind: "number", dimension: "none", min: 0 }, default: 0.1, doc: "Standard deviation of the pixel noise." },
  { ...count("Seed.", 0, 0), name: "seed" },
];

function num(v: V, what: string): number | undefined {
  if (isUnknown(v)) {
    if (v.of !== "number" && v.of !== "any") throw new SpikelabError("type", `${what} must be a number, got ${describe(v)}`);
    return undefined;
  }
  if (v.kind !== "number") throw new SpikelabError("type", `${what} must be a number, got ${describe(v)}`);
  return v.value;
}

/** Every builtin function, by name. */
export const BUILTINS: ReadonlyMap<string, Builtin> = new Map<string, Builtin>([
  ...(["mnist", "fashion_mnist"] as const).map((n): [string, Builtin] => [n, { name: n, signature: `${n}()`, doc: DATA_SOURCES[n].doc, arity: [0, 0], call: () => source(n, `${n}()`) }]),
  [
    "cifar10",
    {
      name: "cifar10",
      signature: 'cifar10("folder")',
      doc: DATA_SOURCES.cifar10.doc,
      arity: [1, 1],
      call: (args, info) => {
        const a = args[0]!;
        if (isUnknown(a)) return unknown("datasource");
        if (a.kind !== "string") throw new SpikelabError("type", `cifar10 needs the folder of your CIFAR-10 binary files as a string, got ${describe(a)}`, { hint: 'e.g. cifar10("~/data/cifar-10-batches-bin")' });
        const dir = info.path(a.value.replace(/^~(?=\/|$)/, process.env.HOME ?? "~"));
        return source("cifar10", `cifar10(${JSON.stringify(a.value)})`, { dir });
      },
    },
  ],
  [
    "synthetic",
    {
      name: "synthetic",
      signature: "synthetic(count: 1000, test_count: 200, shape: 1x8x8, classes: 4, kind: \"blobs\", noise: 0.1, seed: 0)",
      doc: DATA_SOURCES.synthetic.doc,
      arity: [0, 0],
      named: SYNTHETIC_OPTIONS,
      call: (_, info) => {
        const o = Object.fromEntries(SYNTHETIC_OPTIONS.map((s) => [s.name, info.named[s.name] ?? s.default]));
        const shape = o.shape as readonly number[];
        const classes = o.classes as number;
        if (o.kind === "bars" && classes > 4) throw new SpikelabError("param", `synthetic bars has at most 4 classes, got ${classes}`);
        return source("synthetic", "synthetic(…)", { kind: o.kind as string, noise: o.noise as number, seed: o.seed as number }, {
          shape: [shape[0]!, shape[1]!, shape[2]!],
          classes,
          counts: { train: o.count as number, test: o.test_count as number },
        });
      },
    },
  ],
  [
    "accuracy",
    {
      name: "accuracy",
      signature: "accuracy(result) | accuracy(network, dataset)",
      doc: "The fraction of samples classified correctly: of a simulation result, or of an ANN on a dataset.",
      arity: [1, 2],
      call: async (args, info) => {
        const [a, b] = args;
        if (b === undefined) {
          if (isUnknown(a!) && (a.of === "result" || a.of === "any")) return unknown("number", { dimension: "none" });
          if (a!.kind === "result") return numberValue(a.result.accuracy);
          throw new SpikelabError("type", `accuracy(x) needs a simulation result, got ${describe(a!)}`, { hint: "for an ANN write accuracy(network, dataset)" });
        }
        if (!((a!.kind === "network") || (isUnknown(a!) && (a.of === "network" || a.of === "any")))) throw new SpikelabError("type", `accuracy(network, dataset) needs a network first, got ${describe(a!)}`);
        if (!((b.kind === "dataset") || (isUnknown(b) && (b.of === "dataset" || b.of === "any")))) {
          throw new SpikelabError("type", `accuracy(network, dataset) needs a dataset second, got ${describe(b)}`, b.kind === "datasource" ? { hint: `write ${b.label}.test` } : {});
        }
        if (isUnknown(a!) || isUnknown(b) || info.checking) return unknown("number", { dimension: "none" });
        return numberValue(await info.networkAccuracy(a as Extract<Value, { kind: "network" }>, b as Extract<Value, { kind: "dataset" }>));
      },
    },
  ],
  [
    "range",
    {
      name: "range",
      signature: "range(stop) | range(start, stop) | range(start, stop, step)",
      doc: "The numbers start, start + step, … below stop (start 0 and step 1 by default), as a list.",
      arity: [1, 3],
      call: (args) => {
        const xs = args.map((a, i) => num(a, `range's argument ${i + 1}`));
        if (xs.some((x) => x === undefined)) return unknown("list");
        const [start, stop, step] = xs.length === 1 ? [0, xs[0]!, 1] : [xs[0]!, xs[1]!, xs[2] ?? 1];
        if (step === 0 || !Number.isFinite(start + stop + step)) throw new SpikelabError("param", `range needs finite numbers and a step other than 0`);
        const n = Math.max(0, Math.ceil((stop - start) / step));
        if (n > 1_000_000) throw new SpikelabError("resource", `range(${[start, stop, step].map(formatNum).join(", ")}) would have ${n} items; at most 1,000,000`);
        return { kind: "list", items: Array.from({ length: n }, (_, i) => numberValue(start + i * step)) };
      },
    },
  ],
  [
    "len",
    {
      name: "len",
      signature: "len(list | dataset)",
      doc: "The number of items of a list or samples of a dataset.",
      arity: [1, 1],
      call: (args) => {
        const a = args[0]!;
        if (isUnknown(a)) return unknown("number", { dimension: "none" });
        if (a.kind === "list") return numberValue(a.items.length);
        if (a.kind === "dataset") return numberValue(a.dataset.count);
        throw new SpikelabError("type", `len needs a list or a dataset, got ${describe(a)}`);
      },
    },
  ],
  ...RESULT_BUILTINS,
  ...Object.entries(MATH_FUNCTIONS).map(([name, f]): [string, Builtin] => [
    name,
    {
      name,
      signature: `${name}(${f.arity[0] === 1 && f.arity[1] === 1 ? "x" : f.arity[1] === 2 ? "x, y" : "x, …"})`,
      doc: f.doc,
      arity: f.arity,
      call: (args) => {
        const qs = [];
        for (const a of args) {
          if (isUnknown(a)) {
            if (a.of !== "number" && a.of !== "any") throw new SpikelabError("type", `${name} needs numbers, got ${describe(a)}`);
            return unknown("number", a.dimension !== undefined && f.units ? { dimension: a.dimension } : name === "sign" || !f.units ? { dimension: "none" } : {});
          }
          if (a.kind !== "number") throw new SpikelabError("type", `${name} needs numbers, got ${describe(a)}`);
          qs.push({ value: a.value, dimension: dimensionOf(a) });
        }
        const q = callMath(name, qs);
        return numberValue(q.value, q.dimension);
      },
    },
  ]),
]);

/** Constants, shadowed by any binding of the same name. */
export const CONSTANTS: ReadonlyMap<string, { readonly value: Value; readonly doc: string }> = new Map([
  ["pi", { value: numberValue(Math.PI), doc: "π = 3.14159…" }],
  ["e", { value: numberValue(Math.E), doc: "Euler's number e = 2.71828…" }],
  ["inf", { value: numberValue(Infinity), doc: "Infinity (e.g. `tau: inf s`: no leak)." }],
  ...families().map((f): [string, { value: Value; doc: string }] => [f.schema.family, { value: { kind: "rules", rules: ruleSet(f.schema, f.schema.family) }, doc: `The ${f.schema.family} family with its defaults. ${f.schema.doc}` }]),
]);

export const FAMILY_NAMES: readonly Family[] = families().map((f) => f.schema.family);

export interface Member {
  readonly name: string;
  readonly kind: ValueKind;
  readonly doc: string;
}

const m = (name: string, kind: ValueKind, doc: string): Member => ({ name, kind, doc });

/** The fields each kind of value has (`x.name`). Rule sets have their family's parameters besides. */
export const MEMBERS: Readonly<Partial<Record<ValueKind, readonly Member[]>>> = {
  datasource: [m("train", "dataset", "The training split."), m("test", "dataset", "The test split.")],
  dataset: [m("count", "number", "Number of samples."), m("classes", "number", "Number of classes.")],
  network: [m("parameters", "number", "Number of parameters (0 before training or loading)."), m("layers", "number", "Number of layers (the input not counted).")],
  snn: [m("neurons", "number", "Number of spiking neurons."), m("family", "string", "The conversion family.")],
  result: [
    m("accuracy", "number", "Fraction of samples classified correctly by the SNN."),
    m("annAccuracy", "number", "The source ANN's accuracy on the same samples."),
    m("agreement", "number", "Fraction of samples where SNN and ANN predict the same class."),
    m("samples", "number", "Samples simulated."),
    m("latency", "number", "Time to a decision: steps (rate), K·layers (AMOS), time units (TTFS)."),
    m("spikesPerNeuron", "number", "Mean spikes per neuron per sample."),
    m("synapticOpsTotal", "number", "Mean synaptic operations per sample."),
    m("annOps", "number", "The ANN's operations per sample (2 per MAC + 1 per biased neuron)."),
    m("partial", "bool", "Whether the run was interrupted (figures cover the samples done)."),
    m("network", "string", "The spiking network's name."),
    m("family", "string", "The conversion family."),
    m("data", "string", "What the run covered, e.g. mnist.test[0:1000]."),
  ],
  table: [m("rows", "number", "Number of rows.")],
};

// Values as the evaluator sees them: the contract's Value, or — while checking — an Unknown
// that knows only its kind (and what can be known statically: a dimension, a family, a shape).
// Also the words used to name kinds in errors and the "did you mean" suggestions.
// It must not evaluate anything.

import type { Family, Dimension } from "../stdlib/ir/rules.ts";
import type { Network } from "../stdlib/ir/network.ts";
import type { Value } from "./api.ts";
import { formatQuantity } from "./units.ts";

export type ValueKind = Value["kind"];

/** A value not known until the program runs (checking mode): its kind and what else is known. */
export interface Unknown {
  readonly kind: "unknown";
  readonly of: ValueKind | "any";
  readonly dimension?: Dimension;
  readonly family?: Family;
  /** Per-sample shape of a dataset; input shape is in `network`. */
  readonly shape?: readonly number[];
  readonly count?: number;
  readonly classes?: number;
  readonly network?: Network;
  readonly label?: string;
}

export type V = Value | Unknown;

export const unknown = (of: Unknown["of"], extra: Omit<Unknown, "kind" | "of"> = {}): Unknown => ({ kind: "unknown", of, ...extra });

export function isUnknown(v: V): v is Unknown {
  return v.kind === "unknown";
}

/** The kind a value has or will have. */
export function kindOf(v: V): ValueKind | "any" {
  return v.kind === "unknown" ? v.of : v.kind;
}

const WORDS: Readonly<Record<ValueKind | "any", string>> = {
  number: "a number",
  string: "a string",
  bool: "true or false",
  list: "a list",
  record: "a record",
  datasource: "a data source",
  dataset: "a dataset",
  network: "a network",
  rules: "a conversion rule set",
  snn: "a spiking network",
  result: "a simulation result",
  figure: "a figure",
  table: "a table",
  none: "nothing",
  any: "a value",
};

export function kindWord(k: ValueKind | "any"): string {
  return WORDS[k];
}

/** "a network", "a time", "the number 5" — for messages like "expected a dataset, got …". */
export function describe(v: V): string {
  if (v.kind === "number") return v.unit !== undefined || (v as { dimension?: Dimension }).dimension ? describeNumber(v) : `the number ${formatNum(v.value)}`;
  if (v.kind === "string") return `the string "${v.value.length > 30 ? v.value.slice(0, 27) + "..." : v.value}"`;
  if (v.kind === "bool") return String(v.value);
  if (v.kind === "unknown" && v.of === "number" && v.dimension !== undefined && v.dimension !== "none") return v.dimension === "time" ? "a time" : "a frequency";
  return kindWord(kindOf(v));
}

function describeNumber(v: Extract<Value, { kind: "number" }>): string {
  const dim = v.unit === "s" ? "time" : v.unit === "Hz" ? "frequency" : "none";
  return formatQuantity({ value: v.value, dimension: dim });
}

export function formatNum(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? "inf" : x < 0 ? "-inf" : "nan";
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  return String(Number(x.toPrecision(6)));
}

/** The dimension a number value carries, from its unit (base units only: s, Hz). */
export function dimensionOf(v: Extract<Value, { kind: "number" }>): Dimension {
  return v.unit === "s" ? "time" : v.unit === "Hz" ? "frequency" : "none";
}

export function numberValue(value: number, dimension: Dimension = "none"): Value {
  return dimension === "none" ? { kind: "number", value } : { kind: "number", value, unit: dimension === "time" ? "s" : "Hz" };
}

// --- suggestions -----------------------------------------------------------------------------

/** Optimal string alignment distance (Levenshtein with adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const m = a.length, n = b.length;
  if (Math.abs(m - n) > 3) return Math.abs(m - n);
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => [i, ...new Array<number>(n).fill(0)]);
  for (let j = 1; j <= n; j++) d[0]![j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[m]![n]!;
}

/** What users of PyTorch, Keras and ONNX write for spikelab's names (keys in the form of
 * `plainName`), so that `padding` suggests `pad` and `linear` suggests `dense`. */
const SYNONYMS: ReadonlyMap<string, readonly string[]> = new Map([
  ["linear", ["dense"]], ["fc", ["dense"]], ["gemm", ["dense"]], ["matmul", ["dense"]],
  ["conv2d", ["conv"]], ["convolution", ["conv"]], ["conv2dtranspose", ["conv"]],
  ["avgpool2d", ["avgpool"]], ["averagepool", ["avgpool"]], ["averagepooling2d", ["avgpool"]],
  ["maxpool2d", ["maxpool"]], ["maxpooling2d", ["maxpool"]],
  ["batchnorm2d", ["batchnorm"]], ["batchnorm1d", ["batchnorm"]], ["batchnormalization", ["batchnorm"]], ["bn", ["batchnorm"]],
  ["adaptiveavgpool2d", ["globalavgpool"]], ["globalaveragepool", ["globalavgpool"]], ["globalaveragepooling2d", ["globalavgpool"]], ["gap", ["globalavgpool"]],
  ["swish", ["silu"]], ["logistic", ["sigmoid"]], ["cat", ["concat"]], ["concatenate", ["concat"]], ["sum", ["add"]],
  ["reshape", ["flatten"]], ["dropout2d", ["dropout"]],
  ["padding", ["pad"]], ["pads", ["pad"]], ["kernelsize", ["kernel"]], ["kernelshape", ["kernel"]], ["strides", ["stride"]], ["usebias", ["bias"]],
  ["timesteps", ["steps"]], ["numsteps", ["steps"]], ["duration", ["steps"]], ["vth", ["threshold"]], ["vthreshold", ["threshold"]],
  ["readout", ["output"]], ["resetmode", ["reset"]], ["normalise", ["normalize"]], ["normalisation", ["normalize"]], ["normalization", ["normalize"]],
]);

/** A name without case or underscores: `Batch_Norm` and `batchnorm` are the same to a reader. */
const plainName = (s: string): string => s.toLowerCase().replaceAll("_", "");

/** The closest candidate to `word` if it is close enough to be a likely typo, or the name
 * spikelab uses for what another framework calls `word`. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  const plain = plainName(word);
  const synonym = SYNONYMS.get(plain)?.find((c) => list.includes(c) && c !== word);
  if (synonym !== undefined) return synonym;
  let best: string | undefined;
  let bestD = Infinity;
  // Short names are too easily "close" to anything: only near-identical ones are suggested.
  const limit = word.length <= 2 ? 0.5 : word.length <= 4 ? 1 : word.length <= 7 ? 2 : 3;
  for (const c of list) {
    if (c === word) continue;
    const d = plainName(c) === plain ? 0.5 : editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= limit ? best : undefined;
}

/** " — did you mean 'x'?" or "". */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? "" : ` — did you mean '${c}'?`;
}

// What `.name` and `[i]` / `[a:b]` mean for each kind of value: dataset splits and slices,
// result figures, rule-set parameters, list items. Checking gets Unknowns with what can be known
// (a slice's size, a split's shape); running loads a split the first time it is named.
// It must not evaluate expressions (the evaluator passes the values in).

import { slice as sliceData, type Dataset } from "../stdlib/data/dataset.ts";
import { SpikelabError } from "../stdlib/errors.ts";
import { family } from "../stdlib/families.ts";
import type { ParamValue } from "../stdlib/ir/rules.ts";
import { neuronCount } from "../stdlib/ir/spiking.ts";
import type { Cell, Table } from "../stdlib/plot/figure.ts";
import type { Value } from "./api.ts";
import { MEMBERS } from "./builtins.ts";
import * as engine from "./engine.ts";
import { formatValue } from "./format.ts";
import { describe, didYouMean, isUnknown, kindOf, numberValue, unknown, type V } from "./values.ts";

/** State that outlives one execution: loaded splits (for rule-set data slices) and training data per network. */
export interface SessionData {
  readonly loaded: Map<string, Dataset>;
  /** A network's training data (loaded when first asked for), by the name the network is bound to. */
  readonly trainedOn: Map<string, () => Dataset>;
}

export interface AccessContext {
  /** Checking: nothing is loaded; a split is an Unknown with its shape and size. */
  readonly checking: boolean;
  readonly session: SessionData;
}

/** `v.name`. */
export function member(v: V, name: string, ctx: AccessContext): V {
  const kind = kindOf(v);
  if (kind === "any") return unknown("any");
  if (kind === "rules") {
    const fam = v.kind === "rules" ? v.rules.family : (v as { family?: "rate" }).family;
    if (fam !== undefined) {
      const spec = family(fam).schema.params.find((p) => p.name === name);
      if (spec === undefined) throw new SpikelabError("name", `${fam} rule sets have no parameter '${name}'${didYouMean(name, family(fam).schema.params.map((p) => p.name))}`);
      if (v.kind !== "rules") return unknown("any");
      return paramToValue(v.rules.params[name] ?? spec.default, spec.type.kind === "number" || spec.type.kind === "numberOr" ? spec.type.dimension : "none");
    }
    return unknown("any");
  }
  if (kind === "record" && v.kind === "record") {
    const f = v.fields.get(name);
    if (f === undefined) throw new SpikelabError("name", `the record has no field '${name}'${didYouMean(name, v.fields.keys())}`);
    return f;
  }
  const members = MEMBERS[kind] ?? [];
  const m = members.find((x) => x.name === name);
  if (m === undefined) {
    throw new SpikelabError("name", `${describe(v)} has no field '${name}'${didYouMean(name, members.map((x) => x.name))}`, members.length > 0 ? { hint: `fields: ${members.map((x) => x.name).join(", ")}` } : {});
  }
  if (isUnknown(v)) {
    if (v.of === "datasource" || kind === "datasource") return unknown("dataset", { ...(v.shape ? { shape: v.shape } : {}), ...(v.label ? { label: `${v.label}.${name}` } : {}) });
    return unknown(m.kind, m.kind === "number" ? { dimension: "none" } : {});
  }
  switch (v.kind) {
    case "datasource": {
      const split = name as "train" | "test";
      const label = `${v.label}.${split}`;
      if (ctx.checking) return unknown("dataset", { shape: v.source.shape, count: v.source.counts[split], classes: v.source.classes, label });
      const d = engine.loadSplit(v.source, split);
      ctx.session.loaded.set(`${d.name}.${split}`, d);
      return { kind: "dataset", dataset: d, label };
    }
    case "dataset":
      return numberValue(name === "count" ? v.dataset.count : v.dataset.classes.length);
    case "network":
      return numberValue(name === "layers" ? v.network.nodes.length - 1 : v.network.nodes.reduce((a, n) => a + Object.values(n.params).reduce((b, t) => b + t.data.length, 0), 0));
    case "snn":
      return name === "neurons" ? numberValue(neuronCount(v.snn)) : { kind: "string", value: v.snn.family };
    case "table":
      return numberValue(v.table.rows.length);
    case "result": {
      const r = v.result;
      const fields: Record<string, Value> = {
        accuracy: numberValue(r.accuracy), annAccuracy: numberValue(r.annAccuracy), agreement: numberValue(r.agreement), samples: numberValue(r.samples),
        latency: numberValue(r.latency.value), spikesPerNeuron: numberValue(r.spikesPerNeuron), synapticOpsTotal: numberValue(r.synapticOpsTotal),
        annOps: numberValue(r.annOps), partial: { kind: "bool", value: r.partial }, network: { kind: "string", value: r.network },
        family: { kind: "string", value: r.family }, data: { kind: "string", value: r.data },
      };
      return fields[name]!;
    }
    default:
      throw new SpikelabError("name", `${describe(v)} has no field '${name}'`);
  }
}

/** `v[i]` (`slice` false) or `v[a:b]`; bounds undefined = not known while checking, null = left out. */
export function index(v: V, start: number | undefined | null, end: number | undefined | null, slice: boolean): V {
  const kind = kindOf(v);
  if (kind === "any") return unknown("any");
  if (kind === "datasource" && v.kind === "datasource") {
    throw new SpikelabError("type", `${v.label} has two splits; slice one of them`, { hint: `write ${v.label}.test[${start ?? 0}:${end ?? ""}]` });
  }
  if (kind !== "list" && kind !== "dataset") throw new SpikelabError("type", `${describe(v)} cannot be indexed`);
  const count = v.kind === "list" ? v.items.length : v.kind === "dataset" ? v.dataset.count : (v as { count?: number }).count;
  if (start === undefined || end === undefined) return kind === "dataset" ? unknown("dataset", isUnknown(v) && v.shape ? { shape: v.shape } : {}) : unknown("any");
  const label = v.kind === "dataset" ? v.label : (v as { label?: string }).label ?? "the data";
  if (!slice) {
    const i = start!;
    if (kind === "list") {
      if (count === undefined) return unknown("any");
      const j = i < 0 ? count + i : i;
      if (j < 0 || j >= count) throw new SpikelabError("param", `index ${i} is outside the list of ${count} items`);
      return (v as Extract<Value, { kind: "list" }>).items[j]!;
    }
    return sliceDataset(v, i, i + 1, count, label);
  }
  const a = start ?? 0;
  const b = end ?? count;
  if (kind === "list") {
    if (count === undefined || v.kind !== "list") return unknown("list");
    return { kind: "list", items: v.items.slice(a < 0 ? count + a : a, b === undefined ? undefined : b < 0 ? count + b : b) };
  }
  return sliceDataset(v, a, b, count, label);
}

function sliceDataset(v: V, a: number, b: number | undefined, count: number | undefined, label: string): V {
  const end = b ?? count;
  if (a < 0 || (end !== undefined && end < 0)) throw new SpikelabError("param", `dataset slices count from 0, got [${a}:${end ?? ""}]`);
  if (end !== undefined && end <= a) throw new SpikelabError("param", `the slice [${a}:${end}] of ${label} is empty`, { hint: "write [start:end] with start < end" });
  if (count !== undefined && end !== undefined && end > count) {
    throw new SpikelabError("param", `${label} has ${count} samples; [${a}:${end}] goes past the end`, { hint: `use at most [${a}:${count}]` });
  }
  const newLabel = `${label}[${a}:${end ?? ""}]`;
  if (v.kind !== "dataset") {
    const u = v as { shape?: readonly number[]; classes?: number };
    return unknown("dataset", { ...(u.shape ? { shape: u.shape } : {}), ...(end !== undefined ? { count: end - a } : {}), label: newLabel });
  }
  return { kind: "dataset", dataset: sliceData(v.dataset, a, end), label: newLabel };
}

/** "mnist.test[0:1000]" for a dataset whose origin is known, else "the dataset". */
export function dataLabel(v: V): string {
  const label = v.kind === "dataset" ? v.label : isUnknown(v) ? v.label : undefined;
  return label ?? "the dataset";
}

/** A rule-set parameter as a language value (for `rules.name`). */
function paramToValue(p: ParamValue, dimension: "time" | "frequency" | "none"): Value {
  if (p === null) return { kind: "none" };
  if (typeof p === "number") return numberValue(p, dimension);
  if (typeof p === "string") return { kind: "string", value: p };
  if (typeof p === "boolean") return { kind: "bool", value: p };
  if (Array.isArray(p)) return { kind: "list", items: p.map((x) => numberValue(x, dimension)) };
  const o = p as Exclude<ParamValue, number | string | boolean | null | readonly number[]>;
  if (o.kind === "expr") return { kind: "string", value: o.source };
  return { kind: "string", value: `${o.dataset}.${o.split}[${o.start}:${o.end ?? ""}]` };
}

/** A list of records (or of scalars) as a table. */
export function recordsTable(v: Value): Table {
  if (v.kind !== "list") throw new SpikelabError("type", `table needs a table, results, a network, a rule set or a list of records, got ${describe(v)}`);
  const columns: string[] = [];
  const rows: Map<string, Cell>[] = [];
  for (const item of v.items) {
    const row = new Map<string, Cell>();
    const fields: [string, Value][] = item.kind === "record" ? [...item.fields] : [["value", item]];
    for (const [k, x] of fields) {
      if (!columns.includes(k)) columns.push(k);
      row.set(k, x.kind === "number" || x.kind === "string" || x.kind === "bool" ? x.value : formatValue(x));
    }
    rows.push(row);
  }
  return { kind: "table", columns, rows: rows.map((r) => columns.map((c) => r.get(c) ?? null)) };
}

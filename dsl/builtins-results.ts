// Builtins that read a simulation result beyond its headline fields, for notebooks that reproduce
// the papers' figures in numbers: accuracy and operations at a step, the first step reaching an
// accuracy, a family-specific figure from `info`, the cross-family summary table with energies,
// and which of some folders exist (so a notebook can skip a dataset the user has not got).
// It must not simulate or plot; it reads SimResults and the file system only.

import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { SpikelabError } from "../stdlib/errors.ts";
import type { SimResult } from "../stdlib/ir/results.ts";
import { DEFAULT_ENERGY, resultsTable } from "../stdlib/plot/summary.ts";
import type { Value } from "./api.ts";
import type { Builtin } from "./builtins.ts";
import { describe, isUnknown, numberValue, unknown, type V } from "./values.ts";

function result(v: V, fn: string): SimResult | undefined {
  if (isUnknown(v)) {
    if (v.of === "result" || v.of === "any") return undefined;
    throw new SpikelabError("type", `${fn} needs a simulation result, got ${describe(v)}`, { hint: "r = simulate snn on data" });
  }
  if (v.kind !== "result") throw new SpikelabError("type", `${fn} needs a simulation result, got ${describe(v)}`, { hint: "r = simulate snn on data" });
  return v.result;
}

function number(v: V, what: string): number | undefined {
  if (isUnknown(v)) {
    if (v.of === "number" || v.of === "any") return undefined;
  } else if (v.kind === "number") return v.value;
  throw new SpikelabError("type", `${what} must be a number, got ${describe(v)}`);
}

function overTime(r: SimResult, fn: string): NonNullable<SimResult["overTime"]> {
  const o = r.overTime;
  if (o === undefined || o.time.length === 0) throw new SpikelabError("param", `${fn}: ${r.network}'s result has no figures over time`, { hint: "rate and AMOS results have them; a TTFS result has one decision time" });
  return o;
}

/** The index of the last recorded time ≤ t (the state after step t). */
function indexAt(r: SimResult, t: number, fn: string): number {
  const o = overTime(r, fn);
  let i = -1;
  for (let k = 0; k < o.time.length && o.time[k]! <= t + 1e-9; k++) i = k;
  if (i < 0) throw new SpikelabError("param", `${fn}: ${r.network} has no figures at time ${t}; the first is at ${o.time[0]}`, { hint: `ask for a time in [${o.time[0]}, ${o.time[o.time.length - 1]}]` });
  return i;
}

const NUM = unknown("number", { dimension: "none" });

export const RESULT_BUILTINS: readonly (readonly [string, Builtin])[] = [
  [
    "accuracy_at",
    {
      name: "accuracy_at",
      signature: "accuracy_at(result, t)",
      doc: "The SNN's accuracy after time t (steps for rate and AMOS): the accuracy-over-time curve read at t.",
      arity: [2, 2],
      call: (args) => {
        const r = result(args[0]!, "accuracy_at");
        const t = number(args[1]!, "accuracy_at's time");
        if (r === undefined || t === undefined) return NUM;
        return numberValue(r.overTime!.accuracy[indexAt(r, t, "accuracy_at")]!);
      },
    },
  ],
  [
    "ops_at",
    {
      name: "ops_at",
      signature: "ops_at(result, t)",
      doc: "Synaptic operations per sample spent by time t (cumulative; compare with result.annOps).",
      arity: [2, 2],
      call: (args) => {
        const r = result(args[0]!, "ops_at");
        const t = number(args[1]!, "ops_at's time");
        if (r === undefined || t === undefined) return NUM;
        return numberValue(r.overTime!.synapticOps[indexAt(r, t, "ops_at")]!);
      },
    },
  ],
  [
    "steps_to",
    {
      name: "steps_to",
      signature: "steps_to(result, accuracy)",
      doc: "The first time at which the SNN's accuracy reaches the given fraction (inf if it never does).",
      arity: [2, 2],
      call: (args) => {
        const r = result(args[0]!, "steps_to");
        const target = number(args[1]!, "steps_to's accuracy");
        if (r === undefined || target === undefined) return NUM;
        const o = overTime(r, "steps_to");
        for (let k = 0; k < o.time.length; k++) if (o.accuracy[k]! >= target - 1e-12) return numberValue(o.time[k]!);
        return numberValue(Infinity);
      },
    },
  ],
  [
    "info",
    {
      name: "info",
      signature: 'info(result, "name")',
      doc: 'A family-specific figure of a result, e.g. info(r, "correlation:relu1"), info(r, "pipeline_interval_steps"), info(r, "early_spikes_total").',
      arity: [2, 2],
      call: (args) => {
        const r = result(args[0]!, "info");
        const k = args[1]!;
        if (!isUnknown(k) && k.kind !== "string") throw new SpikelabError("type", `info's second argument must be a name as a string, got ${describe(k)}`);
        if (r === undefined || isUnknown(k)) return unknown("any");
        const v = r.info[k.value];
        if (v === undefined) {
          const keys = Object.keys(r.info);
          throw new SpikelabError("name", `${r.network}'s result has no figure '${k.value}'`, { hint: `it has: ${keys.slice(0, 40).join(", ")}${keys.length > 40 ? ", …" : ""}` });
        }
        if (typeof v === "number") return numberValue(v);
        if (typeof v === "string") return { kind: "string", value: v };
        return { kind: "list", items: v.map((x) => numberValue(x ?? NaN)) };
      },
    },
  ],
  [
    "summary",
    {
      name: "summary",
      signature: "summary([results], synop_pj: 0.9, mac_pj: 4.6)",
      doc: "One table across families: accuracy, agreement, latency, spikes per neuron, synaptic and ANN operations, and energy = operations × energy per operation (pJ per synaptic operation and per ANN MAC; defaults: 45 nm float add and multiply-add, Horowitz 2014).",
      arity: [1, 1],
      named: [
        { name: "synop_pj", type: { kind: "number", dimension: "none", min: 0 }, default: DEFAULT_ENERGY.perSynOpJ * 1e12, doc: "Energy per synaptic operation (an accumulate), in pJ." },
        { name: "mac_pj", type: { kind: "number", dimension: "none", min: 0 }, default: DEFAULT_ENERGY.perMacJ * 1e12, doc: "Energy per ANN multiply-accumulate, in pJ." },
      ],
      call: (args, info) => {
        const a = args[0]!;
        if (isUnknown(a)) return unknown("table");
        const items = a.kind === "list" ? a.items : [a];
        const rs = items.map((v) => result(v, "summary"));
        if (rs.some((r) => r === undefined)) return unknown("table");
        const synop = typeof info.named.synop_pj === "number" ? info.named.synop_pj : DEFAULT_ENERGY.perSynOpJ * 1e12;
        const mac = typeof info.named.mac_pj === "number" ? info.named.mac_pj : DEFAULT_ENERGY.perMacJ * 1e12;
        return { kind: "table", table: resultsTable(rs as SimResult[], { perSynOpJ: synop * 1e-12, perMacJ: mac * 1e-12 }) };
      },
    },
  ],
  [
    "existing",
    {
      name: "existing",
      signature: "existing([paths])",
      doc: 'The folders or files of the list that exist (~ is your home), e.g. `sweep dir in existing(["~/data/cifar-10-batches-bin"]) { … }` runs only where the data is.',
      arity: [1, 1],
      call: (args, info) => {
        const a = args[0]!;
        if (isUnknown(a)) return unknown("list");
        const items = a.kind === "list" ? a.items : [a];
        const out: Value[] = [];
        for (const v of items) {
          if (isUnknown(v)) return unknown("list");
          if (v.kind !== "string") throw new SpikelabError("type", `existing needs paths as strings, got ${describe(v)}`);
          const p = v.value.startsWith("~/") ? homedir() + v.value.slice(1) : v.value;
          if (v.value !== "" && !info.checking && existsSync(info.path(p))) out.push(v);
        }
        if (info.checking) return unknown("list");
        return { kind: "list", items: out };
      },
    },
  ],
];

// The spiking IR (stdlib/ir/spiking.ts) as JSON and back: the spiking network's own fields as
// lossless plain data (valuejson.ts), its source ANN through netjson.ts. Reading checks every
// field a simulator relies on and names the place of the first that is wrong; fields it does
// not know ride along untouched. It must not touch files; snnfile.ts adds the binary container.

import { SpikelabError } from "../errors.ts";
import type { Family } from "../ir/rules.ts";
import type { SpikingNetwork } from "../ir/spiking.ts";
import { networkFromJSON, networkToJSON, type Json, type NetworkJson, type ParamJson } from "./netjson.ts";
import { ArrayTable, dtypeOf, INLINE, UndecodableError, UnencodableError, valueFromJSON, valueToJSON, type ArraySource, type TypedArray } from "./valuejson.ts";

export const SNN_FORMAT = "spikelab-spiking-network";
export const SNN_VERSION = 1;

export interface SpikingNetworkJson {
  format: typeof SNN_FORMAT;
  version: typeof SNN_VERSION;
  /** Every field of the SpikingNetwork as valuejson.ts writes plain data, `source` null. */
  spiking: Json;
  /** The source ANN as netjson.ts writes it (parameters inline, or as float32 table offsets). */
  source: NetworkJson;
}

/**
 * The spiking network as JSON. With an ArrayTable, typed arrays (and the source's parameters,
 * in its float32 segment) become references into it; without, they are inline base64.
 * Data that is not plain (a Map, a class instance) is an io error naming the field.
 */
export function spikingToJSON(snn: SpikingNetwork, table?: ArrayTable): SpikingNetworkJson {
  const source = snn.source;
  let spiking: Json;
  try {
    // `source: null` holds the key's place; the network itself goes through netjson.ts.
    spiking = valueToJSON({ ...snn, source: null }, table ?? INLINE, "spiking network");
  } catch (e) {
    if (!(e instanceof UnencodableError)) throw e;
    throw new SpikelabError("io", `cannot save spiking network '${snn.name}': ${e.message}`, { hint: "spiking networks hold plain data and typed arrays only; this is a bug in the converter that made it" });
  }
  for (const n of source.nodes) {
    for (const [k, t] of Object.entries(n.params)) {
      if (dtypeOf(t.data) !== "float32") {
        throw new SpikelabError("io", `cannot save spiking network '${snn.name}': its source network's layer '${n.id}' ${k} is not a Float32Array`, { hint: "network parameters are float32; this is a bug in the converter that made it" });
      }
    }
  }
  let sourceJson: NetworkJson;
  if (table === undefined) sourceJson = networkToJSON(source, { params: "inline" });
  else {
    sourceJson = networkToJSON(source, { params: "none" });
    sourceJson.nodes.forEach((nj, i) => {
      const params = source.nodes[i]!.params;
      if (Object.keys(params).length === 0) return;
      const out: Record<string, ParamJson> = {};
      for (const [k, t] of Object.entries(params)) out[k] = { shape: [...t.shape], ...table.place(t.data, "float32") };
      nj.params = out;
    });
  }
  return { format: SNN_FORMAT, version: SNN_VERSION, spiking, source: sourceJson };
}

/** Where a description came from, for errors, and how to read table-stored arrays. */
export interface SpikingReadContext {
  readonly file: string;
  readonly arrays?: ArraySource;
}

const HINT = "the spiking network file is damaged or was not written by spikelab; save the spiking network again";

function bad(file: string, where: string, what: string): SpikelabError {
  return new SpikelabError("io", `${file}: ${where}: ${what}`, { hint: HINT });
}

/** Rebuilds a spiking network from its JSON description, checking it field by field. */
export function spikingFromJSON(json: unknown, ctx: SpikingReadContext = { file: "spiking network JSON" }): SpikingNetwork {
  const file = ctx.file;
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw bad(file, "top level", "expected a JSON object");
  const j = json as Record<string, unknown>;
  if (j.format === "spikelab-network") {
    throw new SpikelabError("io", `${file}: holds a network, not a spiking network`, { hint: "load it as a network (netjson.ts networkFromJSON), then convert it" });
  }
  if (j.format !== SNN_FORMAT) throw bad(file, "format", `expected "${SNN_FORMAT}", found ${JSON.stringify(j.format)}`);
  if (j.version !== SNN_VERSION) {
    throw new SpikelabError("io", `${file}: spiking network format version ${JSON.stringify(j.version)} is not one this spikelab reads (${SNN_VERSION})`, { hint: "update spikelab, or convert and save the network again with this version" });
  }
  let spiking: unknown;
  try {
    spiking = valueFromJSON(j.spiking, ctx.arrays, "spiking");
  } catch (e) {
    if (!(e instanceof UndecodableError)) throw e;
    throw new SpikelabError("io", `${file}: ${e.message}`, { hint: HINT });
  }
  const arrays = ctx.arrays;
  const source = networkFromJSON(j.source, {
    file: `${file} (source network)`,
    ...(arrays ? { blob: (where: string, offset: number, length: number) => arrays(`source ${where}`, "float32", offset, length) as Float32Array } : {}),
  });
  if (typeof spiking !== "object" || spiking === null || Array.isArray(spiking)) throw bad(file, "spiking", "expected an object");
  const snn = { ...spiking, source };
  checkSpiking(snn, file);
  return snn as unknown as SpikingNetwork;
}

// --- checking --------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

const FAMILIES: readonly Family[] = ["rate", "ttfs", "amos"];

/** Checks `v` is a SpikingNetwork a simulator can run; throws an io error naming the first bad field. */
export function checkSpiking(v: unknown, file: string): void {
  const fail = (where: string, what: string): never => {
    throw bad(file, where, what);
  };
  const obj = (x: unknown, where: string): Obj => (isObj(x) ? x : fail(where, `expected an object, found ${show(x)}`));
  const str = (x: unknown, where: string, nonEmpty = true): string => (typeof x === "string" && (!nonEmpty || x !== "") ? x : fail(where, `expected ${nonEmpty ? "a non-empty" : "a"} string, found ${show(x)}`));
  const num = (x: unknown, where: string): number => (typeof x === "number" ? x : fail(where, `expected a number, found ${show(x)}`));
  const int = (x: unknown, where: string, min: number): number => (typeof x === "number" && Number.isInteger(x) && x >= min ? x : fail(where, `expected a whole number >= ${min}, found ${show(x)}`));
  const oneOf = <T extends string>(x: unknown, where: string, values: readonly T[]): T => ((values as readonly unknown[]).includes(x) ? (x as T) : fail(where, `expected one of ${values.join(", ")}, found ${show(x)}`));
  const pair = (x: unknown, where: string, min: number): void => {
    if (!Array.isArray(x) || x.length !== 2) fail(where, `expected a pair [a, b], found ${show(x)}`);
    (x as unknown[]).forEach((d, i) => int(d, `${where}[${i}]`, min));
  };
  const shape = (x: unknown, where: string): number => {
    if (!Array.isArray(x) || x.length === 0) return fail(where, `expected a shape (a list of sizes), found ${show(x)}`);
    return (x as unknown[]).reduce<number>((n, d, i) => n * int(d, `${where}[${i}]`, 1), 1);
  };
  const floats = (x: unknown, where: string, only64 = false): TypedArray => {
    const dt = dtypeOf(x);
    if (dt !== "float64" && (only64 || dt !== "float32")) fail(where, `expected a ${only64 ? "Float64Array" : "Float32Array or Float64Array"}, found ${dt ?? show(x)}`);
    return x as TypedArray;
  };
  const tensor = (x: unknown, where: string, only64 = false): number => {
    const t = obj(x, where);
    const n = shape(t.shape, `${where}.shape`);
    const data = floats(t.data, `${where}.data`, only64);
    if (data.length !== n) fail(`${where}.data`, `holds ${data.length} values, shape ${(t.shape as number[]).join("x")} needs ${n}`);
    return n;
  };

  const s = obj(v, "spiking");
  str(s.name, "name");
  const family = oneOf(s.family, "family", FAMILIES);
  checkRules(obj(s.rules, "rules"), family, fail);
  if (s.dtSeconds !== undefined && !(typeof s.dtSeconds === "number" && s.dtSeconds > 0)) fail("dtSeconds", `expected a time step > 0 or none, found ${show(s.dtSeconds)}`);

  const enc = obj(s.encoder, "encoder");
  switch (oneOf(enc.kind, "encoder.kind", ["analog", "poisson", "ttfs", "value"])) {
    case "poisson":
      num(enc.maxRateHz, "encoder.maxRateHz");
      num(enc.seed, "encoder.seed");
      break;
    case "ttfs":
      num(enc.tMin, "encoder.tMin");
      num(enc.tMax, "encoder.tMax");
      break;
    default:
      break;
  }

  if (!Array.isArray(s.populations) || s.populations.length === 0) fail("populations", "expected a non-empty list of populations");
  const sizes = new Map<string, number>();
  (s.populations as unknown[]).forEach((raw, i) => {
    const p = obj(raw, `populations[${i}]`);
    const id = str(p.id, `populations[${i}].id`);
    const at = `population '${id}'`;
    if (sizes.has(id)) fail(at, "appears twice");
    const n = shape(p.shape, `${at} shape`);
    sizes.set(id, n);
    str(p.sourceNode, `${at} sourceNode`);
    if (p.bias !== undefined) tensor(p.bias, `${at} bias`);
    const nm = obj(p.neuron, `${at} neuron`);
    const w = (f: string): string => `${at} neuron.${f}`;
    switch (oneOf(nm.kind, w("kind"), ["if", "ttfs", "amos", "integrator", "relay"])) {
      case "if":
        num(nm.threshold, w("threshold"));
        oneOf(nm.reset, w("reset"), ["subtract", "zero"]);
        if (!(typeof nm.tauSeconds === "number" && nm.tauSeconds > 0)) fail(w("tauSeconds"), `expected a time constant > 0 (Infinity: no leak), found ${show(nm.tauSeconds)}`);
        break;
      case "ttfs": {
        num(nm.tMin, w("tMin"));
        num(nm.tMax, w("tMax"));
        const m = tensor(nm.threshold, w("threshold"), true);
        if (m !== n) fail(w("threshold"), `holds ${m} thresholds for ${n} neurons`);
        break;
      }
      case "amos": {
        oneOf(nm.form, w("form"), ["amos", "fs"]);
        const K = int(nm.K, w("K"), 1);
        str(nm.gate, w("gate"));
        for (const k of ["h", "d", "T"]) {
          const a = floats(nm[k], w(k), true);
          if (a.length !== K) fail(w(k), `holds ${a.length} values for K = ${K}`);
        }
        break;
      }
      case "relay":
        num(nm.tMin, w("tMin"));
        num(nm.tMax, w("tMax"));
        break;
      default:
        break;
    }
  });

  if (!Array.isArray(s.projections)) fail("projections", "expected a list of projections");
  (s.projections as unknown[]).forEach((raw, i) => {
    const p = obj(raw, `projections[${i}]`);
    const id = str(p.id, `projections[${i}].id`);
    const at = `projection '${id}'`;
    for (const end of ["from", "to"]) {
      const name = str(p[end], `${at} ${end}`);
      if (!sizes.has(name)) fail(`${at} ${end}`, `names no population ('${name}'; populations: ${[...sizes.keys()].join(", ")})`);
    }
    const g = obj(p.geometry, `${at} geometry`);
    const w = (f: string): string => `${at} geometry.${f}`;
    const kind = oneOf(g.kind, w("kind"), ["dense", "conv", "avgpool", "maxpool", "identity"]);
    if (kind === "conv" || kind === "avgpool" || kind === "maxpool") {
      pair(g.kernel, w("kernel"), 1);
      pair(g.stride, w("stride"), 1);
      pair(g.padding, w("padding"), 0);
    }
    if (kind === "conv") int(g.groups, w("groups"), 1);
    if (kind === "maxpool") {
      oneOf(g.mode, w("mode"), ["gated", "earliest"]);
      if (g.latest !== undefined && !(Array.isArray(g.latest) && g.latest.every((c) => Number.isInteger(c) && (c as number) >= 0))) fail(w("latest"), `expected a list of channels, found ${show(g.latest)}`);
    }
    if (kind === "identity") int(g.offset, w("offset"), 0);
    if (p.weight !== undefined) tensor(p.weight, `${at} weight`);
  });

  const ro = obj(s.readout, "readout");
  if (oneOf(ro.kind, "readout.kind", ["spikes", "membrane", "softmax", "potential"]) === "potential") num(ro.at, "readout.at");

  const info = obj(s.info, "info");
  for (const [k, x] of Object.entries(info)) {
    const ok = typeof x === "number" || typeof x === "string" || dtypeOf(x) !== undefined || (Array.isArray(x) && x.every((y) => typeof y === "number"));
    if (!ok) fail(`info.${k}`, `expected a number, a string or a list of numbers, found ${show(x)}`);
  }
}

function checkRules(r: Obj, family: Family, fail: (where: string, what: string) => never): void {
  if (typeof r.name !== "string" || r.name === "") fail("rules.name", `expected a rule set name, found ${show(r.name)}`);
  if (r.family !== family) fail("rules.family", `expected ${family} (the network's family), found ${show(r.family)}`);
  if (!Array.isArray(r.extends) || r.extends.some((x) => typeof x !== "string")) fail("rules.extends", `expected a list of rule set names, found ${show(r.extends)}`);
  if (!isObj(r.params)) fail("rules.params", `expected an object of parameters, found ${show(r.params)}`);
  for (const [k, v] of Object.entries(r.params as Obj)) {
    const where = `rules.params.${k}`;
    if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean") continue;
    if (Array.isArray(v)) {
      if (!v.every((x) => typeof x === "number")) fail(where, `expected a list of numbers, found ${show(v)}`);
      continue;
    }
    if (isObj(v) && v.kind === "expr") {
      if (typeof v.source !== "string") fail(`${where}.source`, `expected the expression's text, found ${show(v.source)}`);
      continue;
    }
    if (isObj(v) && v.kind === "data") {
      const okEnd = v.end === undefined || (Number.isInteger(v.end) && (v.end as number) >= 0);
      if (typeof v.dataset !== "string" || (v.split !== "train" && v.split !== "test") || !Number.isInteger(v.start) || (v.start as number) < 0 || !okEnd) fail(where, `expected a data slice (dataset, split, start, end), found ${show(v)}`);
      continue;
    }
    fail(where, `expected a parameter value (number, keyword, boolean, list, data slice or expression), found ${show(v)}`);
  }
}

/** A short rendering of a bad value for a message. */
function show(v: unknown): string {
  if (v === undefined) return "nothing";
  const dt = dtypeOf(v);
  if (dt !== undefined) return `a ${dt} array`;
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

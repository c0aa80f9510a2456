// The network IR as plain JSON and back: ops, inputs, shapes and (optionally) parameters.
// Reading validates every field, so a hand-edited or damaged description gives an error that
// names the node and the field, and rebuilds the network through shapes.ts (shapes re-checked).
// It must not touch files; netfile.ts adds the binary weights container.

import { SpikelabError } from "../errors.ts";
import type { Network, Op, OpKind } from "../ir/network.ts";
import { buildNetwork, type NodeSpec } from "../ir/shapes.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { sizeOf } from "../tensor/tensor.ts";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * A parameter in JSON: inline as base64 of its little-endian float32 bytes (exact, unlike decimal
 * text, which loses -0 and NaN), or a slice of a binary blob (netfile.ts).
 */
export type ParamJson = { shape: number[]; base64: string } | { shape: number[]; offset: number; length: number };

export function float32ToBase64(data: Float32Array): string {
  const bytes = new Uint8Array(data.length * 4);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i]!, true);
  return Buffer.from(bytes).toString("base64");
}

/** Decodes float32ToBase64's text; undefined when it is not valid base64 of whole floats. */
export function base64ToFloat32(text: string): Float32Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  if (bytes.length % 4 !== 0) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

export interface NodeJson {
  id: string;
  op: Op;
  inputs: string[];
  shape: number[];
  params?: Record<string, ParamJson>;
}

export interface NetworkJson {
  format: "spikelab-network";
  version: 1;
  name: string;
  nodes: NodeJson[];
}

/**
 * The IR as JSON. `params: "inline"` writes every parameter (base64, exact); "none" leaves them
 * out (structure only).
 */
export function networkToJSON(net: Network, options: { params?: "inline" | "none" } = {}): NetworkJson {
  const inline = (options.params ?? "inline") === "inline";
  return {
    format: "spikelab-network",
    version: 1,
    name: net.name,
    nodes: net.nodes.map((n) => {
      const node: NodeJson = { id: n.id, op: JSON.parse(JSON.stringify(n.op)) as Op, inputs: [...n.inputs], shape: [...n.shape] };
      if (inline && Object.keys(n.params).length > 0) {
        node.params = Object.fromEntries(Object.entries(n.params).map(([k, t]) => [k, { shape: [...t.shape], base64: float32ToBase64(t.data) }]));
      }
      return node;
    }),
  };
}

/** Where a description came from, for error messages, and how to read blob-stored parameters. */
export interface ReadContext {
  readonly file: string;
  readonly blob?: (where: string, offset: number, length: number) => Float32Array;
}

function bad(ctx: ReadContext, where: string, what: string): SpikelabError {
  return new SpikelabError("io", `${ctx.file}: ${where}: ${what}`, { hint: "the network file is damaged or was not written by spikelab; save the network again" });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function int(ctx: ReadContext, where: string, v: unknown, min = 0): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw bad(ctx, where, `expected a whole number >= ${min}, found ${JSON.stringify(v)}`);
  return v;
}

function num(ctx: ReadContext, where: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) throw bad(ctx, where, `expected a number, found ${JSON.stringify(v)}`);
  return v;
}

function pair(ctx: ReadContext, where: string, v: unknown, min: number): readonly [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw bad(ctx, where, `expected a pair [a, b], found ${JSON.stringify(v)}`);
  return [int(ctx, `${where}[0]`, v[0], min), int(ctx, `${where}[1]`, v[1], min)];
}

function bool(ctx: ReadContext, where: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw bad(ctx, where, `expected true or false, found ${JSON.stringify(v)}`);
  return v;
}

function shapeOf(ctx: ReadContext, where: string, v: unknown): number[] {
  if (!Array.isArray(v) || v.length === 0) throw bad(ctx, where, `expected a shape (a list of sizes), found ${JSON.stringify(v)}`);
  return v.map((d, i) => int(ctx, `${where}[${i}]`, d, 1));
}

const KINDS: readonly OpKind[] = ["input", "conv", "dense", "avgpool", "maxpool", "globalavgpool", "batchnorm", "relu", "sigmoid", "silu", "softmax", "dropout", "flatten", "concat", "add"];

/** Validates one op object field by field. */
export function opFromJSON(ctx: ReadContext, where: string, v: unknown): Op {
  if (!isObj(v)) throw bad(ctx, where, `expected an op object, found ${JSON.stringify(v)}`);
  const kind = v.kind;
  if (typeof kind !== "string" || !(KINDS as readonly string[]).includes(kind)) throw bad(ctx, `${where}.kind`, `unknown op kind ${JSON.stringify(kind)} (known: ${KINDS.join(", ")})`);
  const w = (f: string): string => `${where}.${f}`;
  switch (kind as OpKind) {
    case "input":
      return { kind: "input", shape: shapeOf(ctx, w("shape"), v.shape) };
    case "conv":
      return { kind: "conv", filters: int(ctx, w("filters"), v.filters, 1), kernel: pair(ctx, w("kernel"), v.kernel, 1), stride: pair(ctx, w("stride"), v.stride, 1), padding: pair(ctx, w("padding"), v.padding, 0), groups: int(ctx, w("groups"), v.groups, 1), bias: bool(ctx, w("bias"), v.bias) };
    case "dense":
      return { kind: "dense", units: int(ctx, w("units"), v.units, 1), bias: bool(ctx, w("bias"), v.bias) };
    case "avgpool":
    case "maxpool":
      return { kind: kind as "avgpool" | "maxpool", kernel: pair(ctx, w("kernel"), v.kernel, 1), stride: pair(ctx, w("stride"), v.stride, 1), padding: pair(ctx, w("padding"), v.padding, 0) };
    case "batchnorm":
      return { kind: "batchnorm", eps: num(ctx, w("eps"), v.eps), momentum: num(ctx, w("momentum"), v.momentum) };
    case "dropout":
      return { kind: "dropout", rate: num(ctx, w("rate"), v.rate) };
    default:
      return { kind } as Op;
  }
}

function paramFromJSON(ctx: ReadContext, where: string, v: unknown): Tensor {
  if (!isObj(v)) throw bad(ctx, where, "expected a parameter object");
  const shape = shapeOf(ctx, `${where}.shape`, v.shape);
  const n = sizeOf(shape);
  if ("base64" in v) {
    const data = typeof v.base64 === "string" ? base64ToFloat32(v.base64) : undefined;
    if (data === undefined) throw bad(ctx, `${where}.base64`, "is not base64 text of float32 values");
    if (data.length !== n) throw bad(ctx, `${where}.base64`, `holds ${data.length} values, shape ${shape.join("x")} needs ${n}`);
    return { shape, data };
  }
  const offset = int(ctx, `${where}.offset`, v.offset);
  const length = int(ctx, `${where}.length`, v.length);
  if (length !== n) throw bad(ctx, `${where}.length`, `${length} values do not fill shape ${shape.join("x")} (${n})`);
  if (ctx.blob === undefined) throw bad(ctx, where, "refers to a binary blob, but this description has none (load the whole network file)");
  return { shape, data: ctx.blob(where, offset, length) };
}

/** Rebuilds a network from its JSON description (shapes are re-inferred and must match the stored ones). */
export function networkFromJSON(json: unknown, ctx: ReadContext = { file: "network JSON" }): Network {
  if (!isObj(json)) throw bad(ctx, "top level", "expected a JSON object");
  if (json.format !== "spikelab-network") throw bad(ctx, "format", `expected "spikelab-network", found ${JSON.stringify(json.format)}`);
  if (json.version !== 1) {
    throw new SpikelabError("io", `${ctx.file}: format version ${JSON.stringify(json.version)} is not one this spikelab reads (1)`, { hint: "update spikelab, or save the network again with this version" });
  }
  if (typeof json.name !== "string" || json.name === "") throw bad(ctx, "name", "expected a network name");
  if (!Array.isArray(json.nodes) || json.nodes.length === 0) throw bad(ctx, "nodes", "expected a non-empty list of nodes");
  const specs: NodeSpec[] = [];
  const stored: number[][] = [];
  json.nodes.forEach((raw: unknown, i: number) => {
    const where = `nodes[${i}]`;
    if (!isObj(raw)) throw bad(ctx, where, "expected a node object");
    if (typeof raw.id !== "string" || raw.id === "") throw bad(ctx, `${where}.id`, "expected a layer name");
    const at = `node '${raw.id}'`;
    const op = opFromJSON(ctx, `${at} op`, raw.op);
    if (!Array.isArray(raw.inputs) || raw.inputs.some((x) => typeof x !== "string")) throw bad(ctx, `${at} inputs`, "expected a list of layer names");
    stored.push(shapeOf(ctx, `${at} shape`, raw.shape));
    let params: Record<string, Tensor> | undefined;
    if (raw.params !== undefined) {
      if (!isObj(raw.params)) throw bad(ctx, `${at} params`, "expected an object of parameters");
      params = Object.fromEntries(Object.entries(raw.params).map(([k, p]) => [k, paramFromJSON(ctx, `${at} parameter '${k}'`, p)]));
    }
    specs.push({ id: raw.id, op, inputs: raw.inputs as string[], ...(params ? { params } : {}) });
  });
  const r = buildNetwork(json.name, specs);
  if (r.network === undefined) {
    const e = r.errors[0]!;
    throw new SpikelabError("io", `${ctx.file}: the stored network does not check: ${e.message}`, { hint: "the file is damaged or was edited by hand" });
  }
  r.network.nodes.forEach((n, i) => {
    if (n.shape.join("x") !== stored[i]!.join("x")) throw bad(ctx, `node '${n.id}' shape`, `stored ${stored[i]!.join("x")} but the ops give ${n.shape.join("x")}`);
  });
  return r.network;
}

// Shape inference and parameter shapes for the network IR. The language's checker, ONNX
// import and programmatic builders all build networks through `buildNetwork`, so a shape
// error reads the same wherever the network came from. No parsing, no numerics here.

import { SpikelabError, type SourceLocation } from "../errors.ts";
import { sizeOf } from "../tensor/tensor.ts";
import type { Network, Node, Op } from "./network.ts";

/** A node before its shape is known. */
export interface NodeSpec {
  readonly id: string;
  readonly op: Op;
  readonly inputs: readonly string[];
  readonly loc?: SourceLocation;
  readonly params?: Node["params"];
}

/** Parameters above this many bytes (float32) are refused: the machine could not hold them with their gradients. */
export const MAX_PARAM_BYTES = 4 * 1024 ** 3;

const fmt = (s: readonly number[]): string => (s.length === 0 ? "scalar" : s.join("x"));

function spatialOut(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

function fail(id: string, message: string, hint?: string): never {
  throw new SpikelabError("shape", `layer '${id}': ${message}`, hint === undefined ? {} : { hint });
}

function need3d(id: string, kind: string, s: readonly number[]): readonly [number, number, number] {
  if (s.length !== 3) fail(id, `${kind} needs an image input (channels x height x width), got ${fmt(s)}`, s.length === 1 ? "a vector cannot be pooled or convolved; remove the flatten before it" : undefined);
  return [s[0]!, s[1]!, s[2]!];
}

function windowed(id: string, kind: string, s: readonly number[], k: readonly [number, number], st: readonly [number, number], p: readonly [number, number]): [number, number] {
  const [, h, w] = need3d(id, kind, s);
  if (k[0] < 1 || k[1] < 1 || st[0] < 1 || st[1] < 1 || p[0] < 0 || p[1] < 0) fail(id, `${kind} needs kernel and stride >= 1 and padding >= 0`);
  if (kind !== "conv" && (p[0] >= k[0] || p[1] >= k[1])) fail(id, `${kind} padding ${p[0]}x${p[1]} must be smaller than the kernel ${k[0]}x${k[1]}`);
  const oh = spatialOut(h, k[0], st[0], p[0]);
  const ow = spatialOut(w, k[1], st[1], p[1]);
  if (oh < 1 || ow < 1) {
    fail(id, `${kind} kernel ${k[0]}x${k[1]} does not fit the ${h}x${w} input${p[0] + p[1] > 0 ? ` padded by ${p[0]}x${p[1]}` : ""}`, "use a smaller kernel, add padding, or remove a pooling layer before it");
  }
  return [oh, ow];
}

/** The per-sample output shape of `op` given its inputs' shapes. Throws SpikelabError('shape'). */
export function outputShape(id: string, op: Op, ins: readonly (readonly number[])[]): number[] {
  const arity = op.kind === "input" ? 0 : op.kind === "concat" || op.kind === "add" ? -1 : 1;
  if (arity === 0 && ins.length !== 0) fail(id, "an input takes no inputs");
  if (arity === 1 && ins.length !== 1) fail(id, `${op.kind} takes one input, got ${ins.length}`);
  if (arity === -1 && ins.length < 2) fail(id, `${op.kind} joins two or more branches, got ${ins.length}`);
  const s = ins[0] ?? [];
  switch (op.kind) {
    case "input":
      if (op.shape.length === 0 || op.shape.some((d) => !Number.isInteger(d) || d < 1)) fail(id, `input shape ${fmt(op.shape)} must be positive integers`);
      return [...op.shape];
    case "conv": {
      const [c] = need3d(id, "conv", s);
      if (!Number.isInteger(op.filters) || op.filters < 1) fail(id, `conv needs a positive whole number of filters, got ${op.filters}`);
      if (op.groups < 1 || c % op.groups !== 0 || op.filters % op.groups !== 0) {
        fail(id, `groups ${op.groups} must divide both the ${c} input channels and the ${op.filters} filters`);
      }
      const [oh, ow] = windowed(id, "conv", s, op.kernel, op.stride, op.padding);
      return [op.filters, oh, ow];
    }
    case "dense":
      if (s.length !== 1) fail(id, `dense needs a vector input, got ${fmt(s)}`, "add `flatten` before it");
      if (!Number.isInteger(op.units) || op.units < 1) fail(id, `dense needs a positive whole number of units, got ${op.units}`);
      return [op.units];
    case "avgpool":
    case "maxpool": {
      const [c] = need3d(id, op.kind, s);
      const [oh, ow] = windowed(id, op.kind, s, op.kernel, op.stride, op.padding);
      return [c, oh, ow];
    }
    case "globalavgpool":
      return [need3d(id, "globalavgpool", s)[0]];
    case "batchnorm":
      if (s.length !== 3 && s.length !== 1) fail(id, `batchnorm needs an image or a vector, got ${fmt(s)}`);
      return [...s];
    case "relu":
    case "sigmoid":
    case "silu":
    case "softmax":
    case "dropout":
      return [...s];
    case "flatten":
      return [sizeOf(s)];
    case "concat": {
      const rank = s.length;
      if (ins.some((x) => x.length !== rank)) fail(id, `concat joins branches of one rank, got ${ins.map(fmt).join(" and ")}`);
      if (rank === 3 && ins.some((x) => x[1] !== s[1] || x[2] !== s[2])) {
        fail(id, `concat joins channels of equal height and width, got ${ins.map(fmt).join(", ")}`, "give the branches the same stride and padding");
      }
      const c = ins.reduce((acc, x) => acc + x[0]!, 0);
      return [c, ...s.slice(1)];
    }
    case "add":
      if (ins.some((x) => fmt(x) !== fmt(s))) fail(id, `add needs branches of one shape, got ${ins.map(fmt).join(" and ")}`, "match the channels with a 1x1 conv on the shortcut");
      return [...s];
  }
}

/** Parameter tensor shapes of a node given its input shape (empty for parameter-free ops). */
export function paramShapes(op: Op, inShape: readonly number[]): Record<string, number[]> {
  switch (op.kind) {
    case "conv": {
      const w = [op.filters, inShape[0]! / op.groups, op.kernel[0], op.kernel[1]];
      return op.bias ? { weight: w, bias: [op.filters] } : { weight: w };
    }
    case "dense":
      return op.bias ? { weight: [op.units, inShape[0]!], bias: [op.units] } : { weight: [op.units, inShape[0]!] };
    case "batchnorm": {
      const c = inShape[0]!;
      return { gamma: [c], beta: [c], mean: [c], var: [c] };
    }
    default:
      return {};
  }
}

export function paramCount(net: Network): number {
  let n = 0;
  for (const node of net.nodes) for (const t of Object.values(node.params)) n += t.data.length;
  return n;
}

function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(n < 10 && i > 0 ? 1 : 0)} ${units[i]}`;
}

export interface BuildResult {
  readonly network: Network | undefined;
  readonly errors: readonly SpikelabError[];
}

/**
 * Builds a network from node specs in order, inferring shapes. Collects every error it can
 * (a node whose inputs failed is skipped silently, so one mistake reports once). Checks that
 * given params have the shapes the ops need, and refuses parameter sets too large to hold.
 */
export function buildNetwork(name: string, specs: readonly NodeSpec[]): BuildResult {
  const errors: SpikelabError[] = [];
  const shapes = new Map<string, number[]>();
  const failed = new Set<string>();
  const nodes: Node[] = [];
  let paramBytes = 0;
  let oversized = false;
  const seen = new Set<string>();
  specs.forEach((spec, index) => {
    const err = (e: unknown): void => {
      failed.add(spec.id);
      if (e instanceof SpikelabError) errors.push(e.at(spec.loc));
      else throw e;
    };
    if (seen.has(spec.id)) {
      errors.push(new SpikelabError("name", `layer name '${spec.id}' is used twice in network '${name}'`, { loc: spec.loc, hint: "give each named layer its own name" }));
      failed.add(spec.id);
      return;
    }
    seen.add(spec.id);
    if (index === 0 && spec.op.kind !== "input") {
      err(new SpikelabError("shape", `network '${name}' must start with its input shape`, { hint: "write `network NAME (input 1x28x28) { ... }`" }));
      return;
    }
    if (index > 0 && spec.op.kind === "input") {
      err(new SpikelabError("shape", `network '${name}' has a second input '${spec.id}'; one input per network`));
      return;
    }
    const missing = spec.inputs.filter((i) => !shapes.has(i) && !failed.has(i));
    if (missing.length > 0) {
      err(new SpikelabError("name", `layer '${spec.id}' reads '${missing[0]}', which is not defined before it`, { hint: "branches must be defined before the layer that joins them" }));
      return;
    }
    if (spec.inputs.some((i) => failed.has(i))) {
      failed.add(spec.id);
      return;
    }
    try {
      const ins = spec.inputs.map((i) => shapes.get(i)!);
      const shape = outputShape(spec.id, spec.op, ins);
      const pshapes = paramShapes(spec.op, ins[0] ?? []);
      let layerBytes = 0;
      for (const ps of Object.values(pshapes)) layerBytes += sizeOf(ps) * 4;
      paramBytes += layerBytes;
      // Say which layer is too big, and how big, before anything tries to allocate it.
      if (layerBytes > MAX_PARAM_BYTES) {
        oversized = true;
        throw new SpikelabError("resource", `layer '${spec.id}' would need ${bytes(layerBytes)} for its weights (float32), more than the ${bytes(MAX_PARAM_BYTES)} spikelab allows`, { hint: "use fewer units or filters" });
      }
      const given = spec.params ?? {};
      for (const [k, t] of Object.entries(given)) {
        const want = pshapes[k];
        if (want === undefined) throw new SpikelabError("shape", `layer '${spec.id}' (${spec.op.kind}) has no parameter '${k}'`);
        if (fmt(want) !== fmt(t.shape) || t.data.length !== sizeOf(want)) {
          throw new SpikelabError("shape", `layer '${spec.id}' parameter '${k}' should be ${fmt(want)}, got ${fmt(t.shape)}`);
        }
      }
      if (sizeOf(shape) > 2 ** 31 - 1) throw new SpikelabError("resource", `layer '${spec.id}' would have ${sizeOf(shape)} outputs per sample, more than one array can hold`);
      shapes.set(spec.id, shape);
      const node: Node = { id: spec.id, op: spec.op, inputs: [...spec.inputs], shape, params: given, ...(spec.loc ? { loc: spec.loc } : {}) };
      nodes.push(node);
    } catch (e) {
      err(e);
    }
  });
  if (paramBytes > MAX_PARAM_BYTES && !oversized) {
    errors.push(new SpikelabError("resource", `network '${name}' would need ${bytes(paramBytes)} for its weights alone (float32), more than the ${bytes(MAX_PARAM_BYTES)} spikelab allows`, {
      loc: specs[0]?.loc,
      hint: "use fewer units or filters",
    }));
  }
  if (errors.length > 0) return { network: undefined, errors };
  return { network: { name, nodes }, errors };
}

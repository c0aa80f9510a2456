// The network IR: an ANN as a DAG of typed ops with inferred per-sample shapes and optional
// parameter tensors. Every stage that touches an ANN speaks this (the checker builds it,
// ONNX import builds it, training fills its parameters, conversion reads it).
// It must not know about the parser, about spikes or about Jupyter.

import type { SourceLocation } from "../errors.ts";
import type { Tensor } from "../tensor/tensor.ts";

/** A pair [height, width]. */
export type Pair = readonly [number, number];

export type Op =
  | { readonly kind: "input"; readonly shape: readonly number[] }
  /** weight [filters, inC/groups, kH, kW], bias [filters] when `bias`. Zero padding, symmetric. */
  | { readonly kind: "conv"; readonly filters: number; readonly kernel: Pair; readonly stride: Pair; readonly padding: Pair; readonly groups: number; readonly bias: boolean }
  /** weight [units, in], bias [units] when `bias`. Input must be 1-D (flatten first). */
  | { readonly kind: "dense"; readonly units: number; readonly bias: boolean }
  /** Padding counts as zeros in the average (divisor kH·kW), as a linear projection needs. */
  | { readonly kind: "avgpool"; readonly kernel: Pair; readonly stride: Pair; readonly padding: Pair }
  | { readonly kind: "maxpool"; readonly kernel: Pair; readonly stride: Pair; readonly padding: Pair }
  | { readonly kind: "globalavgpool" }
  /** Inference-mode batch norm over channels: gamma, beta, mean, var, each [C]. */
  | { readonly kind: "batchnorm"; readonly eps: number; readonly momentum: number }
  | { readonly kind: "relu" }
  | { readonly kind: "sigmoid" }
  | { readonly kind: "silu" }
  | { readonly kind: "softmax" }
  | { readonly kind: "dropout"; readonly rate: number }
  | { readonly kind: "flatten" }
  /** Joins its inputs along the channel axis (axis 0 of the per-sample shape). */
  | { readonly kind: "concat" }
  /** Elementwise sum of inputs of one shape (residual blocks). */
  | { readonly kind: "add" };

export type OpKind = Op["kind"];

export interface Node {
  /** Unique within the network; layer names given in the language, or generated (`conv1`, `relu3`). */
  readonly id: string;
  readonly op: Op;
  /** Ids of the nodes this one reads, in order (concat order matters). */
  readonly inputs: readonly string[];
  /** Per-sample output shape: [C, H, W] for images, [F] for vectors. */
  readonly shape: readonly number[];
  /** Parameter tensors by name (weight, bias, gamma, beta, mean, var); empty until trained or loaded. */
  readonly params: Readonly<Record<string, Tensor>>;
  /** Where the language declared it, for errors found later (optional: imported nets have none). */
  readonly loc?: SourceLocation;
}

export interface Network {
  readonly name: string;
  /** Topological order; nodes[0] is the single input node; the last node is the output. */
  readonly nodes: readonly Node[];
}

export function inputNode(net: Network): Node {
  const n = net.nodes[0];
  if (n === undefined || n.op.kind !== "input") throw new Error(`network ${net.name} has no input node`);
  return n;
}

export function outputNode(net: Network): Node {
  const n = net.nodes[net.nodes.length - 1];
  if (n === undefined) throw new Error(`network ${net.name} is empty`);
  return n;
}

export function nodeById(net: Network, id: string): Node {
  const n = net.nodes.find((x) => x.id === id);
  if (n === undefined) throw new Error(`network ${net.name} has no node '${id}'`);
  return n;
}

/** Nodes with weights (conv, dense): the layers conversion normalises and counts. */
export function hasWeights(op: Op): op is Extract<Op, { kind: "conv" | "dense" }> {
  return op.kind === "conv" || op.kind === "dense";
}

/** The nodes reading each node's output. */
export function consumers(net: Network): Map<string, Node[]> {
  const out = new Map<string, Node[]>();
  for (const n of net.nodes) out.set(n.id, []);
  for (const n of net.nodes) for (const i of n.inputs) out.get(i)?.push(n);
  return out;
}

/** A copy with some nodes' params replaced (training, normalisation and folding return new networks). */
export function withParams(net: Network, params: ReadonlyMap<string, Readonly<Record<string, Tensor>>>): Network {
  return { name: net.name, nodes: net.nodes.map((n) => (params.has(n.id) ? { ...n, params: params.get(n.id)! } : n)) };
}

// A compact way to build chain networks from TypeScript (stdlib models, tests, benches):
// `sequential("lenet", [1, 28, 28], [conv(6, 5, { pad: 2 }), "relu", avgpool(2), ...])`, with
// generated ids (conv1, relu1, ...). The language builds its networks through shapes.ts itself.

import { SpikelabError } from "../errors.ts";
import type { Network, Op, Pair } from "../ir/network.ts";
import { buildNetwork, type NodeSpec } from "../ir/shapes.ts";

export type Layer = Op | "relu" | "sigmoid" | "silu" | "softmax" | "flatten" | "globalavgpool";

const pair = (v: number | Pair): Pair => (typeof v === "number" ? [v, v] : v);

export function conv(filters: number, kernel: number | Pair, o: { stride?: number | Pair; pad?: number | Pair; groups?: number; bias?: boolean } = {}): Op {
  return { kind: "conv", filters, kernel: pair(kernel), stride: pair(o.stride ?? 1), padding: pair(o.pad ?? 0), groups: o.groups ?? 1, bias: o.bias ?? true };
}

export function dense(units: number, o: { bias?: boolean } = {}): Op {
  return { kind: "dense", units, bias: o.bias ?? true };
}

export function avgpool(kernel: number | Pair, o: { stride?: number | Pair; pad?: number | Pair } = {}): Op {
  return { kind: "avgpool", kernel: pair(kernel), stride: pair(o.stride ?? kernel), padding: pair(o.pad ?? 0) };
}

export function maxpool(kernel: number | Pair, o: { stride?: number | Pair; pad?: number | Pair } = {}): Op {
  return { kind: "maxpool", kernel: pair(kernel), stride: pair(o.stride ?? kernel), padding: pair(o.pad ?? 0) };
}

/** Batch norm; momentum uses PyTorch's convention (running ← (1 − m)·running + m·batch). */
export function batchnorm(o: { eps?: number; momentum?: number } = {}): Op {
  return { kind: "batchnorm", eps: o.eps ?? 1e-5, momentum: o.momentum ?? 0.1 };
}

export function dropout(rate: number): Op {
  return { kind: "dropout", rate };
}

/** Node specs of a chain with generated ids; throws the first shape error. */
export function sequentialSpecs(inputShape: readonly number[], layers: readonly Layer[]): NodeSpec[] {
  const specs: NodeSpec[] = [{ id: "input", op: { kind: "input", shape: [...inputShape] }, inputs: [] }];
  const counts = new Map<string, number>();
  for (const l of layers) {
    const op: Op = typeof l === "string" ? ({ kind: l } as Op) : l;
    const n = (counts.get(op.kind) ?? 0) + 1;
    counts.set(op.kind, n);
    specs.push({ id: `${op.kind}${n}`, op, inputs: [specs[specs.length - 1]!.id] });
  }
  return specs;
}

/** Builds a parameter-less chain network (initialise or load it before running). */
export function sequential(name: string, inputShape: readonly number[], layers: readonly Layer[]): Network {
  return built(name, sequentialSpecs(inputShape, layers));
}

/** buildNetwork that throws its first error instead of returning a list. */
export function built(name: string, specs: readonly NodeSpec[]): Network {
  const r = buildNetwork(name, specs);
  if (r.network === undefined) throw r.errors[0] ?? new SpikelabError("shape", `network '${name}' could not be built`);
  return r.network;
}

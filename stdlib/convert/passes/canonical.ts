// Brings an ANN into the form the rate and later passes expect: batch norm folded, dropout
// removed, and `linear → maxpool → relu` turned into `linear → relu → maxpool` (exact: ReLU is
// monotone, so it commutes with max). It also names the "activation points": the nodes whose
// values a spiking layer's firing rates stand for. It must not change the network's function.

import { SpikelabError } from "../../errors.ts";
import { hasWeights, type Network, type Node } from "../../ir/network.ts";
import { foldBatchNorm, removeDropout } from "./fold.ts";
import { readerCount } from "./graph.ts";

const isLinear = (n: Node): boolean => hasWeights(n.op) || n.op.kind === "add";

/** Swaps each `maxpool` whose input is linear (conv, dense, add) and whose only reader is a ReLU. */
export function reluBeforeMaxpool(net: Network): Network {
  let out = net;
  for (;;) {
    const byId = new Map(out.nodes.map((n) => [n.id, n]));
    const pool = out.nodes.find((n) => {
      if (n.op.kind !== "maxpool") return false;
      const src = byId.get(n.inputs[0]!);
      if (src === undefined || !isLinear(src) || readerCount(out, src.id) !== 1 || readerCount(out, n.id) !== 1) return false;
      const reader = out.nodes.find((r) => r.inputs.includes(n.id));
      return reader?.op.kind === "relu";
    });
    if (pool === undefined) return out;
    const relu = out.nodes.find((r) => r.inputs.includes(pool.id))!;
    const src = byId.get(pool.inputs[0]!)!;
    // relu now reads the linear node (its shape), maxpool reads relu; readers of relu read maxpool.
    const newRelu: Node = { ...relu, inputs: [src.id], shape: [...src.shape] };
    const newPool: Node = { ...pool, inputs: [relu.id] };
    const nodes: Node[] = [];
    for (const n of out.nodes) {
      if (n.id === pool.id) nodes.push(newRelu, newPool);
      else if (n.id === relu.id) continue;
      else nodes.push(n.inputs.includes(relu.id) ? { ...n, inputs: n.inputs.map((i) => (i === relu.id ? pool.id : i)) } : n);
    }
    out = { name: out.name, nodes };
  }
}

/** Folded batch norm, no dropout, ReLU before max-pool. */
export function canonicalize(net: Network): Network {
  return reluBeforeMaxpool(removeDropout(foldBatchNorm(net)));
}

/** The node whose values are the network's output scores: the last node, or the input of a trailing softmax. */
export function scoreNode(net: Network): Node {
  const last = net.nodes[net.nodes.length - 1]!;
  if (last.op.kind !== "softmax") return last;
  return net.nodes.find((n) => n.id === last.inputs[0])!;
}

/**
 * An activation point: a ReLU (or the score node) and the linear nodes that compute its input —
 * the conv/dense layers and add nodes in front of it. In the normalised ANN all of them share
 * the activation point's λ; in the SNN they become one population and its incoming projections.
 */
export interface ActivationPoint {
  readonly node: Node;
  /** The conv/dense/add nodes feeding it, each read only by this group. */
  readonly linear: readonly Node[];
  readonly isOutput: boolean;
}

/** Activation points of a canonical network, in node order. Throws for shapes the rate family cannot map. */
export function activationPoints(net: Network): ActivationPoint[] {
  const byId = new Map(net.nodes.map((n) => [n.id, n]));
  const order = new Map(net.nodes.map((n, i) => [n.id, i]));
  const score = scoreNode(net);
  const out: ActivationPoint[] = [];
  const owner = new Map<string, string>();
  const group = (ap: Node, first: Node | undefined): Node[] => {
    const linear: Node[] = [];
    const stack = first === undefined ? [] : [first];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (!isLinear(n)) continue;
      if (owner.has(n.id) || (n.id !== ap.id && readerCount(net, n.id) !== 1)) {
        throw new SpikelabError("unsupported", `layer '${n.id}' feeds more than one layer before its activation`, { loc: n.loc, hint: "put a relu after it, or give each branch its own layer" });
      }
      owner.set(n.id, ap.id);
      linear.push(n);
      if (n.op.kind === "add") for (const i of n.inputs) stack.push(byId.get(i)!);
    }
    return linear.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  };
  for (const n of net.nodes) {
    if (n.op.kind === "relu") out.push({ node: n, linear: group(n, byId.get(n.inputs[0]!)), isOutput: n.id === score.id });
    else if (n.id === score.id && isLinear(n) && !owner.has(n.id)) out.push({ node: n, linear: group(n, n), isOutput: true });
  }
  return out;
}

// Small rewiring helpers the conversion passes share: drop a node and let its readers read
// its input instead, replace a node. They return new networks (the IR is immutable) and
// must not change any numbers.

import type { Network, Node } from "../../ir/network.ts";

/** A copy of `net` without node `id`; every reader of `id` reads `id`'s single input instead. */
export function bypass(net: Network, id: string): Network {
  const node = net.nodes.find((n) => n.id === id);
  if (node === undefined) throw new Error(`bypass: network ${net.name} has no node '${id}'`);
  if (node.inputs.length !== 1) throw new Error(`bypass: node '${id}' has ${node.inputs.length} inputs, not 1`);
  const to = node.inputs[0]!;
  const nodes: Node[] = [];
  for (const n of net.nodes) {
    if (n.id === id) continue;
    nodes.push(n.inputs.includes(id) ? { ...n, inputs: n.inputs.map((i) => (i === id ? to : i)) } : n);
  }
  return { name: net.name, nodes };
}

/** A copy of `net` with node `id` replaced by `node` (same id expected, readers unchanged). */
export function replaceNode(net: Network, id: string, node: Node): Network {
  return { name: net.name, nodes: net.nodes.map((n) => (n.id === id ? node : n)) };
}

/** How many nodes read node `id` (the output node counts one extra reader: the user). */
export function readerCount(net: Network, id: string): number {
  let k = 0;
  for (const n of net.nodes) for (const i of n.inputs) if (i === id) k++;
  return net.nodes[net.nodes.length - 1]?.id === id ? k + 1 : k;
}

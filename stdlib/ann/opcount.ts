// The ANN's operation count per sample, as every family reports it for the accuracy vs
// operations trade-off (PAPERS.md §1): 2 operations per multiply-accumulate plus 1 per biased
// neuron, over the layers with weights. Counting only: it must not run the network.

import type { LayerCount } from "../ir/results.ts";
import { hasWeights, type Network } from "../ir/network.ts";
import { sizeOf } from "../tensor/tensor.ts";

/**
 * Per layer with weights: 2·n·fan_in + n (+n only when biased), where n is the layer's output
 * count and fan_in = kH·kW·C_in/groups (conv; every output position, padded or not, as the
 * papers count) or the input size (dense). Pooling, batch norm (folded before conversion) and
 * activations are not counted.
 */
export function annOpsPerLayer(net: Network): LayerCount[] {
  const shapes = new Map(net.nodes.map((n) => [n.id, n.shape]));
  const out: LayerCount[] = [];
  for (const node of net.nodes) {
    const op = node.op;
    if (!hasWeights(op)) continue;
    const inShape = shapes.get(node.inputs[0]!)!;
    const n = sizeOf(node.shape);
    const fanIn = op.kind === "conv" ? op.kernel[0] * op.kernel[1] * (inShape[0]! / op.groups) : inShape[0]!;
    out.push({ layer: node.id, value: 2 * n * fanIn + (op.bias ? n : 0) });
  }
  return out;
}

/** Total operations per sample of the ANN (the sum of annOpsPerLayer). */
export function annOps(net: Network): number {
  return annOpsPerLayer(net).reduce((s, l) => s + l.value, 0);
}

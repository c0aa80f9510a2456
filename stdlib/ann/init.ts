// Seeded parameter initialisation for a network IR: He (normal, std √(2/fan_in)) for layers
// feeding a ReLU, Glorot (uniform, ±√(6/(fan_in+fan_out))) otherwise; zero biases; batch norm
// at the identity. The same seed gives the same weights. It must not train or read data.

import { consumers, hasWeights, type Network, type Node } from "../ir/network.ts";
import { paramShapes } from "../ir/shapes.ts";
import { sizeOf, type Tensor } from "../tensor/tensor.ts";
import { Rng } from "../data/rng.ts";

export type InitScheme = "auto" | "he" | "glorot";

/** fan_in and fan_out of a conv or dense layer (per output / input unit). */
export function fans(node: Node, inShape: readonly number[]): { fanIn: number; fanOut: number } {
  const op = node.op;
  if (op.kind === "conv") {
    const k = op.kernel[0] * op.kernel[1];
    return { fanIn: (inShape[0]! / op.groups) * k, fanOut: (op.filters / op.groups) * k };
  }
  if (op.kind === "dense") return { fanIn: inShape[0]!, fanOut: op.units };
  return { fanIn: 0, fanOut: 0 };
}

/** Whether a layer's output reaches a ReLU through only batch norm or dropout. */
function feedsRelu(net: Network, id: string, readers: Map<string, Node[]>): boolean {
  const next = readers.get(id) ?? [];
  if (next.length === 0) return false;
  return next.every((n) => n.op.kind === "relu" || ((n.op.kind === "batchnorm" || n.op.kind === "dropout") && feedsRelu(net, n.id, readers)));
}

/** A copy of `net` with fresh parameters for every conv, dense and batch-norm node. */
export function initialize(net: Network, options: { seed: number; scheme?: InitScheme }): Network {
  const rng = new Rng(options.seed);
  const scheme = options.scheme ?? "auto";
  const readers = consumers(net);
  const shapeOf = new Map(net.nodes.map((n) => [n.id, n.shape]));
  const nodes = net.nodes.map((node): Node => {
    const inShape = node.inputs.length > 0 ? shapeOf.get(node.inputs[0]!)! : node.shape;
    const shapes = paramShapes(node.op, inShape);
    if (Object.keys(shapes).length === 0) return node;
    const params: Record<string, Tensor> = {};
    for (const [name, shape] of Object.entries(shapes)) {
      const data = new Float32Array(sizeOf(shape));
      if (name === "gamma" || name === "var") data.fill(1);
      params[name] = { shape, data };
    }
    if (hasWeights(node.op)) {
      const { fanIn, fanOut } = fans(node, inShape);
      const he = scheme === "he" || (scheme === "auto" && feedsRelu(net, node.id, readers));
      const w = params.weight!.data;
      if (he) {
        const std = Math.sqrt(2 / fanIn);
        for (let i = 0; i < w.length; i++) w[i] = std * rng.normal();
      } else {
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        for (let i = 0; i < w.length; i++) w[i] = limit * (2 * rng.uniform() - 1);
      }
    }
    return { ...node, params };
  });
  return { name: net.name, nodes };
}

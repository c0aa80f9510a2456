// Structural passes every conversion family runs first: batch norm folded into the conv or
// dense layer before it, dropout removed. Pure functions over the network IR (float64 inside,
// float32 tensors out); they must not read data or know about spikes.

import { SpikelabError } from "../../errors.ts";
import { hasWeights, type Network, type Node } from "../../ir/network.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { bypass, readerCount } from "./graph.ts";

/** Per-channel affine map y = scale·x + shift of an inference-mode batch norm (κ = γ/√(σ²+ε), shift = β − κμ). */
export function batchNormAffine(bn: Node): { scale: Float64Array; shift: Float64Array } {
  if (bn.op.kind !== "batchnorm") throw new Error(`batchNormAffine: '${bn.id}' is a ${bn.op.kind}`);
  const { gamma, beta, mean, var: variance } = bn.params;
  if (gamma === undefined || beta === undefined || mean === undefined || variance === undefined) {
    throw new SpikelabError("param", `batch norm '${bn.id}' has no trained statistics (gamma, beta, mean, var)`, { loc: bn.loc, hint: "train or load the network before converting it" });
  }
  const c = gamma.data.length;
  const scale = new Float64Array(c);
  const shift = new Float64Array(c);
  for (let i = 0; i < c; i++) {
    const k = gamma.data[i]! / Math.sqrt(variance.data[i]! + bn.op.eps);
    scale[i] = k;
    shift[i] = beta.data[i]! - k * mean.data[i]!;
  }
  return { scale, shift };
}

/**
 * Folds every batch norm that directly follows a conv or dense layer (read by nothing else)
 * into that layer: W' = κW per output channel, b' = κ(b − μ) + β. The folded layer takes the
 * batch norm's place in the node order and keeps its own id; readers of the batch norm read it.
 * Batch norms elsewhere (after a ReLU, after pooling, on the input) are left in place for the
 * family to handle or refuse.
 */
export function foldBatchNorm(net: Network): Network {
  let out = net;
  for (const bn of net.nodes) {
    if (bn.op.kind !== "batchnorm") continue;
    const prev = out.nodes.find((n) => n.id === bn.inputs[0]);
    if (prev === undefined || !hasWeights(prev.op) || readerCount(out, prev.id) !== 1) continue;
    const w = prev.params.weight;
    if (w === undefined) throw new SpikelabError("param", `layer '${prev.id}' has no weights`, { loc: prev.loc, hint: "train or load the network before converting it" });
    const { scale, shift } = batchNormAffine(bn);
    const outC = w.shape[0]!;
    if (scale.length !== outC) throw new SpikelabError("shape", `batch norm '${bn.id}' has ${scale.length} channels but '${prev.id}' has ${outC} outputs`, { loc: bn.loc });
    const per = w.data.length / outC;
    const wd = new Float32Array(w.data.length);
    const bd = new Float32Array(outC);
    const b = prev.params.bias;
    for (let o = 0; o < outC; o++) {
      const k = scale[o]!;
      for (let j = o * per; j < (o + 1) * per; j++) wd[j] = k * w.data[j]!;
      bd[o] = k * (b === undefined ? 0 : b.data[o]!) + shift[o]!;
    }
    const weight: Tensor = { shape: [...w.shape], data: wd };
    const bias: Tensor = { shape: [outC], data: bd };
    const folded: Node = { ...prev, op: { ...prev.op, bias: true }, params: { ...prev.params, weight, bias } };
    // Move the folded layer to the batch norm's slot: nothing between them reads it, so the order stays topological.
    const nodes: Node[] = [];
    for (const n of out.nodes) {
      if (n.id === prev.id) continue;
      if (n.id === bn.id) nodes.push(folded);
      else nodes.push(n.inputs.includes(bn.id) ? { ...n, inputs: n.inputs.map((i) => (i === bn.id ? prev.id : i)) } : n);
    }
    out = { name: out.name, nodes };
  }
  return out;
}

/** Removes every dropout node (inference is the identity). */
export function removeDropout(net: Network): Network {
  let out = net;
  for (const n of net.nodes) {
    if (n.op.kind !== "dropout") continue;
    const last = out.nodes[out.nodes.length - 1]!.id === n.id;
    out = bypass(out, n.id);
    // A trailing dropout: its input becomes the output, so move it last to keep "last node = output".
    if (last) {
      const src = out.nodes.find((x) => x.id === n.inputs[0])!;
      out = { name: out.name, nodes: [...out.nodes.filter((x) => x.id !== src.id), src] };
    }
  }
  return out;
}

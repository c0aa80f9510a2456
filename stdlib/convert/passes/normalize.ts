// Normalisation of a ReLU network for rate coding (Rueckauer et al. 2016/2017, Diehl et al.
// 2015; PAPERS.md §1): one scale λ per activation point (layer-wise) or per output channel
// (channel-wise), from the p-th percentile / max of its non-zero activations over a data slice,
// or from the weights (max-norm); then W ← W·λ_prev/λ, b ← b/λ. It computes scales and a new
// network; it must not run the ANN itself (the caller passes an activation stream) or know spikes.

import { SpikelabError } from "../../errors.ts";
import { hasWeights, type Network, type Node } from "../../ir/network.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { activationPoints, type ActivationPoint } from "./canonical.ts";
import { PositivePercentile } from "./percentile.ts";

/** The layers the rate family maps, as a hint for what it refuses. */
export const RATE_SUPPORTED = "the rate family maps conv, dense, relu, avgpool, maxpool, globalavgpool, flatten, concat, add, batch norm after a conv or dense layer (folded), dropout and a final softmax";

export type NormMethod = "percentile" | "max" | "weights" | "none";

export interface NormalizeOptions {
  readonly method: NormMethod;
  /** p for `percentile` (ignored otherwise). */
  readonly percentile: number;
  readonly scope: "layerwise" | "channelwise";
  /** Scale the output layer like the hidden ones (else λ_out = 1, as the authors' code). */
  readonly normalizeOutput: boolean;
}

/**
 * Runs the network over the normalisation data and hands each requested node's output to
 * `visit` batch by batch (values: batch × per-sample size, sample-major). Called once, or twice
 * for a percentile below 100; it must produce the same values both times.
 */
export type ActivationStream = (nodes: readonly string[], visit: (node: string, values: ArrayLike<number>, batch: number) => void) => Promise<void>;

export interface Normalization {
  /** The normalised ANN: same structure (plus scale nodes on residual shortcuts), computing a_l/λ_l. */
  readonly network: Network;
  /** λ per node and channel (channels: shape[0]; a vector's features are its channels). */
  readonly lambda: ReadonlyMap<string, Float64Array>;
  readonly points: readonly ActivationPoint[];
  /** Activation points whose λ fell back to 1 (no positive activation seen). */
  readonly dead: readonly string[];
}

const channelsOf = (n: Node): number => n.shape[0]!;
const positionsOf = (n: Node): number => n.shape.slice(1).reduce((a, b) => a * b, 1);
const fill = (c: number, v: number): Float64Array => new Float64Array(c).fill(v);

/** λ per activation point from data (percentile/max of non-zero activations) or from the weights. */
export async function pointScales(net: Network, points: readonly ActivationPoint[], opts: NormalizeOptions, stream: ActivationStream | undefined): Promise<{ scales: Map<string, Float64Array>; dead: string[] }> {
  const scales = new Map<string, Float64Array>();
  const dead: string[] = [];
  if (opts.method === "none") {
    for (const ap of points) scales.set(ap.node.id, fill(channelsOf(ap.node), 1));
    return { scales, dead };
  }
  if (opts.method === "weights") {
    const lam = propagateWith(net, points, (ap, lamOf) => {
      const bound = weightBound(ap, lamOf);
      const channelwise = opts.scope === "channelwise" && !ap.isOutput;
      if (ap.isOutput && !opts.normalizeOutput) return fill(bound.length, 1);
      const m = Math.max(...bound);
      return channelwise ? bound.map((b) => (b > 0 ? b : m > 0 ? m : 1)) : fill(bound.length, m > 0 ? m : 1);
    });
    for (const ap of points) scales.set(ap.node.id, lam.get(ap.node.id)!);
    return { scales, dead };
  }
  if (stream === undefined) throw new Error("pointScales: data-based normalisation needs an activation stream");
  const p = opts.method === "max" ? 100 : opts.percentile;
  const wanted = points.filter((ap) => !ap.isOutput || opts.normalizeOutput);
  const stats = new Map<string, { ap: ActivationPoint; pp: PositivePercentile; layer: PositivePercentile }>();
  for (const ap of wanted) {
    const channelwise = opts.scope === "channelwise" && !ap.isOutput;
    stats.set(ap.node.id, { ap, pp: new PositivePercentile(channelwise ? channelsOf(ap.node) : 1, p), layer: new PositivePercentile(1, p) });
  }
  const visit = (id: string, values: ArrayLike<number>, batch: number): void => {
    const s = stats.get(id);
    if (s === undefined) return;
    const size = s.ap.node.shape.reduce((a, b) => a * b, 1);
    s.layer.add(0, values, 0, batch * size);
    if (s.pp.groups === 1) return;
    const hw = positionsOf(s.ap.node);
    for (let b = 0; b < batch; b++) for (let c = 0; c < s.pp.groups; c++) s.pp.add(c, values, b * size + c * hw, hw);
  };
  const ids = wanted.map((ap) => ap.node.id);
  await stream(ids, visit);
  if (p < 100) {
    for (const s of stats.values()) {
      s.pp.nextPass();
      s.layer.nextPass();
    }
    await stream(ids, visit);
  }
  for (const ap of points) {
    const c = channelsOf(ap.node);
    const s = stats.get(ap.node.id);
    if (s === undefined) {
      scales.set(ap.node.id, fill(c, 1));
      continue;
    }
    const layer = s.layer.result()[0]!;
    if (Number.isNaN(layer)) dead.push(ap.node.id);
    const layerLam = Number.isNaN(layer) ? 1 : layer;
    if (s.pp.groups === 1) scales.set(ap.node.id, fill(c, layerLam));
    else scales.set(ap.node.id, s.pp.result().map((v) => (Number.isNaN(v) ? layerLam : v)));
  }
  return { scales, dead };
}

/** Per output channel: the largest input one step can bring, Σ max(0, W·λ_in) + max(0, b) (Diehl et al.'s model-based bound). */
function weightBound(ap: ActivationPoint, lamOf: (id: string) => Float64Array): Float64Array {
  const c = channelsOf(ap.node);
  const bound = new Float64Array(c);
  const inGroup = new Set(ap.linear.map((n) => n.id));
  for (const n of ap.linear) {
    if (n.op.kind === "add") {
      for (const i of n.inputs) {
        if (inGroup.has(i)) continue;
        const lam = lamOf(i);
        for (let o = 0; o < c; o++) bound[o]! += lam[o]!;
      }
      continue;
    }
    const w = n.params.weight!;
    const lamIn = lamOf(n.inputs[0]!);
    const per = w.data.length / c;
    const inPer = n.op.kind === "conv" ? w.shape[1]! : w.shape[1]!;
    const taps = n.op.kind === "conv" ? w.shape[2]! * w.shape[3]! : 1;
    const outPerGroup = n.op.kind === "conv" ? c / n.op.groups : c;
    for (let o = 0; o < c; o++) {
      const g0 = Math.floor(o / outPerGroup) * inPer;
      let s = 0;
      for (let j = 0; j < per; j++) {
        const v = w.data[o * per + j]! * lamIn[g0 + Math.floor(j / taps)]!;
        if (v > 0) s += v;
      }
      const b = n.params.bias?.data[o] ?? 0;
      bound[o]! += s + Math.max(0, b);
    }
  }
  return bound;
}

/**
 * λ of every node, in node order: the input's is 1; an activation point's comes from `scale`
 * (which may read earlier λ); its linear nodes share it; pooling and softmax keep their input's,
 * flatten spreads each channel's over its features, concat joins its branches'.
 */
function propagateWith(net: Network, points: readonly ActivationPoint[], scale: (ap: ActivationPoint, lamOf: (id: string) => Float64Array) => Float64Array): Map<string, Float64Array> {
  const lam = new Map<string, Float64Array>();
  const apOf = new Map(points.map((ap) => [ap.node.id, ap]));
  const linearOwner = new Map<string, ActivationPoint>();
  for (const ap of points) for (const n of ap.linear) linearOwner.set(n.id, ap);
  const lamOf = (id: string): Float64Array => {
    const v = lam.get(id);
    if (v === undefined) {
      const n = net.nodes.find((x) => x.id === id)!;
      throw new SpikelabError("unsupported", `layer '${id}' (${n.op.kind}) is read before its activation`, { loc: n.loc, hint: "rate conversion needs a relu after each conv/dense layer that another layer reads" });
    }
    return v;
  };
  for (const n of net.nodes) {
    const ap = apOf.get(n.id);
    if (ap !== undefined) {
      const l = scale(ap, lamOf);
      lam.set(n.id, l);
      for (const x of ap.linear) lam.set(x.id, l);
      continue;
    }
    if (linearOwner.has(n.id)) continue;
    switch (n.op.kind) {
      case "input":
        lam.set(n.id, fill(channelsOf(n), 1));
        break;
      case "avgpool":
      case "maxpool":
      case "globalavgpool":
      case "softmax":
      case "dropout":
        lam.set(n.id, lamOf(n.inputs[0]!));
        break;
      case "flatten": {
        const src = net.nodes.find((x) => x.id === n.inputs[0])!;
        const l = lamOf(src.id);
        const hw = positionsOf(src);
        const out = new Float64Array(n.shape[0]!);
        for (let i = 0; i < out.length; i++) out[i] = l[Math.floor(i / hw)]!;
        lam.set(n.id, out);
        break;
      }
      case "concat": {
        const parts = n.inputs.map(lamOf);
        const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
        let off = 0;
        for (const p of parts) {
          out.set(p, off);
          off += p.length;
        }
        lam.set(n.id, out);
        break;
      }
      default:
        throw new SpikelabError("unsupported", `rate conversion cannot map a ${n.op.kind} layer here ('${n.id}')`, {
          loc: n.loc,
          hint: n.op.kind === "batchnorm" ? "put batch norm directly after a conv or dense layer so it can be folded" : RATE_SUPPORTED,
        });
    }
  }
  return lam;
}

/** W'[o, i, …] = W[o, i, …]·λ_in[i]/λ[o], b' = b/λ[o] for one conv/dense node. */
function scaleLayer(n: Node, lamIn: Float64Array, lamOut: Float64Array): Node {
  const w = n.params.weight;
  if (w === undefined) throw new SpikelabError("param", `layer '${n.id}' has no weights`, { loc: n.loc, hint: "train or load the network before converting it" });
  const c = w.shape[0]!;
  const per = w.data.length / c;
  const inPer = w.shape[1]!;
  const taps = n.op.kind === "conv" ? w.shape[2]! * w.shape[3]! : 1;
  const outPerGroup = n.op.kind === "conv" ? c / n.op.groups : c;
  const wd = new Float32Array(w.data.length);
  for (let o = 0; o < c; o++) {
    const g0 = Math.floor(o / outPerGroup) * inPer;
    const lo = lamOut[o]!;
    for (let j = 0; j < per; j++) wd[o * per + j] = (w.data[o * per + j]! * lamIn[g0 + Math.floor(j / taps)]!) / lo;
  }
  const params: Record<string, Tensor> = { ...n.params, weight: { shape: [...w.shape], data: wd } };
  const b = n.params.bias;
  if (b !== undefined) params.bias = { shape: [...b.shape], data: b.data.map((v, o) => v / lamOut[o]!) };
  return { ...n, params };
}

/** The network computing a/λ at every node, given λ per activation point (see pointScales). */
export function applyScales(net: Network, points: readonly ActivationPoint[], scales: ReadonlyMap<string, Float64Array>): { network: Network; lambda: Map<string, Float64Array> } {
  const lambda = propagateWith(net, points, (ap) => scales.get(ap.node.id)!);
  const nodes: Node[] = [];
  for (const n of net.nodes) {
    if (hasWeights(n.op)) {
      nodes.push(scaleLayer(n, lambda.get(n.inputs[0]!)!, lambda.get(n.id)!));
      continue;
    }
    if (n.op.kind !== "add") {
      nodes.push(n);
      continue;
    }
    // A residual shortcut carries its own λ: rescale it by λ_in/λ_add with a depthwise 1x1 conv.
    const lamAdd = lambda.get(n.id)!;
    const inputs = n.inputs.map((id, k) => {
      const src = net.nodes.find((x) => x.id === id)!;
      if (hasWeights(src.op) || src.op.kind === "add") return id;
      const lamIn = lambda.get(id)!;
      if (lamIn.every((v, c) => v === lamAdd[c])) return id;
      if (n.shape.length !== 3) throw new SpikelabError("unsupported", `the shortcut into '${n.id}' needs rescaling, which rate conversion supports for images only`, { loc: n.loc, hint: "use normalize none, or a dense layer on the shortcut" });
      const c = n.shape[0]!;
      const id2 = `${n.id}_scale${k}`;
      const weight: Tensor = { shape: [c, 1, 1, 1], data: Float32Array.from(lamIn, (v, i) => v / lamAdd[i]!) };
      nodes.push({ id: id2, op: { kind: "conv", filters: c, kernel: [1, 1], stride: [1, 1], padding: [0, 0], groups: c, bias: false }, inputs: [id], shape: [...src.shape], params: { weight } });
      lambda.set(id2, lamAdd);
      return id2;
    });
    nodes.push({ ...n, inputs });
  }
  return { network: { name: net.name, nodes }, lambda };
}

/** λ for a canonical network (see canonicalize) and the normalised network it gives. */
export async function normalize(net: Network, opts: NormalizeOptions, stream: ActivationStream | undefined): Promise<Normalization> {
  const points = activationPoints(net);
  const { scales, dead } = await pointScales(net, points, opts, stream);
  const { network, lambda } = applyScales(net, points, scales);
  return { network, lambda, points, dead };
}

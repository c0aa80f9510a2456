// Turns a ReLU network (the IR) into the exact-TTFS canonical chain, in float64 (PAPERS.md §3,
// pre-processing 1–2): the input range folded into the first layer, batch norm folded before a
// ReLU (into the layer) and after it (into the next layer, with position-dependent biases where
// zero padding must not receive the shift), dropout dropped, average pooling as a linear stage.
// It must not change the network's function, read data or know about spike times.

import { SpikelabError } from "../../errors.ts";
import { consumers, type Network, type Node } from "../../ir/network.ts";
import { sizeOf } from "../../tensor/tensor.ts";
import { batchNormAffine } from "../passes/fold.ts";
import { chw, conv64, convOut, type Canonical, type LinearGeometry, type LinearStage, type PoolStage, type Stage } from "./stages.ts";

/** x_ann = kappa·x_canonical + beta, element by element over the current shape: a batch norm (or the input range) not yet folded. */
interface Affine {
  readonly kappa: Float64Array;
  readonly beta: Float64Array;
}

const unsupported = (node: Node, message: string, hint: string): SpikelabError =>
  new SpikelabError("unsupported", `exact TTFS conversion: layer '${node.id}' (${node.op.kind}) ${message}`, { ...(node.loc ? { loc: node.loc } : {}), hint });

/** Per-channel values of a per-position array, or undefined if they vary inside a channel. */
function perChannel(values: Float64Array, shape: readonly number[]): Float64Array | undefined {
  const [c, h, w] = chw(shape);
  const hw = h * w;
  const out = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const v = values[ch * hw]!;
    for (let k = 1; k < hw; k++) if (values[ch * hw + k] !== v) return undefined;
    out[ch] = v;
  }
  return out;
}

function f64(node: Node, name: string): Float64Array {
  const t = node.params[name];
  if (t === undefined) {
    throw new SpikelabError("param", `layer '${node.id}' has no ${name}`, { ...(node.loc ? { loc: node.loc } : {}), hint: "train or load the network before converting it" });
  }
  return Float64Array.from(t.data);
}

/** A conv or dense node as a linear stage, with a pending affine map of its input folded in. */
function linearFromNode(node: Node, inShape: readonly number[], pending: Affine | undefined): LinearStage {
  const op = node.op;
  if (op.kind !== "conv" && op.kind !== "dense") throw new Error("linearFromNode: not a conv/dense");
  const w = f64(node, "weight");
  const bias0 = op.bias ? f64(node, "bias") : new Float64Array(node.shape[0]!);
  const outShape = node.shape;
  const n = sizeOf(outShape);
  const bias = new Float64Array(n);
  const per = n / bias0.length;
  for (let i = 0; i < n; i++) bias[i] = bias0[Math.floor(i / per)]!;
  const geometry: LinearGeometry = op.kind === "dense" ? { kind: "dense" } : { kind: "conv", kernel: op.kernel, stride: op.stride, padding: op.padding, groups: op.groups };
  const weightShape = node.params.weight!.shape;
  if (pending !== undefined) {
    if (geometry.kind === "dense") {
      const inF = sizeOf(inShape);
      for (let o = 0; o < n; o++) {
        let s = 0;
        for (let j = 0; j < inF; j++) {
          s += w[o * inF + j]! * pending.beta[j]!;
          w[o * inF + j] = w[o * inF + j]! * pending.kappa[j]!;
        }
        bias[o] = bias[o]! + s;
      }
    } else {
      const kappa = perChannel(pending.kappa, inShape);
      if (kappa === undefined) throw unsupported(node, "reads a batch norm whose scale varies inside a channel", "apply the batch norm per channel (before flatten)");
      // The shift reaches only real taps: convolving it with zero padding gives each position its own bias.
      const shift = new Float64Array(n);
      conv64(pending.beta, inShape, w, weightShape, geometry, shift);
      for (let i = 0; i < n; i++) bias[i] = bias[i]! + shift[i]!;
      const [inC] = chw(inShape);
      const icg = inC / geometry.groups;
      const outC = weightShape[0]!;
      const ocg = outC / geometry.groups;
      const taps = geometry.kernel[0] * geometry.kernel[1];
      for (let oc = 0; oc < outC; oc++) {
        for (let ic = 0; ic < icg; ic++) {
          const k = kappa[Math.floor(oc / ocg) * icg + ic]!;
          const base = (oc * icg + ic) * taps;
          for (let t = 0; t < taps; t++) w[base + t] = w[base + t]! * k;
        }
      }
    }
  }
  return { kind: "linear", id: node.id, origin: op.kind, geometry, inShape, outShape, weight: w, weightShape, bias, relu: false };
}

/** Average pooling over non-negative inputs as a depthwise linear stage (weights 1/(kH·kW), zero padding, no bias). */
function avgPoolStage(node: Node, inShape: readonly number[]): LinearStage {
  const [c, h, w] = chw(inShape);
  const op = node.op;
  const geometry: Extract<LinearGeometry, { kind: "conv" }> =
    op.kind === "avgpool" ? { kind: "conv", kernel: op.kernel, stride: op.stride, padding: op.padding, groups: c } : { kind: "conv", kernel: [h, w], stride: [1, 1], padding: [0, 0], groups: c };
  const taps = geometry.kernel[0] * geometry.kernel[1];
  const weight = new Float64Array(c * taps).fill(1 / taps);
  const outShape = node.shape;
  return { kind: "linear", id: node.id, origin: op.kind === "avgpool" ? "avgpool" : "globalavgpool", geometry, inShape, outShape, weight, weightShape: [c, 1, ...geometry.kernel], bias: new Float64Array(sizeOf(outShape)), relu: true };
}

/** Reads the network as a chain (each layer read by the next only); throws on branches. */
function chain(net: Network): readonly Node[] {
  const readers = consumers(net);
  net.nodes.forEach((n, i) => {
    if (i > 0 && n.inputs.length !== 1) throw unsupported(n, "joins branches", "the exact TTFS mapping here covers chains of layers; remove concat/add");
    const r = readers.get(n.id) ?? [];
    const next = net.nodes[i + 1];
    if (next !== undefined && (r.length !== 1 || r[0] !== next || next.inputs[0] !== n.id)) {
      throw unsupported(n, "is read by other layers than the next one", "the exact TTFS mapping here covers chains of layers without branches");
    }
  });
  return net.nodes;
}

/**
 * The canonical chain of `net`. `inputRange` [p, q] is the range the ANN expects; the SNN gets
 * u = (x − p)/(q − p) in [0, 1], folded into the first layer as x = p + (q − p)·u.
 */
export function canonicalize(net: Network, inputRange: readonly [number, number] = [0, 1]): Canonical {
  const nodes = chain(net);
  const notes: string[] = [];
  const stages: Stage[] = [];
  let shape: readonly number[] = [];
  let pending: Affine | undefined;
  // A linear stage whose ReLU has not come yet, and max pools between it and that ReLU.
  let open: LinearStage | undefined;
  let openPools: PoolStage[] = [];
  // Whether the current values are known to be non-negative (after a ReLU, or the input in [0, 1]).
  let nonNegative = true;
  let softmaxSeen = false;
  const last = nodes[nodes.length - 1];

  for (const node of nodes) {
    const op = node.op;
    if (softmaxSeen) throw unsupported(node, "follows a softmax", "softmax must be the network's last layer");
    switch (op.kind) {
      case "input": {
        shape = op.shape;
        const [p, q] = inputRange;
        if (!(q > p)) throw new SpikelabError("param", `exact TTFS conversion: input_range [${p}, ${q}] must have q > p`, { hint: "write input_range: [0, 1] for images in [0, 1]" });
        if (p !== 0 || q !== 1) {
          const n = sizeOf(shape);
          pending = { kappa: new Float64Array(n).fill(q - p), beta: new Float64Array(n).fill(p) };
          notes.push(`input range [${p}, ${q}] folded into the first layer`);
        }
        break;
      }
      case "dropout":
        notes.push(`dropout '${node.id}' removed`);
        break;
      case "flatten":
        shape = node.shape;
        break;
      case "batchnorm": {
        const { scale, shift } = batchNormAffine(node);
        if (open !== undefined) {
          // Before the ReLU: fold into the layer (per output channel); a negative scale turns the pools in between into min-pools.
          const n = open.bias.length;
          const outC = open.geometry.kind === "dense" ? n : open.weightShape[0]!;
          if (chw(shape)[0] !== outC) throw unsupported(node, `normalises '${open.id}' after a flatten`, "apply the batch norm before the flatten");
          if (scale.length !== outC) throw unsupported(node, `has ${scale.length} channels but its input has ${outC}`, "check the network's shapes");
          const chOf = (i: number): number => Math.floor(i / (n / outC));
          // The pools between the layer and this batch norm keep the channel count.
          for (let i = 0; i < n; i++) open.bias[i] = scale[chOf(i)]! * open.bias[i]! + shift[chOf(i)]!;
          const per = open.weight.length / outC;
          for (let o = 0; o < outC; o++) for (let k = 0; k < per; k++) open.weight[o * per + k] = open.weight[o * per + k]! * scale[o]!;
          for (const p of openPools) for (let c = 0; c < outC; c++) if (scale[c]! < 0) p.latest[c] = 1 - p.latest[c]!;
          notes.push(`batch norm '${node.id}' folded into '${open.id}'`);
        } else {
          const n = sizeOf(shape);
          const [c, h, w] = chw(shape);
          if (scale.length !== c) throw unsupported(node, `has ${scale.length} channels but its input has ${c}`, "check the network's shapes");
          const kappa = pending?.kappa ?? new Float64Array(n).fill(1);
          const beta = pending?.beta ?? new Float64Array(n);
          const hw = h * w;
          for (let i = 0; i < n; i++) {
            const ch = Math.floor(i / hw);
            kappa[i] = scale[ch]! * kappa[i]!;
            beta[i] = scale[ch]! * beta[i]! + shift[ch]!;
          }
          pending = { kappa, beta };
          nonNegative = false;
          notes.push(`batch norm '${node.id}' folded into the next layer`);
        }
        break;
      }
      case "relu": {
        if (open !== undefined) {
          stages.push({ ...open, relu: true });
          stages.push(...openPools);
          open = undefined;
          openPools = [];
          nonNegative = true;
        } else if (!nonNegative || pending !== undefined) {
          throw unsupported(node, "does not follow a conv or dense layer", "the exact mapping needs each ReLU right after a conv or dense layer (batch norm and max pooling may sit between)");
        }
        break;
      }
      case "conv":
      case "dense": {
        if (open !== undefined) throw unsupported(node, `follows '${open.id}' without a ReLU between them`, "add `-> relu` after every hidden conv or dense layer");
        if (!nonNegative && pending === undefined) throw unsupported(node, "reads values that may be negative", "put a ReLU before it");
        open = linearFromNode(node, shape, pending);
        pending = undefined;
        openPools = [];
        shape = node.shape;
        break;
      }
      case "maxpool": {
        const [c] = chw(shape);
        const pool: PoolStage = { kind: "maxpool", id: node.id, kernel: op.kernel, stride: op.stride, padding: op.padding, inShape: shape, outShape: node.shape, latest: new Uint8Array(c) };
        if (open !== undefined) {
          // Before the ReLU: max commutes with ReLU, so the pool moves after it.
          openPools.push(pool);
        } else {
          if (pending !== undefined) {
            const kappa = perChannel(pending.kappa, shape);
            const beta = perChannel(pending.beta, shape);
            if (kappa === undefined || beta === undefined) throw unsupported(node, "pools values whose pending batch-norm shift varies by position", "move the batch norm after the pooling");
            for (let ch = 0; ch < c; ch++) if (kappa[ch]! < 0) pool.latest[ch] = 1;
            const n = sizeOf(node.shape);
            const hw = n / c;
            const k2 = new Float64Array(n), b2 = new Float64Array(n);
            for (let i = 0; i < n; i++) {
              k2[i] = kappa[Math.floor(i / hw)]!;
              b2[i] = beta[Math.floor(i / hw)]!;
            }
            pending = { kappa: k2, beta: b2 };
          } else if (!nonNegative) {
            throw unsupported(node, "pools values that may be negative", "put a ReLU before it");
          }
          stages.push(pool);
        }
        shape = node.shape;
        break;
      }
      case "avgpool":
      case "globalavgpool": {
        if (open !== undefined) throw unsupported(node, `averages '${open.id}' before its ReLU`, "put the ReLU before the average pooling (they do not commute)");
        const stage = avgPoolStage(node, shape);
        if (pending !== undefined) {
          // avg(κx + β) = κ·avg(x) + avg(β) with the zero padding counted: the shift moves on, position by position.
          const kappa = perChannel(pending.kappa, shape);
          if (kappa === undefined) throw unsupported(node, "averages values whose pending batch-norm scale varies inside a channel", "apply the batch norm per channel");
          const n = sizeOf(node.shape);
          const beta = new Float64Array(n);
          conv64(pending.beta, shape, stage.weight, stage.weightShape, stage.geometry as Extract<LinearGeometry, { kind: "conv" }>, beta);
          const [c] = chw(shape);
          const kap = new Float64Array(n);
          for (let i = 0; i < n; i++) kap[i] = kappa[Math.floor(i / (n / c))]!;
          pending = { kappa: kap, beta };
        } else if (!nonNegative) {
          throw unsupported(node, "averages values that may be negative", "put a ReLU before it");
        }
        stages.push(stage);
        shape = node.shape;
        break;
      }
      case "softmax":
        if (node !== last) throw unsupported(node, "is not the last layer", "softmax may only end the network");
        softmaxSeen = true;
        notes.push(`softmax '${node.id}' dropped (it does not change the argmax)`);
        break;
      case "sigmoid":
      case "silu":
        throw unsupported(node, "is not a ReLU", "the exact TTFS mapping covers ReLU networks; convert this one with the AMOS family");
      case "concat":
      case "add":
        throw unsupported(node, "joins branches", "the exact TTFS mapping here covers chains of layers");
    }
  }

  let outputRelu = false;
  if (open !== undefined) {
    if (openPools.length > 0) throw unsupported(nodes[nodes.length - 1]!, "max-pools the logits", "end the network with a conv or dense layer");
    stages.push(open);
  } else {
    // The network ends in a ReLU: the last hidden layer becomes the read-out and the ReLU is applied to the potentials.
    const tail = stages[stages.length - 1];
    if (tail === undefined || tail.kind !== "linear" || tail.origin === "avgpool" || tail.origin === "globalavgpool" || pending !== undefined) {
      throw unsupported(last!, "ends the network", "end the network with a conv or dense layer giving the logits");
    }
    stages[stages.length - 1] = { ...tail, relu: false };
    outputRelu = true;
    notes.push("the logits pass through a ReLU: the prediction is argmax of ReLU(potential)");
  }
  if (!stages.some((s) => s.kind === "linear")) throw unsupported(last!, "leaves no conv or dense layer", "the network needs at least one conv or dense layer");
  validateShapes(stages);
  return { inputShape: nodes[0]!.shape, stages, outputRelu, notes };
}

/** Conv stages' geometry must produce their recorded output shapes (a bug guard, cheap). */
function validateShapes(stages: readonly Stage[]): void {
  for (const s of stages) {
    if (s.kind === "linear" && s.geometry.kind === "conv") {
      const o = convOut(s.inShape, s.weightShape[0]!, s.geometry);
      if (sizeOf(o) !== sizeOf(s.outShape)) throw new Error(`canonicalize: stage ${s.id} shape ${o.join("x")} != ${s.outShape.join("x")}`);
    }
  }
}

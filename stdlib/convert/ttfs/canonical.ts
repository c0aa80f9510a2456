// Turns a ReLU network (the IR, a DAG) into the exact-TTFS canonical DAG, in float64 (PAPERS.md
// §3, pre-processing 1–2): the input range folded into the first layers, batch norm folded before
// a ReLU (into the layer) and after it (into the next layers, with position-dependent biases where
// zero padding must not receive the shift), dropout dropped, average pooling as a linear stage, a
// residual `add` as one layer with several inputs (each branch's last linear op, or an identity
// input for a tensor already through its ReLU; biases summed), a `concat` as one layer whose
// channel slices come from the branches. It must not change the network's function, read data,
// or know about spike times or windows (align.ts delays inputs into the right window).

import { SpikelabError } from "../../errors.ts";
import { consumers, type Network, type Node } from "../../ir/network.ts";
import { sizeOf } from "../../tensor/tensor.ts";
import { batchNormAffine } from "../passes/fold.ts";
import { avgPoolInput, composeIdentity, foldBatchNorm, identityExpression, identityOnly, linearFromNode, nonNegative, perChannel, unsupported, type Affine, type Expression } from "./linear.ts";
import { chw, conv64, convOut, type Canonical, type LinearGeometry, type LinearStage, type PoolStage, type Stage } from "./stages.ts";

/**
 * What a node's output is, canonically. `post`: a stage's output (≥ 0; −1 the input in [0, 1]),
 * possibly with an affine map still to apply. `open`: a linear expression over such outputs, not
 * yet a population; `relu` says a ReLU was applied to it (kept open only while a concat may still
 * merge it with its siblings into one population).
 */
type Value =
  | { readonly kind: "post"; readonly stage: number; readonly pending?: Affine; readonly shape: readonly number[] }
  | { readonly kind: "open"; readonly e: Expression; readonly relu: boolean; readonly shape: readonly number[] };

type Post = Extract<Value, { kind: "post" }>;

/** The nodes the output depends on: anything else is a dead branch. */
function live(net: Network): Set<string> {
  const byId = new Map(net.nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const stack = [net.nodes[net.nodes.length - 1]!.id];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const i of byId.get(id)?.inputs ?? []) stack.push(i);
  }
  return seen;
}

/**
 * The canonical DAG of `net`. `inputRange` [p, q] is the range the ANN expects; the SNN gets
 * u = (x − p)/(q − p) in [0, 1], folded into the first layers as x = p + (q − p)·u.
 */
export function canonicalize(net: Network, inputRange: readonly [number, number] = [0, 1]): Canonical {
  const notes: string[] = [];
  const stages: Stage[] = [];
  const ids = new Set<string>();
  const values = new Map<string, Value>();
  // Keyed by expression: a flattened copy of a value shares its population.
  const made = new WeakMap<Expression, number>();
  const readers = consumers(net);
  const needed = live(net);
  const last = net.nodes[net.nodes.length - 1]!;
  for (const n of net.nodes) if (!needed.has(n.id)) notes.push(`layer '${n.id}' dropped (the output does not depend on it)`);

  const unique = (id: string): string => {
    let u = id;
    for (let k = 2; ids.has(u); k++) u = `${id}#${k}`;
    ids.add(u);
    return u;
  };
  const push = (s: Stage): number => {
    stages.push(s);
    return stages.length - 1;
  };
  /** The expression as a population (ReLU applied), then its pools; memoised so every reader shares it. */
  const materialize = (v: Extract<Value, { kind: "open" }>): Post => {
    const e = v.e;
    let at = made.get(e);
    if (at === undefined) {
      at = push({ kind: "linear", id: unique(e.id), origin: e.origin, inputs: e.inputs, outShape: e.outShape, bias: e.bias, relu: true });
      for (const p of e.pools) at = push({ ...p, id: unique(p.id), src: at });
      made.set(e, at);
    }
    return { kind: "post", stage: at, shape: v.shape };
  };
  const get = (node: Node, k = 0): Value => values.get(node.inputs[k]!)!;
  /** A value read by a layer that needs a population: an open expression must be known to be ≥ 0. */
  const asPost = (node: Node, v: Value, refuse: (e: Expression) => SpikelabError): Post => {
    if (v.kind === "post") return v;
    if (v.relu || nonNegative(v.e)) return materialize(v);
    throw refuse(v.e);
  };
  /** A value as a linear expression of its own shape (for add and concat). */
  const asExpression = (node: Node, v: Value, what: string): Expression => {
    if (v.kind === "open" && !v.relu) {
      if (v.e.pools.length > 0) throw unsupported(node, `${what} '${v.e.id}' between its max pooling and its ReLU`, "put the ReLU before the max pooling (they commute)");
      if (sizeOf(v.e.outShape) !== sizeOf(v.shape) || v.e.outShape.length !== v.shape.length) {
        throw unsupported(node, `${what} '${v.e.id}' flattened before its ReLU`, "apply the ReLU before the flatten");
      }
      return v.e;
    }
    const p = v.kind === "post" ? v : materialize(v);
    return identityExpression(node, node.id, p.stage, p.shape, p.pending, what);
  };

  for (const node of net.nodes) {
    if (!needed.has(node.id)) continue;
    const op = node.op;
    switch (op.kind) {
      case "input": {
        const [p, q] = inputRange;
        if (!(q > p)) throw new SpikelabError("param", `exact TTFS conversion: input_range [${p}, ${q}] must have q > p`, { hint: "write input_range: [0, 1] for images in [0, 1]" });
        let pending: Affine | undefined;
        if (p !== 0 || q !== 1) {
          const n = sizeOf(op.shape);
          pending = { kappa: new Float64Array(n).fill(q - p), beta: new Float64Array(n).fill(p) };
          notes.push(`input range [${p}, ${q}] folded into the first layers`);
        }
        values.set(node.id, { kind: "post", stage: -1, shape: op.shape, ...(pending ? { pending } : {}) });
        break;
      }
      case "dropout":
        notes.push(`dropout '${node.id}' removed`);
        values.set(node.id, get(node));
        break;
      case "flatten":
        values.set(node.id, { ...get(node), shape: node.shape });
        break;
      case "batchnorm": {
        const { scale, shift } = batchNormAffine(node);
        let v = get(node);
        if (v.kind === "open" && v.relu) v = materialize(v);
        const [c] = chw(v.shape);
        if (v.kind === "open") {
          // Before the ReLU: fold into the expression (per output channel).
          const [outC] = chw(v.e.outShape);
          if (c !== outC) throw unsupported(node, `normalises '${v.e.id}' after a flatten`, "apply the batch norm before the flatten");
          if (scale.length !== outC) throw unsupported(node, `has ${scale.length} channels but its input has ${outC}`, "check the network's shapes");
          values.set(node.id, { ...v, e: foldBatchNorm(v.e, scale, shift) });
          notes.push(`batch norm '${node.id}' folded into '${v.e.id}'`);
        } else {
          if (scale.length !== c) throw unsupported(node, `has ${scale.length} channels but its input has ${c}`, "check the network's shapes");
          const n = sizeOf(v.shape);
          const hw = n / c;
          const kappa = v.pending ? v.pending.kappa.slice() : new Float64Array(n).fill(1);
          const beta = v.pending ? v.pending.beta.slice() : new Float64Array(n);
          for (let i = 0; i < n; i++) {
            const ch = Math.floor(i / hw);
            kappa[i] = scale[ch]! * kappa[i]!;
            beta[i] = scale[ch]! * beta[i]! + shift[ch]!;
          }
          values.set(node.id, { ...v, pending: { kappa, beta } });
          notes.push(`batch norm '${node.id}' folded into the next layers`);
        }
        break;
      }
      case "relu": {
        const v = get(node);
        if (v.kind === "open") {
          const r = readers.get(node.id) ?? [];
          // A ReLU read only by a concat stays open: the concat makes one population of its branches.
          if (v.relu || (v.e.pools.length === 0 && r.length === 1 && r[0]!.op.kind === "concat")) values.set(node.id, { ...v, relu: true });
          else values.set(node.id, materialize(v));
        } else if (v.pending !== undefined) {
          // ReLU(κx + β) of a tensor already through a ReLU: a layer of its own, one weight per neuron.
          values.set(node.id, materialize({ kind: "open", e: identityExpression(node, node.id, v.stage, v.shape, v.pending, "applies"), relu: false, shape: v.shape }));
          notes.push(`'${node.id}' after a batch norm after a ReLU: a layer of its own (weight κ, bias β per neuron)`);
        } else values.set(node.id, v);
        break;
      }
      case "conv":
      case "dense": {
        const v = get(node);
        // A concat or sum of tensors already through their ReLU: the layer reads those tensors directly.
        const composed = v.kind === "open" && identityOnly(v.e) && (!v.relu || nonNegative(v.e)) ? composeIdentity(node, v.e, v.shape) : undefined;
        if (composed !== undefined) {
          values.set(node.id, { kind: "open", e: composed, relu: false, shape: node.shape });
          break;
        }
        const p = asPost(node, v, (e) => unsupported(node, `follows '${e.id}' without a ReLU between them`, "add `-> relu` after every hidden conv or dense layer"));
        values.set(node.id, { kind: "open", e: linearFromNode(node, p.stage, p.shape, p.pending), relu: false, shape: node.shape });
        break;
      }
      case "maxpool": {
        const v = get(node);
        const [c] = chw(v.shape);
        const pool: Omit<PoolStage, "src"> = { kind: "maxpool", id: node.id, kernel: op.kernel, stride: op.stride, padding: op.padding, inShape: v.shape, outShape: node.shape, latest: new Uint8Array(c) };
        if (v.kind === "open" && !v.relu) {
          // Before the ReLU: max commutes with ReLU, so the pool moves after it.
          values.set(node.id, { ...v, e: { ...v.e, pools: [...v.e.pools, pool] }, shape: node.shape });
          break;
        }
        const p = v.kind === "post" ? v : materialize(v);
        let pending: Affine | undefined;
        if (p.pending !== undefined) {
          const kappa = perChannel(p.pending.kappa, p.shape);
          const beta = perChannel(p.pending.beta, p.shape);
          if (kappa === undefined || beta === undefined) throw unsupported(node, "pools values whose pending batch-norm shift varies by position", "move the batch norm after the pooling");
          for (let ch = 0; ch < c; ch++) if (kappa[ch]! < 0) pool.latest[ch] = 1;
          const n = sizeOf(node.shape);
          const hw = n / c;
          pending = { kappa: new Float64Array(n).map((_, i) => kappa[Math.floor(i / hw)]!), beta: new Float64Array(n).map((_, i) => beta[Math.floor(i / hw)]!) };
        }
        const at = push({ ...pool, id: unique(node.id), src: p.stage });
        values.set(node.id, { kind: "post", stage: at, shape: node.shape, ...(pending ? { pending } : {}) });
        break;
      }
      case "avgpool":
      case "globalavgpool": {
        const v = get(node);
        const composed = v.kind === "open" && identityOnly(v.e) && nonNegative(v.e) ? composeIdentity(node, v.e, v.shape) : undefined;
        if (composed !== undefined) {
          values.set(node.id, materialize({ kind: "open", e: composed, relu: true, shape: node.shape }));
          break;
        }
        const p = asPost(node, get(node), (e) => unsupported(node, `averages '${e.id}' before its ReLU`, "put the ReLU before the average pooling (they do not commute)"));
        const inp = avgPoolInput(node, p.stage, p.shape);
        const stage: LinearStage = { kind: "linear", id: unique(node.id), origin: op.kind, inputs: [inp], outShape: node.shape, bias: new Float64Array(sizeOf(node.shape)), relu: true };
        let pending: Affine | undefined;
        if (p.pending !== undefined) {
          // avg(κx + β) = κ·avg(x) + avg(β) with the zero padding counted: the shift moves on, position by position.
          const kappa = perChannel(p.pending.kappa, p.shape);
          if (kappa === undefined) throw unsupported(node, "averages values whose pending batch-norm scale varies inside a channel", "apply the batch norm per channel");
          const n = sizeOf(node.shape);
          const beta = new Float64Array(n);
          conv64(p.pending.beta, p.shape, inp.weight, inp.weightShape, inp.geometry as Extract<LinearGeometry, { kind: "conv" }>, beta);
          const [c] = chw(p.shape);
          pending = { kappa: new Float64Array(n).map((_, i) => kappa[Math.floor(i / (n / c))]!), beta };
        }
        values.set(node.id, { kind: "post", stage: push(stage), shape: node.shape, ...(pending ? { pending } : {}) });
        break;
      }
      case "add": {
        const parts = node.inputs.map((_, k) => asExpression(node, get(node, k), "adds"));
        const bias = new Float64Array(sizeOf(node.shape));
        for (const e of parts) for (let i = 0; i < bias.length; i++) bias[i] = bias[i]! + e.bias[i]!;
        values.set(node.id, { kind: "open", e: { id: node.id, origin: "add", inputs: parts.flatMap((e) => e.inputs), bias, outShape: node.shape, pools: [] }, relu: false, shape: node.shape });
        notes.push(`add '${node.id}' of ${node.inputs.map((i) => `'${i}'`).join(" and ")} as one layer`);
        break;
      }
      case "concat": {
        const vs = node.inputs.map((_, k) => get(node, k));
        // All branches through their ReLU (or plain non-negative tensors): the ReLU moves after the concat.
        const relu = vs.every((v) => (v.kind === "open" ? v.relu && v.e.pools.length === 0 : v.pending === undefined));
        const parts = vs.map((v) => asExpression(node, v.kind === "open" && v.relu && relu ? { ...v, relu: false } : v, "concatenates"));
        let offset = 0;
        const inputs = parts.flatMap((e) => {
          const [c] = chw(e.outShape);
          const shifted = e.inputs.map((i) => ({ ...i, offset: i.offset + offset }));
          offset += c;
          return shifted;
        });
        const bias = new Float64Array(sizeOf(node.shape));
        let at = 0;
        for (const e of parts) {
          bias.set(e.bias, at);
          at += e.bias.length;
        }
        const e: Expression = { id: node.id, origin: "concat", inputs, bias, outShape: node.shape, pools: [] };
        // A concat of tensors only (no branch still before its ReLU) needs no ReLU.
        values.set(node.id, { kind: "open", e, relu: relu && !nonNegative(e), shape: node.shape });
        notes.push(`concat '${node.id}' of ${node.inputs.map((i) => `'${i}'`).join(", ")} as one layer of channel slices`);
        break;
      }
      case "softmax":
        if (node !== last) throw unsupported(node, "is not the last layer", "softmax may only end the network");
        values.set(node.id, get(node));
        notes.push(`softmax '${node.id}' dropped (it does not change the argmax)`);
        break;
      case "sigmoid":
      case "silu":
        throw unsupported(node, "is not a ReLU", "the exact TTFS mapping covers ReLU networks; convert this one with the AMOS family");
    }
  }
  const { outputRelu } = readout(values.get(last.id)!, last, stages, unique, notes);
  if (!stages.some((s) => s.kind === "linear")) {
    throw unsupported(last, "leaves no conv or dense layer", "the network needs at least one conv or dense layer");
  }
  validateShapes(stages);
  return { inputShape: net.nodes[0]!.shape, stages, outputRelu, notes };
}

/** Makes the output value the read-out stage (last, no ReLU). */
function readout(v: Value, last: Node, stages: Stage[], unique: (id: string) => string, notes: string[]): { outputRelu: boolean } {
  if (v.kind === "open") {
    if (v.e.pools.length > 0) throw unsupported(last, "max-pools the logits", "end the network with a conv or dense layer");
    stages.push({ kind: "linear", id: unique(v.e.id), origin: v.e.origin, inputs: v.e.inputs, outShape: v.e.outShape, bias: v.e.bias, relu: false });
    if (v.relu) notes.push("the logits pass through a ReLU: the prediction is argmax of ReLU(potential)");
    return { outputRelu: v.relu };
  }
  // The network ends in a ReLU: the last hidden layer becomes the read-out and the ReLU is applied to the potentials.
  const at = v.stage;
  const tail = stages[at];
  const read = stages.some((s) => (s.kind === "maxpool" ? s.src === at : s.inputs.some((i) => i.src === at)));
  if (tail === undefined || at !== stages.length - 1 || tail.kind !== "linear" || tail.origin === "avgpool" || tail.origin === "globalavgpool" || v.pending !== undefined || read) {
    throw unsupported(last, "ends the network", "end the network with a conv or dense layer giving the logits");
  }
  stages[at] = { ...tail, relu: false };
  notes.push("the logits pass through a ReLU: the prediction is argmax of ReLU(potential)");
  return { outputRelu: true };
}

/** Conv inputs' geometry must produce their stages' shapes, and slices must fit (a bug guard, cheap). */
function validateShapes(stages: readonly Stage[]): void {
  for (const s of stages) {
    if (s.kind !== "linear") continue;
    const [outC, h, w] = chw(s.outShape);
    for (const inp of s.inputs) {
      const k = inp.weightShape[0]!;
      if (inp.offset + k > outC) throw new Error(`canonicalize: stage ${s.id} input writes channels ${inp.offset}..${inp.offset + k} of ${outC}`);
      if (inp.geometry.kind === "conv") {
        const o = convOut(inp.inShape, k, inp.geometry);
        if (o[1] !== h || o[2] !== w) throw new Error(`canonicalize: stage ${s.id} shape ${o.join("x")} != ${s.outShape.join("x")}`);
      } else if (inp.geometry.kind === "identity" && sizeOf(inp.inShape) !== k * h * w) {
        throw new Error(`canonicalize: stage ${s.id} identity input of ${sizeOf(inp.inShape)} values into ${k} channels of ${h}x${w}`);
      }
    }
  }
}

// Runs a network IR on mini-batches over one kernel set (float32 WASM or float64 reference):
// plans buffers once (reusing dead ones, computing elementwise ops in place when nothing else
// reads their input), then evaluates node by node. Training mode keeps every output and holds
// the batch-norm statistics and dropout masks backward needs. No loss, no optimiser here.

import { SpikelabError } from "../errors.ts";
import type { Network, Node } from "../ir/network.ts";
import { conv2dGeometry, pool2dGeometry, withBatch, type Conv2dGeometry, type Pool2dGeometry } from "../tensor/geometry.ts";
import { sizeOf, type Tensor } from "../tensor/tensor.ts";
import type { Rng } from "../data/rng.ts";
import type { Kernels } from "./kernels.ts";

type Arr = Float32Array | Float64Array;

/** A node ready to run: geometry for the planned batch, parameters in the kernel's precision. */
export interface Step<A extends Arr> {
  readonly node: Node;
  readonly inputs: readonly number[];
  /** Per-sample output size. */
  readonly size: number;
  /** Per-sample size of the first input. */
  readonly inSize: number;
  readonly conv?: Conv2dGeometry;
  readonly pool?: Pool2dGeometry;
  /** For batchnorm/globalavgpool: channels and positions per channel. */
  readonly channels: number;
  readonly hw: number;
  readonly params: Readonly<Record<string, A>>;
  /** Output is the input's storage, untouched (flatten, dropout at inference). */
  readonly alias: boolean;
  /** Output overwrites the input's storage (an elementwise op whose input dies here). */
  readonly inPlace: boolean;
}

export interface RunOptions {
  /** Training mode: batch statistics in batch norm (running ones updated), dropout drawn from this generator. */
  readonly training?: { readonly rng: Rng; readonly updateRunningStats: boolean };
  /** Called with each node's output (batch · size values) as soon as it is computed. */
  readonly visit?: (step: number, values: Arr) => void;
}

const UNARY_INPLACE = new Set(["relu", "sigmoid", "silu", "batchnorm"]);

function missingParams(node: Node, name: string): SpikelabError {
  return new SpikelabError("param", `layer '${node.id}' (${node.op.kind}) has no ${name}: the network is not trained`, {
    loc: node.loc,
    hint: "train it (`train NET on DATA`) or load its weights (`load NET from FILE`) first",
  });
}

export class Executor<A extends Arr> {
  readonly steps: readonly Step<A>[];
  readonly maxBatch: number;
  private readonly kernels: Kernels<A>;
  private readonly buffers: A[] = [];
  /** Which buffer each node writes (-1: the caller's input). */
  private readonly bufferOf: number[];
  private readonly views: (A | undefined)[];
  private batch = 0;
  /** Training state of the last run, by step: batch mean/var for batch norm, masks for dropout. */
  readonly bnStats = new Map<number, { mean: A; var: A }>();
  readonly masks = new Map<number, A>();
  private released = false;

  /**
   * `keep`: node ids whose outputs stay readable after `run` ("all" for training). The output
   * node is always kept. `training` disables in-place reuse so backward can read every input.
   */
  constructor(net: Network, kernels: Kernels<A>, maxBatch: number, options: { keep?: ReadonlySet<string> | "all"; training?: boolean } = {}) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new SpikelabError("param", `batch size must be a positive whole number, got ${maxBatch}`);
    this.kernels = kernels;
    this.maxBatch = maxBatch;
    const index = new Map(net.nodes.map((n, i) => [n.id, i]));
    const keepAll = options.keep === "all" || options.training === true;
    const kept = (i: number): boolean => keepAll || i === net.nodes.length - 1 || (options.keep instanceof Set && options.keep.has(net.nodes[i]!.id));
    const steps: Step<A>[] = [];
    const root: number[] = [];
    net.nodes.forEach((node, i) => {
      const inputs = node.inputs.map((id) => {
        const j = index.get(id);
        if (j === undefined || j >= i) throw new SpikelabError("shape", `layer '${node.id}' reads '${id}', which does not come before it`, { loc: node.loc });
        return j;
      });
      const inShape = inputs.length > 0 ? net.nodes[inputs[0]!]!.shape : node.shape;
      const op = node.op;
      const size = sizeOf(node.shape);
      let alias = op.kind === "flatten" || (op.kind === "dropout" && options.training !== true);
      let inPlace = false;
      if (!keepAll && !alias && UNARY_INPLACE.has(op.kind) && inputs[0]! > 0) {
        // In place only when nothing after this node reads the input's storage and none of it is kept.
        const r = root[inputs[0]!]!;
        const readLater = net.nodes.some((m, j) => j > i && m.inputs.some((id) => root[index.get(id)!] === r));
        const keptRoot = root.some((rr, j) => rr === r && kept(j));
        inPlace = !readLater && !keptRoot;
      }
      if (i === 0) alias = false;
      root.push(alias || inPlace ? root[inputs[0]!]! : i);
      const params: Record<string, A> = {};
      let conv: Conv2dGeometry | undefined;
      let pool: Pool2dGeometry | undefined;
      let channels = 0;
      let hw = 1;
      const p = (name: string, required = true): void => {
        const t: Tensor | undefined = node.params[name];
        if (t === undefined) {
          if (required) throw missingParams(node, name === "weight" ? "weights" : name === "bias" ? "bias" : `batch-norm ${name}`);
          return;
        }
        params[name] = (kernels.precision === "float32" && t.data instanceof Float32Array ? t.data : kernels.from(t.data)) as A;
      };
      switch (op.kind) {
        case "conv":
          conv = conv2dGeometry({ batch: maxBatch, inC: inShape[0]!, inH: inShape[1]!, inW: inShape[2]!, outC: op.filters, kernel: op.kernel, stride: op.stride, padding: op.padding, groups: op.groups });
          p("weight");
          if (op.bias) p("bias");
          break;
        case "dense":
          p("weight");
          if (op.bias) p("bias");
          break;
        case "avgpool":
        case "maxpool":
          pool = pool2dGeometry({ batch: maxBatch, channels: inShape[0]!, inH: inShape[1]!, inW: inShape[2]!, kernel: op.kernel, stride: op.stride, padding: op.padding });
          break;
        case "globalavgpool":
          channels = inShape[0]!;
          hw = inShape[1]! * inShape[2]!;
          break;
        case "batchnorm":
          channels = inShape[0]!;
          hw = inShape.length === 3 ? inShape[1]! * inShape[2]! : 1;
          for (const name of ["gamma", "beta", "mean", "var"]) p(name);
          break;
        case "softmax":
          if (node.shape.length !== 1) {
            throw new SpikelabError("unsupported", `layer '${node.id}': softmax over an image (${node.shape.join("x")}) is not supported`, { loc: node.loc, hint: "flatten before the softmax" });
          }
          break;
        default:
          break;
      }
      steps.push({ node, inputs, size, inSize: sizeOf(inShape), ...(conv ? { conv } : {}), ...(pool ? { pool } : {}), channels, hw, params, alias: alias && i > 0, inPlace });
    });
    this.steps = steps;

    // Static buffer assignment: a buffer returns to the free list after the last reader of its root runs.
    const lastUse = new Map<number, number>();
    steps.forEach((s, i) => {
      for (const j of s.inputs) lastUse.set(root[j]!, i);
    });
    for (let i = 0; i < steps.length; i++) if (kept(i)) lastUse.set(root[i]!, Infinity);
    const free: number[] = [];
    const sizes: number[] = [];
    this.bufferOf = new Array<number>(steps.length).fill(-1);
    steps.forEach((s, i) => {
      if (i === 0) return;
      if (s.alias || s.inPlace) {
        this.bufferOf[i] = this.bufferOf[s.inputs[0]!]!;
      } else {
        const need = s.size * maxBatch;
        let best = -1;
        for (let k = 0; k < free.length; k++) if (sizes[free[k]!]! >= need && (best < 0 || sizes[free[k]!]! < sizes[free[best]!]!)) best = k;
        if (best >= 0) this.bufferOf[i] = free.splice(best, 1)[0]!;
        else {
          sizes.push(need);
          this.bufferOf[i] = sizes.length - 1;
        }
      }
      for (const [r, last] of lastUse) if (last === i && r > 0 && !free.includes(this.bufferOf[r]!)) free.push(this.bufferOf[r]!);
    });
    for (const n of sizes) this.buffers.push(kernels.alloc(n));
    this.views = new Array<A | undefined>(steps.length).fill(undefined);
  }

  /** Runs `batch` samples (x holds batch · input size values) and returns the output node's values. */
  run(x: A, batch: number, options: RunOptions = {}): A {
    if (this.released) throw new Error("Executor.run after release");
    if (batch < 1 || batch > this.maxBatch) throw new RangeError(`Executor.run: batch ${batch} outside 1..${this.maxBatch}`);
    const k = this.kernels;
    this.batch = batch;
    const inSize = this.steps[0]!.size;
    if (x.length < batch * inSize) throw new SpikelabError("shape", `the input holds ${x.length} values, ${batch} samples of ${this.steps[0]!.node.shape.join("x")} need ${batch * inSize}`);
    const views = this.views;
    views[0] = x.subarray(0, batch * inSize) as A;
    const training = options.training;
    this.steps.forEach((s, i) => {
      if (i === 0) {
        options.visit?.(0, views[0]!);
        return;
      }
      const x0 = views[s.inputs[0]!]!;
      const y = (s.alias ? x0 : this.buffers[this.bufferOf[i]!]!.subarray(0, batch * s.size)) as A;
      views[i] = y;
      const op = s.node.op;
      const P = s.params;
      switch (op.kind) {
        case "conv":
          k.conv2dForward(withBatch(s.conv!, batch), x0, P.weight!, P.bias ?? null, y);
          break;
        case "dense":
          k.denseForward(batch, s.inSize, s.size, x0, P.weight!, P.bias ?? null, y);
          break;
        case "avgpool":
          k.avgPool2dForward(withBatch(s.pool!, batch), x0, y);
          break;
        case "maxpool":
          k.maxPool2dForward(withBatch(s.pool!, batch), x0, y);
          break;
        case "globalavgpool":
          k.globalAvgPoolForward(batch, s.channels, s.hw, x0, y);
          break;
        case "batchnorm":
          if (training) this.batchNormTrain(i, s, x0, y, batch, op.eps, op.momentum, training.updateRunningStats);
          else k.batchNormInference(batch, s.channels, s.hw, x0, P.gamma!, P.beta!, P.mean!, P.var!, op.eps, y);
          break;
        case "relu":
          k.relu(x0, y);
          break;
        case "sigmoid":
          k.sigmoid(x0, y);
          break;
        case "silu":
          k.silu(x0, y);
          break;
        case "softmax":
          k.softmax(batch, s.size, x0, y);
          break;
        case "dropout":
          if (s.alias) break;
          if (training) this.dropoutTrain(i, op.rate, x0, y, training.rng);
          else y.set(x0);
          break;
        case "flatten":
          break;
        case "concat": {
          let off = 0;
          for (const j of s.inputs) {
            const src = views[j]!;
            const n = this.steps[j]!.size;
            for (let b = 0; b < batch; b++) y.set(src.subarray(b * n, (b + 1) * n), b * s.size + off);
            off += n;
          }
          break;
        }
        case "add": {
          y.set(x0);
          for (const j of s.inputs.slice(1)) {
            const src = views[j]!;
            for (let t = 0; t < y.length; t++) y[t] = y[t]! + src[t]!;
          }
          break;
        }
        case "input":
          throw new SpikelabError("shape", `network has a second input '${s.node.id}'`);
      }
      options.visit?.(i, y);
    });
    return views[this.steps.length - 1]!;
  }

  /** The values node `i` produced in the last run (batch · size); only kept nodes are guaranteed intact. */
  output(i: number): A {
    const v = this.views[i];
    if (v === undefined) throw new Error(`Executor.output: step ${i} has not run`);
    return v;
  }

  get lastBatch(): number {
    return this.batch;
  }

  /** Gives kernel memory back; the executor cannot run afterwards. */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const b of this.buffers) this.kernels.release(b);
    for (const s of this.bnStats.values()) {
      this.kernels.release(s.mean);
      this.kernels.release(s.var);
    }
    for (const m of this.masks.values()) this.kernels.release(m);
  }

  private batchNormTrain(i: number, s: Step<A>, x: A, y: A, batch: number, eps: number, momentum: number, update: boolean): void {
    let st = this.bnStats.get(i);
    if (st === undefined) {
      st = { mean: this.kernels.alloc(s.channels), var: this.kernels.alloc(s.channels) };
      this.bnStats.set(i, st);
    }
    const P = s.params;
    this.kernels.batchNormTrainForward(batch, s.channels, s.hw, x, P.gamma!, P.beta!, eps, y, st.mean, st.var);
    if (!update) return;
    // PyTorch's convention: running ← (1 − momentum)·running + momentum·batch, with the unbiased batch variance.
    const n = batch * s.hw;
    const unbias = n > 1 ? n / (n - 1) : 1;
    for (let c = 0; c < s.channels; c++) {
      P.mean![c] = (1 - momentum) * P.mean![c]! + momentum * st.mean[c]!;
      P.var![c] = (1 - momentum) * P.var![c]! + momentum * st.var[c]! * unbias;
    }
  }

  private dropoutTrain(i: number, rate: number, x: A, y: A, rng: Rng): void {
    let m = this.masks.get(i);
    if (m === undefined) {
      m = this.kernels.alloc(this.steps[i]!.size * this.maxBatch);
      this.masks.set(i, m);
    }
    // Inverted dropout: survivors are scaled by 1/(1 − rate) so inference is the identity.
    const keep = rate < 1 ? 1 / (1 - rate) : 0;
    for (let t = 0; t < y.length; t++) {
      const v = rng.uniform() < rate ? 0 : keep;
      m[t] = v;
      y[t] = x[t]! * v;
    }
  }
}

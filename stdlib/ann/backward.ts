// Backpropagation through an executor's last training-mode run: the softmax cross-entropy of
// the logits (a trailing softmax node is fused into the loss), then every node's gradient in
// reverse order, summing where a node feeds several others. Parameter gradients are exposed
// per step for the optimiser. No parameter updates here.

import type { Executor } from "./executor.ts";
import type { BackKernels, Kernels } from "./kernels.ts";
import { withBatch } from "../tensor/geometry.ts";

type Arr = Float32Array | Float64Array;

/** Names of the trainable parameters of an op kind (batch-norm running statistics are not). */
export function trainableParams(kind: string): readonly string[] {
  if (kind === "conv" || kind === "dense") return ["weight", "bias"];
  if (kind === "batchnorm") return ["gamma", "beta"];
  return [];
}

/** The step whose output is the logits: the input of a trailing softmax, else the output node. */
export function logitsStep<A extends Arr>(ex: Executor<A>): number {
  const last = ex.steps.length - 1;
  return ex.steps[last]!.node.op.kind === "softmax" ? ex.steps[last]!.inputs[0]! : last;
}

export class Backprop<A extends Arr> {
  /** Gradients of the mean loss by step index and parameter name (overwritten by each `run`). */
  readonly paramGrads = new Map<number, Record<string, A>>();
  readonly lossStep: number;
  private readonly grads: (A | undefined)[];
  private readonly touched: boolean[];
  private readonly needsGrad: boolean[];
  private readonly scratch: A;
  private readonly probs: A;

  constructor(private readonly ex: Executor<A>, private readonly k: Kernels<A>, private readonly b: BackKernels<A>) {
    const steps = ex.steps;
    this.lossStep = logitsStep(ex);
    this.needsGrad = steps.map(() => false);
    steps.forEach((s, i) => {
      const own = trainableParams(s.node.op.kind).some((p) => s.params[p] !== undefined);
      this.needsGrad[i] = i > 0 && (own || s.inputs.some((j) => this.needsGrad[j]));
    });
    this.grads = steps.map((s, i) => (i > 0 && i <= this.lossStep && this.needsGrad[i] ? k.alloc(s.size * ex.maxBatch) : undefined));
    this.touched = steps.map(() => false);
    this.scratch = k.alloc(Math.max(1, ...steps.map((s) => s.size * ex.maxBatch)));
    this.probs = k.alloc(steps[this.lossStep]!.size * ex.maxBatch);
    steps.forEach((s, i) => {
      const g: Record<string, A> = {};
      for (const p of trainableParams(s.node.op.kind)) if (s.params[p] !== undefined) g[p] = k.alloc(s.params[p]!.length);
      if (Object.keys(g).length > 0) this.paramGrads.set(i, g);
    });
  }

  /** Softmax probabilities of the last `run` (batch · classes). */
  get probabilities(): A {
    return this.probs;
  }

  /**
   * Loss and gradients for the executor's last run (in training mode) against `labels`.
   * Returns the mean cross-entropy over the batch.
   */
  run(labels: ArrayLike<number>): number {
    const ex = this.ex;
    const batch = ex.lastBatch;
    const steps = ex.steps;
    const ls = this.lossStep;
    const classes = steps[ls]!.size;
    this.touched.fill(false);
    const dlogits = this.grads[ls];
    const loss = this.b.softmaxCrossEntropy(batch, classes, ex.output(ls), labels, this.probs.subarray(0, batch * classes) as A, dlogits ? (dlogits.subarray(0, batch * classes) as A) : null);
    this.touched[ls] = dlogits !== undefined;
    for (let i = ls; i > 0; i--) {
      if (!this.touched[i]) continue;
      this.backStep(i, batch);
    }
    return loss;
  }

  private view(a: A, n: number): A {
    return a.subarray(0, n) as A;
  }

  /** Writes (or adds) input j's gradient: `fill` computes it into the array it is given. */
  private into(j: number, batch: number, fill: (dx: A) => void): void {
    if (!this.needsGrad[j]) return;
    const n = batch * this.ex.steps[j]!.size;
    const g = this.view(this.grads[j]!, n);
    if (!this.touched[j]) {
      fill(g);
      this.touched[j] = true;
      return;
    }
    const s = this.view(this.scratch, n);
    fill(s);
    for (let t = 0; t < n; t++) g[t] = g[t]! + s[t]!;
  }

  private backStep(i: number, batch: number): void {
    const ex = this.ex;
    const s = ex.steps[i]!;
    const dy = this.view(this.grads[i]!, batch * s.size);
    const x = s.inputs.length > 0 ? ex.output(s.inputs[0]!) : dy;
    const j = s.inputs[0]!;
    const P = s.params;
    const G = this.paramGrads.get(i);
    const b = this.b;
    const op = s.node.op;
    switch (op.kind) {
      case "conv": {
        const g = withBatch(s.conv!, batch);
        if (this.needsGrad[j]) this.into(j, batch, (dx) => b.conv2dBackward(g, x, P.weight!, dy, dx, G!.weight!, G!.bias ?? null));
        else b.conv2dBackward(g, x, P.weight!, dy, null, G!.weight!, G!.bias ?? null);
        break;
      }
      case "dense":
        if (this.needsGrad[j]) this.into(j, batch, (dx) => b.denseBackward(batch, s.inSize, s.size, x, P.weight!, dy, dx, G!.weight!, G!.bias ?? null));
        else b.denseBackward(batch, s.inSize, s.size, x, P.weight!, dy, null, G!.weight!, G!.bias ?? null);
        break;
      case "avgpool":
        this.into(j, batch, (dx) => b.avgPool2dBackward(withBatch(s.pool!, batch), dy, dx));
        break;
      case "maxpool":
        this.into(j, batch, (dx) => b.maxPool2dBackward(withBatch(s.pool!, batch), x, dy, dx));
        break;
      case "globalavgpool":
        this.into(j, batch, (dx) => b.globalAvgPoolBackward(batch, s.channels, s.hw, dy, dx));
        break;
      case "batchnorm": {
        const st = ex.bnStats.get(i)!;
        if (this.needsGrad[j]) this.into(j, batch, (dx) => b.batchNormBackward(batch, s.channels, s.hw, x, P.gamma!, st.mean, st.var, op.eps, dy, dx, G!.gamma!, G!.beta!));
        else b.batchNormBackward(batch, s.channels, s.hw, x, P.gamma!, st.mean, st.var, op.eps, dy, null, G!.gamma!, G!.beta!);
        break;
      }
      case "relu":
        this.into(j, batch, (dx) => b.reluBackward(x, dy, dx));
        break;
      case "sigmoid":
        this.into(j, batch, (dx) => b.sigmoidBackward(ex.output(i), dy, dx));
        break;
      case "silu":
        this.into(j, batch, (dx) => b.siluBackward(x, dy, dx));
        break;
      case "softmax":
        this.into(j, batch, (dx) => b.softmaxBackward(batch, s.size, ex.output(i), dy, dx));
        break;
      case "dropout": {
        const m = ex.masks.get(i);
        this.into(j, batch, (dx) => {
          if (m === undefined) dx.set(dy);
          else for (let t = 0; t < dy.length; t++) dx[t] = dy[t]! * m[t]!;
        });
        break;
      }
      case "flatten":
        this.into(j, batch, (dx) => dx.set(dy));
        break;
      case "add":
        for (const jj of s.inputs) this.into(jj, batch, (dx) => dx.set(dy));
        break;
      case "concat": {
        let off = 0;
        for (const jj of s.inputs) {
          const n = ex.steps[jj]!.size;
          const o = off;
          this.into(jj, batch, (dx) => {
            for (let r = 0; r < batch; r++) dx.set(dy.subarray(r * s.size + o, r * s.size + o + n), r * n);
          });
          off += n;
        }
        break;
      }
      case "input":
        break;
    }
  }

  release(): void {
    for (const g of this.grads) if (g) this.k.release(g);
    for (const g of this.paramGrads.values()) for (const a of Object.values(g)) this.k.release(a);
    this.k.release(this.scratch);
    this.k.release(this.probs);
  }
}

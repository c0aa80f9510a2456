// Parameter updates from gradients: SGD with (heavy-ball) momentum and Adam (bias-corrected),
// both with L2 weight decay added to the gradient of the parameters that take it (weights, not
// biases or batch-norm parameters). State lives here; it must not compute gradients.

export interface OptimizerOptions {
  readonly kind: "sgd" | "adam";
  /** SGD momentum μ: v ← μ·v + g, w ← w − lr·v. Default 0.9. */
  readonly momentum?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** L2 coefficient λ: g ← g + λ·w on decayed parameters. Default 0. */
  readonly weightDecay?: number;
}

export interface ParamSlot {
  readonly value: Float32Array | Float64Array;
  readonly grad: Float32Array | Float64Array;
  /** Weight decay applies (conv/dense weights). */
  readonly decay: boolean;
}

export class Optimizer {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;

  constructor(readonly options: OptimizerOptions, private readonly slots: readonly ParamSlot[]) {
    this.m = slots.map((s) => new Float64Array(s.value.length));
    this.v = options.kind === "adam" ? slots.map((s) => new Float64Array(s.value.length)) : [];
  }

  /** One update of every slot with learning rate `lr`. */
  step(lr: number): void {
    this.t++;
    const o = this.options;
    const wd = o.weightDecay ?? 0;
    if (o.kind === "sgd") {
      const mu = o.momentum ?? 0.9;
      this.slots.forEach((s, k) => {
        const m = this.m[k]!;
        const w = s.value;
        const g = s.grad;
        const d = s.decay ? wd : 0;
        for (let i = 0; i < w.length; i++) {
          const gi = g[i]! + d * w[i]!;
          const vi = mu * m[i]! + gi;
          m[i] = vi;
          w[i] = w[i]! - lr * vi;
        }
      });
      return;
    }
    const b1 = o.beta1 ?? 0.9;
    const b2 = o.beta2 ?? 0.999;
    const eps = o.epsilon ?? 1e-8;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    const stepSize = lr / c1;
    const sc2 = Math.sqrt(c2);
    this.slots.forEach((s, k) => {
      const m = this.m[k]!;
      const v = this.v[k]!;
      const w = s.value;
      const g = s.grad;
      const d = s.decay ? wd : 0;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]! + d * w[i]!;
        const mi = b1 * m[i]! + (1 - b1) * gi;
        const vi = b2 * v[i]! + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] = w[i]! - (stepSize * mi) / (Math.sqrt(vi) / sc2 + eps);
      }
    });
  }
}

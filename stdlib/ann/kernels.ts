// The two kernel sets the ANN runs on: float32 through stdlib/tensor/ops.ts (WASM, the fast
// path) and float64 through stdlib/tensor/reference.ts (exact checks such as the TTFS mapping).
// One executor serves both; this file only binds names. It must not implement numerics.

import * as ops from "../tensor/ops.ts";
import * as ref from "../tensor/reference.ts";
import type { Conv2dGeometry, Pool2dGeometry } from "../tensor/geometry.ts";

/** What the executor needs, over one array type A. Signatures and layouts are ops.ts's. */
export interface Kernels<A extends Float32Array | Float64Array> {
  readonly precision: "float32" | "float64";
  alloc(n: number): A;
  release(a: A): void;
  /** A's constructor over values (parameters arrive as float32 tensors). */
  from(values: ArrayLike<number>): A;
  denseForward(batch: number, inF: number, outF: number, x: A, w: A, bias: A | null, y: A): void;
  conv2dForward(g: Conv2dGeometry, x: A, w: A, bias: A | null, y: A): void;
  avgPool2dForward(g: Pool2dGeometry, x: A, y: A): void;
  maxPool2dForward(g: Pool2dGeometry, x: A, y: A): void;
  globalAvgPoolForward(batch: number, channels: number, hw: number, x: A, y: A): void;
  batchNormInference(batch: number, channels: number, hw: number, x: A, gamma: A, beta: A, mean: A, variance: A, eps: number, y: A): void;
  batchNormTrainForward(batch: number, channels: number, hw: number, x: A, gamma: A, beta: A, eps: number, y: A, batchMean: A, batchVar: A): void;
  relu(x: A, y: A): void;
  sigmoid(x: A, y: A): void;
  silu(x: A, y: A): void;
  softmax(batch: number, classes: number, x: A, y: A): void;
}

/** Gradients for training, over the same array type (ops.ts signatures). */
export interface BackKernels<A extends Float32Array | Float64Array> {
  denseBackward(batch: number, inF: number, outF: number, x: A, w: A, dy: A, dx: A | null, dw: A | null, db: A | null): void;
  conv2dBackward(g: Conv2dGeometry, x: A, w: A, dy: A, dx: A | null, dw: A | null, db: A | null): void;
  avgPool2dBackward(g: Pool2dGeometry, dy: A, dx: A): void;
  maxPool2dBackward(g: Pool2dGeometry, x: A, dy: A, dx: A): void;
  globalAvgPoolBackward(batch: number, channels: number, hw: number, dy: A, dx: A): void;
  batchNormBackward(batch: number, channels: number, hw: number, x: A, gamma: A, batchMean: A, batchVar: A, eps: number, dy: A, dx: A | null, dgamma: A | null, dbeta: A | null): void;
  reluBackward(x: A, dy: A, dx: A): void;
  sigmoidBackward(y: A, dy: A, dx: A): void;
  siluBackward(x: A, dy: A, dx: A): void;
  softmaxBackward(batch: number, classes: number, y: A, dy: A, dx: A): void;
  softmaxCrossEntropy(batch: number, classes: number, logits: A, labels: ArrayLike<number>, probs: A, dlogits: A | null): number;
}

export const B32: BackKernels<Float32Array> = {
  denseBackward: ops.denseBackward,
  conv2dBackward: ops.conv2dBackward,
  avgPool2dBackward: ops.avgPool2dBackward,
  maxPool2dBackward: ops.maxPool2dBackward,
  globalAvgPoolBackward: ops.globalAvgPoolBackward,
  batchNormBackward: ops.batchNormBackward,
  reluBackward: ops.reluBackward,
  sigmoidBackward: ops.sigmoidBackward,
  siluBackward: ops.siluBackward,
  softmaxBackward: ops.softmaxBackward,
  softmaxCrossEntropy: ops.softmaxCrossEntropy,
};

export const B64: BackKernels<Float64Array> = {
  denseBackward: ref.denseBackward,
  conv2dBackward: ref.conv2dBackward,
  avgPool2dBackward: ref.avgPool2dBackward,
  maxPool2dBackward: ref.maxPool2dBackward,
  globalAvgPoolBackward: ref.globalAvgPoolBackward,
  batchNormBackward: ref.batchNormBackward,
  reluBackward: ref.reluBackward,
  sigmoidBackward: ref.sigmoidBackward,
  siluBackward: ref.siluBackward,
  softmaxBackward: ref.softmaxBackward,
  softmaxCrossEntropy: ref.softmaxCrossEntropy,
};

export const F32: Kernels<Float32Array> = {
  precision: "float32",
  alloc: ops.allocF32,
  release: ops.release,
  from: (v) => Float32Array.from(v),
  denseForward: ops.denseForward,
  conv2dForward: ops.conv2dForward,
  avgPool2dForward: ops.avgPool2dForward,
  maxPool2dForward: ops.maxPool2dForward,
  globalAvgPoolForward: ops.globalAvgPoolForward,
  batchNormInference: ops.batchNormInference,
  batchNormTrainForward: ops.batchNormTrainForward,
  relu: ops.relu,
  sigmoid: ops.sigmoid,
  silu: ops.silu,
  softmax: ops.softmax,
};

export const F64: Kernels<Float64Array> = {
  precision: "float64",
  alloc: (n) => new Float64Array(n),
  release: () => {},
  from: (v) => Float64Array.from(v),
  denseForward: ref.denseForward,
  conv2dForward: ref.conv2dForward,
  avgPool2dForward: ref.avgPool2dForward,
  maxPool2dForward: ref.maxPool2dForward,
  globalAvgPoolForward: ref.globalAvgPoolForward,
  batchNormInference: ref.batchNormInference,
  batchNormTrainForward: ref.batchNormTrainForward,
  relu: ref.relu,
  sigmoid: ref.sigmoid,
  silu: ref.silu,
  softmax: ref.softmax,
};

// THE numeric API of spikelab: every ANN forward/backward and every simulator hot loop calls
// these plain functions over Float32Array with explicit geometry, writing into outputs the
// caller gives. Layouts are row-major, NCHW (see tensor.ts). No network or spike semantics here.
//
// Speed notes for callers:
// - Arrays from `allocF32` / `allocI32` live in this thread's WASM memory and are used in
//   place; any other Float32Array is copied in (and outputs copied out) on each call. Measured
//   (bench/tensor.bench.ts): for a 512³ GEMM staging is lost in the run-to-run noise (23–26
//   GFLOP/s either way), but a dense scatter of 78 spikes × 300 drops from 12–13 to 6–8 G
//   synaptic ops/s when its membrane and spike list are staged. So: keep membranes and spike
//   buffers in allocF32/allocI32 arrays, weights in prepare*Scatter objects; for GEMM/conv,
//   plain arrays are fine. Kernel memory grows to the largest working set and never shrinks.
// - Every function checks array lengths and throws SpikelabError('shape') rather than write
//   out of bounds. Outputs may be longer than needed; only the first values are written.
// - A sample's result never depends on the batch it is computed in (bit for bit), so images
//   can be split over workers in any chunks. Pass dx = null for a network's first layer.

import { SpikelabError } from "../errors.ts";
import { need, type Conv2dGeometry, type Pool2dGeometry } from "./geometry.ts";
import { kernels, type Frame, type KernelExports } from "./wasm.ts";

export { conv2dGeometry, pool2dGeometry, withBatch, type Conv2dGeometry, type Pool2dGeometry, type Pair } from "./geometry.ts";

/** Dense weights laid out for event scatter: rows = wᵀ [in, out]. Build with prepareDenseScatter. */
export interface DenseScatter {
  readonly inF: number;
  readonly outF: number;
  readonly rows: Float32Array;
}

/** Conv weights laid out for event scatter (one sample). Build with prepareConvScatter; `taps` is private to the kernel. */
export interface ConvScatter {
  readonly g: Conv2dGeometry;
  /** The weights as given, [outC, inC/groups, kH, kW]. */
  readonly w: Float32Array;
  readonly taps: Float32Array;
}

const sameLength = (where: string, a: ArrayLike<number>, b: ArrayLike<number>, an: string, bn: string): void => {
  if (a.length !== b.length) throw new SpikelabError("shape", `${where}: ${an} has ${a.length} values but ${bn} has ${b.length}`);
};

// ---------------------------------------------------------------------------------------------
// Memory

/**
 * A Float32Array (zeroed) in this thread's kernel memory: used in place by every op, no copies.
 * It stays valid until `release` (memory growth never detaches it); a subarray of it is used in
 * place too. It is a view on a SharedArrayBuffer: posted to a worker it would share this
 * thread's kernel memory (racy); give workers `sharedF32` arrays from pool.ts instead.
 */
export function allocF32(n: number): Float32Array {
  return kernels().f32(n);
}

/** An Int32Array (zeroed) in this thread's kernel memory (spike index buffers). */
export function allocI32(n: number): Int32Array {
  return kernels().i32(n);
}

/** Gives an allocF32/allocI32 array's memory back; neither it nor its subarrays may be used afterwards. */
export function release(arr: Float32Array | Int32Array): void {
  kernels().release(arr);
}

/** True when `arr` lives in this thread's kernel memory (ops use it without copying). */
export function inKernelMemory(arr: ArrayBufferView): boolean {
  return kernels().owns(arr);
}

// Runs one kernel call with staging: arrays outside kernel memory are copied in/out by the frame.
function call<T>(body: (f: Frame, k: KernelExports, scratch: (bytes: number) => number) => T): T {
  const kn = kernels();
  const f = kn.frame();
  try {
    return body(f, kn.exports, (bytes) => kn.scratch(bytes));
  } finally {
    f.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Dense

/**
 * C (+)= op(A)·op(B), row-major. op(A) is [m, k]: A is stored [m, k], or [k, m] when transA.
 * op(B) is [k, n]: B is stored [k, n], or [n, k] when transB. C is [m, n]; with `accumulate`
 * the product is added to C, otherwise C is overwritten. A, B and C must not overlap.
 * Every entry of C is summed in the same order whatever m and n, so a row computed alone equals
 * that row computed in a batch bit for bit (splitting images over workers changes no result).
 */
export function gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate = false): void {
  need("gemm", "A", a, m * k);
  need("gemm", "B", b, k * n);
  need("gemm", "C", c, m * n);
  call((f, K, scratch) => {
    const pa = f.input(a, m * k), pb = f.input(b, k * n), pc = f.output(c, m * n, accumulate);
    const acc = accumulate ? 1 : 0;
    // One row times a row-major B skips packing (a 6×8 tile would idle 5 of its 6 rows); same sums, same bits.
    if (m === 1 && !transB) K.gemvRows(n, k, pa, pb, n, pc, acc, scratch(Math.max(K.gemmScratchBytes(), n * 4 + 64)));
    else K.gemmStrided(m, n, k, pa, transA ? 1 : k, transA ? m : 1, pb, transB ? 1 : n, transB ? k : 1, pc, n, acc, scratch(K.gemmScratchBytes()));
  });
}

/** y [batch, outF] = x [batch, inF] · wᵀ + bias; w [outF, inF], bias [outF] or null. */
export function denseForward(batch: number, inF: number, outF: number, x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array): void {
  need("dense", "x", x, batch * inF);
  need("dense", "weight", w, outF * inF);
  if (bias) need("dense", "bias", bias, outF);
  need("dense", "y", y, batch * outF);
  call((f, K, scratch) => {
    const px = f.input(x, batch * inF), pw = f.input(w, outF * inF), py = f.output(y, batch * outF);
    if (bias) {
      const pb = f.input(bias, outF);
      const yv = new Float32Array(kernels().memory.buffer, py, batch * outF), bv = new Float32Array(kernels().memory.buffer, pb, outF);
      for (let i = 0; i < batch; i++) yv.set(bv, i * outF);
    }
    K.gemmStrided(batch, outF, inF, px, inF, 1, pw, 1, inF, py, outF, bias ? 1 : 0, scratch(K.gemmScratchBytes()));
  });
}

/**
 * Gradients of denseForward given dy [batch, outF]: dx [batch, inF] = dy·w, dw [outF, inF] =
 * dyᵀ·x, db [outF] = Σ_batch dy. Each is overwritten (sum across batches yourself); null skips it.
 */
export function denseBackward(batch: number, inF: number, outF: number, x: Float32Array, w: Float32Array, dy: Float32Array, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null): void {
  need("dense backward", "x", x, batch * inF);
  need("dense backward", "weight", w, outF * inF);
  need("dense backward", "dy", dy, batch * outF);
  if (dx) need("dense backward", "dx", dx, batch * inF);
  if (dw) need("dense backward", "dw", dw, outF * inF);
  if (db) need("dense backward", "db", db, outF);
  call((f, K, scratch) => {
    const px = f.input(x, batch * inF), pw = f.input(w, outF * inF), pdy = f.input(dy, batch * outF);
    const pdx = f.optOut(dx, batch * inF), pdw = f.optOut(dw, outF * inF);
    const sp = scratch(K.gemmScratchBytes());
    if (pdx) K.gemmStrided(batch, inF, outF, pdy, outF, 1, pw, inF, 1, pdx, inF, 0, sp);
    if (pdw) K.gemmStrided(outF, inF, batch, pdy, 1, outF, px, inF, 1, pdw, inF, 0, sp);
  });
  if (db) {
    // Column sums in f64: short, and the ANN sums these across batches anyway.
    for (let o = 0; o < outF; o++) {
      let s = 0;
      for (let i = 0; i < batch; i++) s += dy[i * outF + o]!;
      db[o] = s;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Convolution and pooling (NCHW)

const convSizes = (g: Conv2dGeometry) => ({
  x: g.batch * g.inC * g.inH * g.inW,
  w: g.outC * (g.inC / g.groups) * g.kH * g.kW,
  y: g.batch * g.outC * g.outH * g.outW,
});

/**
 * y [batch, outC, outH, outW] = conv(x [batch, inC, inH, inW], w [outC, inC/groups, kH, kW]) + bias [outC]
 * (cross-correlation, as every framework; zero padding; build g with conv2dGeometry). Stride 1
 * runs a direct kernel, other strides im2col + GEMM (whichever measured faster for the shape).
 */
export function conv2dForward(g: Conv2dGeometry, x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array): void {
  const s = convSizes(g);
  need("conv2d", "x", x, s.x);
  need("conv2d", "weight", w, s.w);
  if (bias) need("conv2d", "bias", bias, g.outC);
  need("conv2d", "y", y, s.y);
  call((f, K, scratch) => {
    const px = f.input(x, s.x), pw = f.input(w, s.w), pb = f.optIn(bias, g.outC), py = f.output(y, s.y);
    const bytes = K.convForwardScratchBytes(g.inC, g.inH, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.groups, g.outH, g.outW);
    K.conv2dForward(g.batch, g.inC, g.inH, g.inW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.groups, g.outH, g.outW, px, pw, pb, py, scratch(bytes));
  });
}

/**
 * Gradients of conv2dForward given dy [batch, outC, outH, outW]: dx like x, dw like w (summed
 * over the batch), db [outC]. Each is overwritten; null skips it.
 */
export function conv2dBackward(g: Conv2dGeometry, x: Float32Array, w: Float32Array, dy: Float32Array, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null): void {
  const s = convSizes(g);
  need("conv2d backward", "x", x, s.x);
  need("conv2d backward", "weight", w, s.w);
  need("conv2d backward", "dy", dy, s.y);
  if (dx) need("conv2d backward", "dx", dx, s.x);
  if (dw) need("conv2d backward", "dw", dw, s.w);
  if (db) need("conv2d backward", "db", db, g.outC);
  call((f, K, scratch) => {
    const px = f.input(x, s.x), pw = f.input(w, s.w), pdy = f.input(dy, s.y);
    const pdx = f.optOut(dx, s.x), pdw = f.optOut(dw, s.w), pdb = f.optOut(db, g.outC);
    K.conv2dBackward(g.batch, g.inC, g.inH, g.inW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.groups, g.outH, g.outW, px, pw, pdy, pdx, pdw, pdb, scratch(K.convScratchBytes(g.inC, g.kH, g.kW, g.groups, g.outH, g.outW)));
  });
}

const poolSizes = (g: Pool2dGeometry) => ({ x: g.batch * g.channels * g.inH * g.inW, y: g.batch * g.channels * g.outH * g.outW });

/** y [batch, C, outH, outW] = window means of x [batch, C, inH, inW]; padding counts as zeros (divisor kH·kW). */
export function avgPool2dForward(g: Pool2dGeometry, x: Float32Array, y: Float32Array): void {
  const s = poolSizes(g);
  need("avgpool", "x", x, s.x);
  need("avgpool", "y", y, s.y);
  call((f, K) => K.avgPoolForward(g.batch * g.channels, g.inH, g.inW, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW, f.input(x, s.x), f.output(y, s.y)));
}

/** dx [batch, C, inH, inW] (overwritten) from dy [batch, C, outH, outW]. */
export function avgPool2dBackward(g: Pool2dGeometry, dy: Float32Array, dx: Float32Array): void {
  const s = poolSizes(g);
  need("avgpool backward", "dy", dy, s.y);
  need("avgpool backward", "dx", dx, s.x);
  call((f, K) => K.avgPoolBackward(g.batch * g.channels, g.inH, g.inW, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW, f.input(dy, s.y), f.output(dx, s.x)));
}

/** y [batch, C, outH, outW] = window maxima of x [batch, C, inH, inW]; padding never wins. */
export function maxPool2dForward(g: Pool2dGeometry, x: Float32Array, y: Float32Array): void {
  const s = poolSizes(g);
  need("maxpool", "x", x, s.x);
  need("maxpool", "y", y, s.y);
  call((f, K) => K.maxPoolForward(g.batch * g.channels, g.inH, g.inW, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW, f.input(x, s.x), f.output(y, s.y)));
}

/**
 * dx (overwritten) routes each dy to its window's maximum in x (the first in scan order on a
 * tie; overlapping windows add up). x is the forward input, re-scanned rather than stored.
 */
export function maxPool2dBackward(g: Pool2dGeometry, x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  const s = poolSizes(g);
  need("maxpool backward", "x", x, s.x);
  need("maxpool backward", "dy", dy, s.y);
  need("maxpool backward", "dx", dx, s.x);
  call((f, K) => K.maxPoolBackward(g.batch * g.channels, g.inH, g.inW, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW, f.input(x, s.x), f.input(dy, s.y), f.output(dx, s.x)));
}

/** y [batch, channels] = mean of x [batch, channels, hw] over its hw = H·W positions. */
export function globalAvgPoolForward(batch: number, channels: number, hw: number, x: Float32Array, y: Float32Array): void {
  need("globalavgpool", "x", x, batch * channels * hw);
  need("globalavgpool", "y", y, batch * channels);
  call((f, K) => K.globalAvgPoolForward(batch * channels, hw, f.input(x, batch * channels * hw), f.output(y, batch * channels)));
}

/** dx [batch, channels, hw] (overwritten) = dy [batch, channels] / hw. */
export function globalAvgPoolBackward(batch: number, channels: number, hw: number, dy: Float32Array, dx: Float32Array): void {
  need("globalavgpool backward", "dy", dy, batch * channels);
  need("globalavgpool backward", "dx", dx, batch * channels * hw);
  call((f, K) => K.globalAvgPoolBackward(batch * channels, hw, f.input(dy, batch * channels), f.output(dx, batch * channels * hw)));
}

// ---------------------------------------------------------------------------------------------
// Batch norm: x [batch, channels, hw] with hw = H·W for images, 1 for vectors; params [channels]

/** Inference: y = gamma·(x − mean)/√(variance + eps) + beta, per channel. x and y may be the same array. */
export function batchNormInference(batch: number, channels: number, hw: number, x: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, eps: number, y: Float32Array): void {
  const n = batch * channels * hw;
  need("batchnorm", "x", x, n);
  need("batchnorm", "y", y, n);
  for (const [name, p] of [["gamma", gamma], ["beta", beta], ["mean", mean], ["variance", variance]] as const) need("batchnorm", name, p, channels);
  call((f, K) => K.batchNormInference(batch, channels, hw, f.input(x, n), f.input(gamma, channels), f.input(beta, channels), f.input(mean, channels), f.input(variance, channels), eps, f.output(y, n)));
}

/**
 * Training: normalises with this batch's statistics and writes them to batchMean, batchVar
 * [channels] (variance biased, ÷ batch·hw). Updating running statistics is the caller's choice
 * of momentum convention. x and y must be different arrays (backward needs x).
 */
export function batchNormTrainForward(batch: number, channels: number, hw: number, x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number, y: Float32Array, batchMean: Float32Array, batchVar: Float32Array): void {
  const n = batch * channels * hw;
  need("batchnorm", "x", x, n);
  need("batchnorm", "y", y, n);
  for (const [name, p] of [["gamma", gamma], ["beta", beta], ["batch mean", batchMean], ["batch variance", batchVar]] as const) need("batchnorm", name, p, channels);
  call((f, K) =>
    K.batchNormTrainForward(batch, channels, hw, f.input(x, n), f.input(gamma, channels), f.input(beta, channels), eps, f.output(y, n), f.output(batchMean, channels), f.output(batchVar, channels)),
  );
}

/** Backward of batchNormTrainForward (statistics depend on x): dx like x, dgamma, dbeta [channels]; overwritten, null skips. */
export function batchNormBackward(batch: number, channels: number, hw: number, x: Float32Array, gamma: Float32Array, batchMean: Float32Array, batchVar: Float32Array, eps: number, dy: Float32Array, dx: Float32Array | null, dgamma: Float32Array | null, dbeta: Float32Array | null): void {
  const n = batch * channels * hw;
  need("batchnorm backward", "x", x, n);
  need("batchnorm backward", "dy", dy, n);
  if (dx) need("batchnorm backward", "dx", dx, n);
  for (const [name, p] of [["gamma", gamma], ["batch mean", batchMean], ["batch variance", batchVar]] as const) need("batchnorm backward", name, p, channels);
  if (dgamma) need("batchnorm backward", "dgamma", dgamma, channels);
  if (dbeta) need("batchnorm backward", "dbeta", dbeta, channels);
  call((f, K) =>
    K.batchNormBackward(batch, channels, hw, f.input(x, n), f.input(gamma, channels), f.input(batchMean, channels), f.input(batchVar, channels), eps, f.input(dy, n), f.optOut(dx, n), f.optOut(dgamma, channels), f.optOut(dbeta, channels)),
  );
}

// ---------------------------------------------------------------------------------------------
// Elementwise activations (any layout; x and y may be the same array for the forwards)

/** y = max(x, 0). */
export function relu(x: Float32Array, y: Float32Array): void {
  sameLength("relu", x, y, "x", "y");
  call((f, K) => K.relu(x.length, f.input(x, x.length), f.output(y, x.length)));
}

/** dx = dy where x > 0, else 0; x is the forward input. */
export function reluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  sameLength("relu backward", x, dy, "x", "dy");
  sameLength("relu backward", x, dx, "x", "dx");
  call((f, K) => K.reluBackward(x.length, f.input(x, x.length), f.input(dy, x.length), f.output(dx, x.length)));
}

/** y = 1/(1 + e^−x). */
export function sigmoid(x: Float32Array, y: Float32Array): void {
  sameLength("sigmoid", x, y, "x", "y");
  call((f, K) => K.sigmoid(x.length, f.input(x, x.length), f.output(y, x.length)));
}

/** dx = dy·y·(1 − y); y is the forward OUTPUT. */
export function sigmoidBackward(y: Float32Array, dy: Float32Array, dx: Float32Array): void {
  sameLength("sigmoid backward", y, dy, "y", "dy");
  sameLength("sigmoid backward", y, dx, "y", "dx");
  call((f, K) => K.sigmoidBackward(y.length, f.input(y, y.length), f.input(dy, y.length), f.output(dx, y.length)));
}

/** y = x·sigmoid(x) (SiLU, swish). */
export function silu(x: Float32Array, y: Float32Array): void {
  sameLength("silu", x, y, "x", "y");
  call((f, K) => K.silu(x.length, f.input(x, x.length), f.output(y, x.length)));
}

/** dx = dy·s·(1 + x·(1 − s)), s = sigmoid(x); x is the forward input. */
export function siluBackward(x: Float32Array, dy: Float32Array, dx: Float32Array): void {
  sameLength("silu backward", x, dy, "x", "dy");
  sameLength("silu backward", x, dx, "x", "dx");
  call((f, K) => K.siluBackward(x.length, f.input(x, x.length), f.input(dy, x.length), f.output(dx, x.length)));
}

/** Row-wise softmax: y [batch, classes] from x [batch, classes] (max-shifted, no overflow). */
export function softmax(batch: number, classes: number, x: Float32Array, y: Float32Array): void {
  need("softmax", "x", x, batch * classes);
  need("softmax", "y", y, batch * classes);
  call((f, K) => K.softmax(batch, classes, f.input(x, batch * classes), f.output(y, batch * classes)));
}

/** dx = y ⊙ (dy − Σ_j dy_j·y_j) per row; y is the forward OUTPUT. */
export function softmaxBackward(batch: number, classes: number, y: Float32Array, dy: Float32Array, dx: Float32Array): void {
  need("softmax backward", "y", y, batch * classes);
  need("softmax backward", "dy", dy, batch * classes);
  need("softmax backward", "dx", dx, batch * classes);
  const n = batch * classes;
  call((f, K) => K.softmaxBackward(batch, classes, f.input(y, n), f.input(dy, n), f.output(dx, n)));
}

/**
 * Mean cross-entropy of softmax(logits [batch, classes]) against integer labels [batch];
 * writes probs [batch, classes] and, unless null, dlogits = (probs − onehot)/batch, the
 * gradient of the returned mean loss. Labels outside [0, classes) are a SpikelabError('param').
 */
export function softmaxCrossEntropy(batch: number, classes: number, logits: Float32Array, labels: ArrayLike<number>, probs: Float32Array, dlogits: Float32Array | null): number {
  need("cross-entropy", "logits", logits, batch * classes);
  need("cross-entropy", "labels", labels, batch);
  need("cross-entropy", "probs", probs, batch * classes);
  if (dlogits) need("cross-entropy", "dlogits", dlogits, batch * classes);
  for (let b = 0; b < batch; b++) {
    const l = labels[b]!;
    if (!Number.isInteger(l) || l < 0 || l >= classes) {
      throw new SpikelabError("param", `cross-entropy: label ${l} of sample ${b} is not a class in 0..${classes - 1}`, { hint: "check that the dataset's labels match the network's output size" });
    }
  }
  const n = batch * classes;
  const lab = labels instanceof Int32Array ? labels : Int32Array.from({ length: batch }, (_, b) => labels[b]!);
  return call((f, K) => K.softmaxCrossEntropy(batch, classes, f.input(logits, n), f.input(lab, batch), f.output(probs, n), f.optOut(dlogits, n)));
}

// ---------------------------------------------------------------------------------------------
// Small vector helpers

/** y += alpha·x (e.g. bias currents into membranes). */
export function axpy(alpha: number, x: Float32Array, y: Float32Array): void {
  need("axpy", "y", y, x.length);
  call((f, K) => K.axpy(x.length, alpha, f.input(x, x.length), f.output(y, x.length, true)));
}

/** dst [cols, rows] = src [rows, cols]ᵀ. */
export function transpose(rows: number, cols: number, src: Float32Array, dst: Float32Array): void {
  need("transpose", "src", src, rows * cols);
  need("transpose", "dst", dst, rows * cols);
  call((f, K) => K.transpose(rows, cols, f.input(src, rows * cols), f.output(dst, rows * cols)));
}

// ---------------------------------------------------------------------------------------------
// Spiking hot loops (one sample at a time; membranes in the layer's own layout: [out] or [C, H, W])

/** Lays out dense weights w [outF, inF] for scatterDense (a copy in kernel memory; later changes to w are not seen). */
export function prepareDenseScatter(inF: number, outF: number, w: Float32Array): DenseScatter {
  need("dense scatter", "weight", w, inF * outF);
  const k = kernels();
  const rows = k.f32(inF * outF);
  call((f, K) => K.transpose(outF, inF, f.input(w, inF * outF), rows.byteOffset));
  return { inF, outF, rows };
}

/**
 * Event scatter, dense: for each spiking input index s in spikes[0..count), membrane [outF]
 * += column s of w (= row s of wᵀ). Indices must be in [0, inF).
 */
export function scatterDense(prep: DenseScatter, spikes: Int32Array, count: number, membrane: Float32Array): void {
  need("dense scatter", "membrane", membrane, prep.outF);
  checkSpikes("dense scatter", spikes, count, prep.inF);
  call((f, K) => K.scatterDense(f.input(prep.rows, prep.inF * prep.outF), prep.outF, f.input(spikes, count), count, f.output(membrane, prep.outF, true)));
}

/** Lays out conv weights w [outC, inC/groups, kH, kW] for scatterConv (a copy; g.batch is ignored). */
export function prepareConvScatter(g: Conv2dGeometry, w: Float32Array): ConvScatter {
  need("conv scatter", "weight", w, convSizes(g).w);
  const n = convSizes(g).w;
  const k = kernels();
  const copy = k.f32(n), taps = k.f32(n);
  call((f, K) => {
    const pw = f.input(w, n);
    copy.set(w.subarray(0, n));
    K.prepareConvTaps(g.outC, g.inC / g.groups, g.kH, g.kW, g.groups, pw, taps.byteOffset);
  });
  return { g, w: copy, taps };
}

/**
 * Event scatter, conv: a spike at input index (c·inH + iy)·inW + ix adds its kernel footprint
 * into membrane [outC, outH, outW] — what conv2dForward (no bias) adds for a one-hot input.
 */
export function scatterConv(prep: ConvScatter, spikes: Int32Array, count: number, membrane: Float32Array): void {
  const g = prep.g;
  need("conv scatter", "membrane", membrane, g.outC * g.outH * g.outW);
  checkSpikes("conv scatter", spikes, count, g.inC * g.inH * g.inW);
  const m = g.outC * g.outH * g.outW;
  call((f, K) =>
    K.scatterConv(g.inC, g.inH, g.inW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.groups, g.outH, g.outW, f.input(prep.taps, prep.taps.length), f.input(spikes, count), count, f.output(membrane, m, true)),
  );
}

/**
 * Threshold sweep over membrane: every value ≥ threshold (rounded to float32) spikes once —
 * its index is written to spikes (increasing order) — and is reset by subtracting the
 * threshold ("subtract") or to 0 ("zero"). Returns the spike count. spikes must hold
 * membrane.length values (every neuron may fire).
 */
export function thresholdReset(membrane: Float32Array, threshold: number, reset: "subtract" | "zero", spikes: Int32Array): number {
  need("threshold", "spikes", spikes, membrane.length);
  const n = membrane.length;
  return call((f, K) => {
    // keep: only `count` indices are written; the rest of a staged buffer must come back unchanged.
    const pm = f.output(membrane, n, true), ps = f.output(spikes, n, true);
    return K.thresholdReset(n, pm, threshold, reset === "subtract" ? 1 : 0, ps);
  });
}

function checkSpikes(where: string, spikes: Int32Array, count: number, size: number): void {
  if (!Number.isInteger(count) || count < 0 || count > spikes.length) {
    throw new SpikelabError("shape", `${where}: spike count ${count} outside the buffer of ${spikes.length}`);
  }
  // One pass over the indices is cheap next to the fan-out work and keeps WASM in bounds.
  for (let i = 0; i < count; i++) {
    const s = spikes[i]!;
    if (s < 0 || s >= size) throw new SpikelabError("shape", `${where}: spike index ${s} outside the ${size} inputs`);
  }
}

// Every WASM op in ops.ts against the plain-TS reference on random shapes, odd sizes included
// (tails of SIMD loops, partial GEMM tiles, K blocks), norm-wise relative error ≤ 1e-5.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as ops from "../../stdlib/tensor/ops.ts";
import * as ref from "../../stdlib/tensor/reference.ts";
import { conv2dGeometry, pool2dGeometry, type Conv2dGeometry } from "../../stdlib/tensor/geometry.ts";
import { rng, randn32, relErr } from "./helpers.ts";

const TOL = 1e-5;
const r = rng(12345);

function close(name: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  const e = relErr(got, want);
  assert.ok(e <= TOL, `${name}: relative error ${e.toExponential(2)} > ${TOL}`);
}

test("gemm: every transpose combination, odd and blocked sizes, overwrite and accumulate", () => {
  // m > MC (120) and k > KC (256) cross the blocking; 1-row / 1-column shapes take the GEMV paths.
  const shapes: [number, number, number][] = [[1, 1, 1], [7, 13, 5], [6, 8, 1], [130, 9, 300], [1, 37, 19], [23, 1, 41], [5, 70, 3], [64, 120, 400]];
  for (const [m, n, k] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        for (const acc of [false, true]) {
          const a = randn32(m * k, r), b = randn32(k * n, r), c0 = randn32(m * n, r);
          const want = c0.slice(), got = c0.slice();
          ref.gemm(ta, tb, m, n, k, a, b, want, acc);
          ops.gemm(ta, tb, m, n, k, a, b, got, acc);
          close(`gemm ${m}x${n}x${k} ta=${ta} tb=${tb} acc=${acc}`, got, want);
        }
      }
    }
  }
});

test("gemm on kernel-memory arrays runs in place and gives the same numbers", () => {
  const m = 33, n = 17, k = 29;
  const a = ops.allocF32(m * k), b = ops.allocF32(k * n), c = ops.allocF32(m * n);
  a.set(randn32(m * k, r));
  b.set(randn32(k * n, r));
  assert.ok(ops.inKernelMemory(a) && !ops.inKernelMemory(new Float32Array(4)));
  const want = new Float32Array(m * n);
  ref.gemm(false, true, m, n, k, a, b, want);
  ops.gemm(false, true, m, n, k, a, b, c);
  close("gemm in place", c, want);
  for (const x of [a, b, c]) ops.release(x);
});

test("dense forward and backward, batch 1 and odd batches, with and without bias", () => {
  for (const [batch, inF, outF] of [[1, 17, 9], [5, 33, 10], [64, 150, 7], [3, 1, 1]] as const) {
    for (const withBias of [true, false]) {
      const x = randn32(batch * inF, r), w = randn32(outF * inF, r), bias = withBias ? randn32(outF, r) : null;
      const y = new Float32Array(batch * outF), yr = y.slice();
      ops.denseForward(batch, inF, outF, x, w, bias, y);
      ref.denseForward(batch, inF, outF, x, w, bias, yr);
      close(`dense ${batch}x${inF}->${outF}`, y, yr);
      const dy = randn32(batch * outF, r);
      const g = [new Float32Array(batch * inF), new Float32Array(outF * inF), new Float32Array(outF)] as const;
      const gr = [new Float32Array(batch * inF), new Float32Array(outF * inF), new Float32Array(outF)] as const;
      ops.denseBackward(batch, inF, outF, x, w, dy, ...g);
      ref.denseBackward(batch, inF, outF, x, w, dy, ...gr);
      close("dense dx", g[0], gr[0]);
      close("dense dw", g[1], gr[1]);
      close("dense db", g[2], gr[2]);
    }
  }
});

const convCases: Conv2dGeometry[] = [
  conv2dGeometry({ batch: 2, inC: 1, inH: 28, inW: 28, outC: 6, kernel: [5, 5], padding: [2, 2] }), // LeNet conv1
  conv2dGeometry({ batch: 3, inC: 6, inH: 14, inW: 14, outC: 16, kernel: [5, 5] }), // LeNet conv2
  conv2dGeometry({ batch: 2, inC: 3, inH: 9, inW: 7, outC: 5, kernel: [3, 2], stride: [2, 1], padding: [1, 0] }),
  conv2dGeometry({ batch: 1, inC: 4, inH: 11, inW: 10, outC: 6, kernel: [3, 3], stride: [2, 3], padding: [2, 1], groups: 2 }),
  conv2dGeometry({ batch: 2, inC: 8, inH: 5, inW: 5, outC: 8, kernel: [3, 3], padding: [1, 1], groups: 8 }), // depthwise
  conv2dGeometry({ batch: 2, inC: 7, inH: 6, inW: 5, outC: 9, kernel: [1, 1] }), // 1x1: no im2col
  conv2dGeometry({ batch: 1, inC: 2, inH: 3, inW: 3, outC: 3, kernel: [3, 3] }), // kernel = image
];

test("conv2d forward and backward: stride, padding, groups, 1x1, odd sizes", () => {
  for (const g of convCases) {
    const nx = g.batch * g.inC * g.inH * g.inW, nw = g.outC * (g.inC / g.groups) * g.kH * g.kW, ny = g.batch * g.outC * g.outH * g.outW;
    const x = randn32(nx, r), w = randn32(nw, r), b = randn32(g.outC, r);
    const tag = `conv ${JSON.stringify(g)}`;
    for (const bias of [b, null]) {
      const y = new Float32Array(ny), yr = new Float32Array(ny);
      ops.conv2dForward(g, x, w, bias, y);
      ref.conv2dForward(g, x, w, bias, yr);
      close(`${tag} forward`, y, yr);
    }
    const dy = randn32(ny, r);
    const got = [new Float32Array(nx), new Float32Array(nw), new Float32Array(g.outC)] as const;
    const want = [new Float32Array(nx), new Float32Array(nw), new Float32Array(g.outC)] as const;
    got[0].fill(7); // overwritten, not accumulated
    ops.conv2dBackward(g, x, w, dy, ...got);
    ref.conv2dBackward(g, x, w, dy, ...want);
    close(`${tag} dx`, got[0], want[0]);
    close(`${tag} dw`, got[1], want[1]);
    close(`${tag} db`, got[2], want[2]);
    // Only dx, only dw.
    const dx = new Float32Array(nx), dw = new Float32Array(nw);
    ops.conv2dBackward(g, x, w, dy, dx, null, null);
    ops.conv2dBackward(g, x, w, dy, null, dw, null);
    close(`${tag} dx alone`, dx, want[0]);
    close(`${tag} dw alone`, dw, want[1]);
  }
});

test("pooling: average and max, overlapping windows, padding, odd sizes; global average", () => {
  const cases = [
    pool2dGeometry({ batch: 2, channels: 3, inH: 28, inW: 28, kernel: [2, 2] }),
    pool2dGeometry({ batch: 1, channels: 2, inH: 7, inW: 9, kernel: [3, 3], stride: [2, 2], padding: [1, 1] }),
    pool2dGeometry({ batch: 3, channels: 1, inH: 5, inW: 6, kernel: [2, 3], stride: [1, 2], padding: [1, 0] }),
  ];
  for (const g of cases) {
    const nx = g.batch * g.channels * g.inH * g.inW, ny = g.batch * g.channels * g.outH * g.outW;
    const x = randn32(nx, r), dy = randn32(ny, r);
    for (const [name, f, fr, b, br] of [
      ["avg", ops.avgPool2dForward, ref.avgPool2dForward, (dx: Float32Array) => ops.avgPool2dBackward(g, dy, dx), (dx: Float32Array) => ref.avgPool2dBackward(g, dy, dx)],
      ["max", ops.maxPool2dForward, ref.maxPool2dForward, (dx: Float32Array) => ops.maxPool2dBackward(g, x, dy, dx), (dx: Float32Array) => ref.maxPool2dBackward(g, x, dy, dx)],
    ] as const) {
      const y = new Float32Array(ny), yr = new Float32Array(ny);
      f(g, x, y);
      fr(g, x, yr);
      close(`${name}pool ${JSON.stringify(g)}`, y, yr);
      const dx = new Float32Array(nx).fill(3), dxr = new Float32Array(nx);
      b(dx);
      br(dxr);
      close(`${name}pool backward`, dx, dxr);
    }
  }
  const x = randn32(2 * 5 * 49, r), y = new Float32Array(10), yr = new Float32Array(10);
  ops.globalAvgPoolForward(2, 5, 49, x, y);
  ref.globalAvgPoolForward(2, 5, 49, x, yr);
  close("global avg pool", y, yr);
  const dy = randn32(10, r), dx = new Float32Array(490), dxr = new Float32Array(490);
  ops.globalAvgPoolBackward(2, 5, 49, dy, dx);
  ref.globalAvgPoolBackward(2, 5, 49, dy, dxr);
  close("global avg pool backward", dx, dxr);
});

test("max pool: ties go to the first element in scan order, padding never wins", () => {
  const g = pool2dGeometry({ batch: 1, channels: 1, inH: 2, inW: 2, kernel: [2, 2], stride: [1, 1], padding: [1, 1] });
  const x = Float32Array.from([-5, -5, -5, -6]);
  const y = new Float32Array(9);
  ops.maxPool2dForward(g, x, y);
  assert.equal([...y], [-5, -5, -5, -5, -5, -5, -5, -5, -6]);
  const dx = new Float32Array(4);
  ops.maxPool2dBackward(g, x, new Float32Array(9).fill(1), dx);
  // Windows: (0,0)→x0; (0,1)→x0 (tie with x1, x0 first); (0,2)→x1; (1,0)→x0; (1,1)→x0; (1,2)→x1; (2,0)→x2; (2,1)→x2; (2,2)→x3.
  assert.equal([...dx], [4, 2, 2, 1]);
});

test("batch norm: inference, training statistics, backward (images and vectors, |mean| ≫ spread)", () => {
  for (const [batch, channels, hw, offset] of [[4, 3, 25, 0], [7, 5, 1, 0], [2, 6, 49, 50]] as const) {
    const n = batch * channels * hw;
    const x = randn32(n, r).map((v) => v + offset), gamma = randn32(channels, r), beta = randn32(channels, r);
    const mean = randn32(channels, r), variance = randn32(channels, r).map((v) => v * v + 0.1);
    const y = new Float32Array(n), yr = new Float32Array(n);
    ops.batchNormInference(batch, channels, hw, x, gamma, beta, mean, variance, 1e-5, y);
    ref.batchNormInference(batch, channels, hw, x, gamma, beta, mean, variance, 1e-5, yr);
    close("bn inference", y, yr);
    const bm = new Float32Array(channels), bv = new Float32Array(channels), bmr = bm.slice(), bvr = bv.slice();
    ops.batchNormTrainForward(batch, channels, hw, x, gamma, beta, 1e-5, y, bm, bv);
    ref.batchNormTrainForward(batch, channels, hw, x, gamma, beta, 1e-5, yr, bmr, bvr);
    close("bn batch mean", bm, bmr);
    close("bn batch var", bv, bvr);
    close("bn train forward", y, yr);
    const dy = randn32(n, r);
    const g = [new Float32Array(n), new Float32Array(channels), new Float32Array(channels)] as const;
    const gr = [new Float32Array(n), new Float32Array(channels), new Float32Array(channels)] as const;
    ops.batchNormBackward(batch, channels, hw, x, gamma, bmr, bvr, 1e-5, dy, ...g);
    ref.batchNormBackward(batch, channels, hw, x, gamma, bmr, bvr, 1e-5, dy, ...gr);
    close("bn dx", g[0], gr[0]);
    close("bn dgamma", g[1], gr[1]);
    close("bn dbeta", g[2], gr[2]);
  }
});

test("activations forward/backward on odd lengths, in place, extreme inputs", () => {
  for (const n of [1, 3, 4, 5, 1001]) {
    const x = randn32(n, r).map((v) => v * 8);
    if (n > 4) x.set([0, -0, 100, -100, 90]);
    const dy = randn32(n, r);
    for (const [name, f, fr, b, br, useOut] of [
      ["relu", ops.relu, ref.relu, ops.reluBackward, ref.reluBackward, false],
      ["sigmoid", ops.sigmoid, ref.sigmoid, ops.sigmoidBackward, ref.sigmoidBackward, true],
      ["silu", ops.silu, ref.silu, ops.siluBackward, ref.siluBackward, false],
    ] as const) {
      const y = new Float32Array(n), yr = new Float32Array(n);
      f(x, y);
      fr(x, yr);
      close(`${name} n=${n}`, y, yr);
      const inPlace = x.slice();
      f(inPlace, inPlace);
      close(`${name} in place`, inPlace, yr);
      const src = useOut ? yr : x;
      const dx = new Float32Array(n), dxr = new Float32Array(n);
      b(src, dy, dx);
      br(src, dy, dxr);
      close(`${name} backward n=${n}`, dx, dxr);
    }
  }
});

test("softmax, its backward, and cross-entropy (loss and gradient)", () => {
  for (const [batch, classes] of [[1, 10], [5, 3], [17, 11]] as const) {
    const n = batch * classes;
    const x = randn32(n, r).map((v) => v * 30); // large logits: must not overflow
    const y = new Float32Array(n), yr = new Float32Array(n);
    ops.softmax(batch, classes, x, y);
    ref.softmax(batch, classes, x, yr);
    close("softmax", y, yr);
    const dy = randn32(n, r), dx = new Float32Array(n), dxr = new Float32Array(n);
    ops.softmaxBackward(batch, classes, yr, dy, dx);
    ref.softmaxBackward(batch, classes, yr, dy, dxr);
    close("softmax backward", dx, dxr);
    const labels = Array.from({ length: batch }, () => Math.floor(r() * classes));
    const p = new Float32Array(n), pr = new Float32Array(n), d = new Float32Array(n), dr = new Float32Array(n);
    const loss = ops.softmaxCrossEntropy(batch, classes, x, labels, p, d);
    const lossRef = ref.softmaxCrossEntropy(batch, classes, x, labels, pr, dr);
    assert.ok(Math.abs(loss - lossRef) <= 1e-5 * Math.max(1, Math.abs(lossRef)), `loss ${loss} vs ${lossRef}`);
    close("cross-entropy probs", p, pr);
    close("cross-entropy gradient", d, dr);
  }
  // A hand value: two equal logits, label 0 → loss ln 2, gradient (½ − 1, ½).
  const p = new Float32Array(2), d = new Float32Array(2);
  const loss = ops.softmaxCrossEntropy(1, 2, Float32Array.from([3, 3]), [0], p, d);
  assert.ok(Math.abs(loss - Math.LN2) < 1e-7);
  assert.equal([...d], [-0.5, 0.5]);
});

test("axpy and transpose", () => {
  const x = randn32(37, r), y = randn32(37, r), yr = y.slice();
  ops.axpy(0.37, x, y);
  ref.axpy(0.37, x, yr);
  close("axpy", y, yr);
  const src = randn32(13 * 21, r), dst = new Float32Array(13 * 21), dstr = dst.slice();
  ops.transpose(13, 21, src, dst);
  ref.transpose(13, 21, src, dstr);
  assert.equal([...dst], [...dstr]);
});

test("wrong sizes and labels are SpikelabErrors naming the op and the array", () => {
  assert.throws(() => ops.gemm(false, false, 3, 3, 3, new Float32Array(8), new Float32Array(9), new Float32Array(9)), /gemm: A holds 8 values, needs 9/);
  const g = convCases[0]!;
  assert.throws(() => ops.conv2dForward(g, new Float32Array(10), new Float32Array(150), null, new Float32Array(9408)), /conv2d: x holds 10 values/);
  assert.throws(() => ops.relu(new Float32Array(3), new Float32Array(4)), /relu: x has 3 values but y has 4/);
  assert.throws(() => ops.softmaxCrossEntropy(1, 3, new Float32Array(3), [3], new Float32Array(3), null), /label 3 of sample 0 is not a class in 0..2/);
  assert.throws(() => conv2dGeometry({ batch: 1, inC: 3, inH: 4, inW: 4, outC: 4, kernel: [3, 3], groups: 2 }), /groups 2 must divide both 3 input and 4 output channels/);
  assert.throws(() => pool2dGeometry({ batch: 1, channels: 1, inH: 4, inW: 4, kernel: [2, 2], padding: [2, 0] }), /padding 2x0 must be smaller than the kernel/);
});

test.run();

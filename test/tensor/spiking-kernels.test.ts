// The simulators' hot loops: event scatter (dense rows, conv footprints) and the threshold/reset
// sweep. Scatter must equal the reference bit for bit (same order of adds) and equal a
// convolution / matrix product of the spike counts; the sweep must give exact spike lists.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as ops from "../../stdlib/tensor/ops.ts";
import * as ref from "../../stdlib/tensor/reference.ts";
import { conv2dGeometry } from "../../stdlib/tensor/geometry.ts";
import { bitsEqual, randn32, relErr, rng } from "./helpers.ts";

const r = rng(777);

/** `count` distinct indices below `size`, in random order, as an Int32Array (optionally kernel memory). */
function spikeList(size: number, count: number, arena = false): Int32Array {
  const all = Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const out = arena ? ops.allocI32(count) : new Int32Array(count);
  out.set(all.slice(0, count));
  return out;
}

test("dense scatter adds rows of wᵀ in spike order: bit-equal to the reference, equal to W·counts", () => {
  for (const [inF, outF, count] of [[784, 300, 97], [10, 7, 10], [50, 1, 3], [33, 13, 0], [400, 120, 5]] as const) {
    const w = randn32(outF * inF, r);
    const prep = ops.prepareDenseScatter(inF, outF, w);
    const prepRef = ref.prepareDenseScatter(inF, outF, w);
    for (const arena of [false, true]) {
      const spikes = spikeList(inF, count, arena);
      const m0 = randn32(outF, r);
      const mem = arena ? ops.allocF32(outF) : new Float32Array(outF);
      mem.set(m0);
      const memRef = m0.slice();
      ops.scatterDense(prep, spikes, count, mem);
      ref.scatterDense(prepRef, spikes, count, memRef);
      assert.ok(bitsEqual(mem, memRef), `dense scatter ${inF}->${outF} (${count} spikes, arena ${arena}) differs from the reference`);
      // Independent check: membrane − m0 = W · (spike counts).
      const counts = new Float32Array(inF);
      for (const s of spikes) counts[s]! += 1;
      const want = new Float32Array(outF);
      ref.denseForward(1, inF, outF, counts, w, m0, want);
      assert.ok(relErr(mem, want) < 1e-5, "dense scatter != W·counts + m0");
    }
  }
});

test("conv scatter adds kernel footprints: bit-equal to the reference, equal to conv of the spike image", () => {
  const cases = [
    conv2dGeometry({ batch: 1, inC: 1, inH: 28, inW: 28, outC: 6, kernel: [5, 5], padding: [2, 2] }),
    conv2dGeometry({ batch: 1, inC: 6, inH: 14, inW: 14, outC: 16, kernel: [5, 5] }),
    conv2dGeometry({ batch: 1, inC: 4, inH: 9, inW: 11, outC: 6, kernel: [3, 2], stride: [2, 3], padding: [1, 1], groups: 2 }),
    conv2dGeometry({ batch: 1, inC: 3, inH: 7, inW: 6, outC: 5, kernel: [4, 3], padding: [3, 2] }),
    conv2dGeometry({ batch: 1, inC: 8, inH: 5, inW: 5, outC: 8, kernel: [3, 3], padding: [1, 1], groups: 8 }),
  ];
  for (const g of cases) {
    const nIn = g.inC * g.inH * g.inW, nOut = g.outC * g.outH * g.outW;
    const w = randn32(g.outC * (g.inC / g.groups) * g.kH * g.kW, r);
    const prep = ops.prepareConvScatter(g, w), prepRef = ref.prepareConvScatter(g, w);
    for (const count of [1, Math.floor(nIn / 5), nIn]) {
      const spikes = spikeList(nIn, count, count === 1);
      const mem = new Float32Array(nOut), memRef = new Float32Array(nOut);
      ops.scatterConv(prep, spikes, count, mem);
      ref.scatterConv(prepRef, spikes, count, memRef);
      assert.ok(bitsEqual(mem, memRef), `conv scatter ${JSON.stringify(g)} with ${count} spikes differs from the reference`);
      const image = new Float32Array(nIn);
      for (const s of spikes) image[s] = 1;
      const want = new Float32Array(nOut);
      ref.conv2dForward(g, image, w, null, want);
      assert.ok(relErr(mem, want) < 1e-5, `conv scatter != conv of the spike image (${JSON.stringify(g)})`);
    }
  }
});

test("threshold sweep: exact spike lists and resets by subtraction and to zero", () => {
  const mem = Float32Array.from([0.5, 1, 1.5, -2, 0.999, 3, 1, 0, 2.25]);
  const spikes = new Int32Array(mem.length);
  const sub = mem.slice();
  assert.is(ops.thresholdReset(sub, 1, "subtract", spikes), 5);
  assert.equal([...spikes.subarray(0, 5)], [1, 2, 5, 6, 8]);
  assert.equal([...sub], [0.5, 0, 0.5, -2, Math.fround(0.999), 2, 0, 0, 1.25]);
  const zero = mem.slice();
  assert.is(ops.thresholdReset(zero, 1, "zero", spikes), 5);
  assert.equal([...zero], [0.5, 0, 0, -2, Math.fround(0.999), 0, 0, 0, 0]);
  // Long random membranes (SIMD body + tail), arena and plain, against the reference.
  for (const n of [1, 4, 7, 1000, 4099]) {
    for (const reset of ["subtract", "zero"] as const) {
      const m0 = randn32(n, r).map((v) => v * 2);
      const a = ops.allocF32(n), s = ops.allocI32(n);
      a.set(m0);
      const b = m0.slice(), sb = new Int32Array(n);
      const c = ops.thresholdReset(a, 0.7, reset, s);
      const cr = ref.thresholdReset(b, 0.7, reset, sb);
      assert.is(c, cr);
      assert.equal([...s.subarray(0, c)], [...sb.subarray(0, cr)]);
      assert.ok(bitsEqual(a, b), `threshold ${reset} n=${n}: membranes differ`);
      ops.release(a);
      ops.release(s);
    }
  }
});

test("scatter rejects spike indices outside the layer and counts beyond the buffer", () => {
  const prep = ops.prepareDenseScatter(4, 3, new Float32Array(12));
  assert.throws(() => ops.scatterDense(prep, Int32Array.from([0, 4]), 2, new Float32Array(3)), /spike index 4 outside the 4 inputs/);
  assert.throws(() => ops.scatterDense(prep, Int32Array.from([0]), 2, new Float32Array(3)), /spike count 2 outside the buffer of 1/);
  assert.throws(() => ops.thresholdReset(new Float32Array(5), 1, "zero", new Int32Array(4)), /spikes holds 4 values, needs 5/);
});

test.run();

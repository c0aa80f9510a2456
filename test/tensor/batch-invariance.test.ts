// A sample's result must not depend on which batch it was computed in: the worker pool splits
// datasets into arbitrary chunks and promises results identical to one thread, bit for bit.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as ops from "../../stdlib/tensor/ops.ts";
import { conv2dGeometry, withBatch } from "../../stdlib/tensor/geometry.ts";
import { bitsEqual, randn32, rng } from "./helpers.ts";

const r = rng(99);

test("gemm: each row alone equals that row of the batch, bit for bit (k across KC blocks)", () => {
  for (const [m, n, k] of [[9, 13, 300], [7, 120, 37], [13, 5, 600]] as const) {
    for (const transB of [false, true]) {
      const a = randn32(m * k, r), b = randn32(k * n, r), c = new Float32Array(m * n);
      ops.gemm(false, transB, m, n, k, a, b, c);
      for (let i = 0; i < m; i++) {
        const row = new Float32Array(n);
        ops.gemm(false, transB, 1, n, k, a.subarray(i * k, (i + 1) * k), b, row);
        assert.ok(bitsEqual(row, c.subarray(i * n, (i + 1) * n)), `row ${i} of ${m}x${n}x${k} transB=${transB}`);
      }
    }
  }
});

test("dense and conv forward: one image alone equals it inside a batch of 5, bit for bit", () => {
  const batch = 5, inF = 300, outF = 21;
  const x = randn32(batch * inF, r), w = randn32(outF * inF, r), b = randn32(outF, r);
  const y = new Float32Array(batch * outF);
  ops.denseForward(batch, inF, outF, x, w, b, y);
  for (let i = 0; i < batch; i++) {
    const yi = new Float32Array(outF);
    ops.denseForward(1, inF, outF, x.subarray(i * inF, (i + 1) * inF), w, b, yi);
    assert.ok(bitsEqual(yi, y.subarray(i * outF, (i + 1) * outF)), `dense image ${i}`);
  }
  const g = conv2dGeometry({ batch, inC: 6, inH: 14, inW: 14, outC: 16, kernel: [5, 5] });
  const per = 6 * 14 * 14, outPer = 16 * 10 * 10;
  const cx = randn32(batch * per, r), cw = randn32(16 * 6 * 25, r), cb = randn32(16, r), cy = new Float32Array(batch * outPer);
  ops.conv2dForward(g, cx, cw, cb, cy);
  for (let i = 0; i < batch; i++) {
    const yi = new Float32Array(outPer);
    ops.conv2dForward(withBatch(g, 1), cx.subarray(i * per, (i + 1) * per), cw, cb, yi);
    assert.ok(bitsEqual(yi, cy.subarray(i * outPer, (i + 1) * outPer)), `conv image ${i}`);
  }
});

test.run();

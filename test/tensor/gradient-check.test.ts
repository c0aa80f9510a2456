// Every backward in reference.ts against central finite differences of its forward, in float64
// (h = 1e-6: truncation ~1e-12, rounding ~1e-10, so 1e-6 relative is a tolerance that means
// something). ops-match-reference checks the WASM backwards against these same references.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as ref from "../../stdlib/tensor/reference.ts";
import { conv2dGeometry, pool2dGeometry } from "../../stdlib/tensor/geometry.ts";
import { rand64, relErr, rng } from "./helpers.ts";

const r = rng(2024);
const H = 1e-6;
const TOL = 1e-6;

/**
 * Checks d(Σ proj ⊙ forward(params))/d(params[i]) against `analytic` for every coordinate of
 * every parameter array; forward must read params afresh on each call.
 */
function check(name: string, params: Float64Array[], outSize: number, forward: () => Float64Array, analytic: (dy: Float64Array) => Float64Array[]): void {
  const proj = rand64(outSize, r);
  const loss = (): number => forward().reduce((a, v, i) => a + v * proj[i]!, 0);
  const grads = analytic(proj);
  params.forEach((p, which) => {
    const numeric = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const keep = p[i]!;
      p[i] = keep + H;
      const up = loss();
      p[i] = keep - H;
      const down = loss();
      p[i] = keep;
      numeric[i] = (up - down) / (2 * H);
    }
    const e = relErr(grads[which]!, numeric);
    assert.ok(e <= TOL, `${name}: gradient of parameter ${which} off by ${e.toExponential(2)} (relative)`);
  });
}

test("dense: dx, dw, db", () => {
  const [batch, inF, outF] = [3, 5, 4];
  const x = rand64(batch * inF, r), w = rand64(outF * inF, r), b = rand64(outF, r);
  check("dense", [x, w, b], batch * outF, () => {
    const y = new Float64Array(batch * outF);
    ref.denseForward(batch, inF, outF, x, w, b, y);
    return y;
  }, (dy) => {
    const g = [new Float64Array(x.length), new Float64Array(w.length), new Float64Array(b.length)];
    ref.denseBackward(batch, inF, outF, x, w, dy, g[0]!, g[1]!, g[2]!);
    return g;
  });
});

test("conv2d: dx, dw, db with stride, padding and groups", () => {
  for (const g of [
    conv2dGeometry({ batch: 2, inC: 2, inH: 5, inW: 4, outC: 3, kernel: [3, 2], stride: [2, 1], padding: [1, 1] }),
    conv2dGeometry({ batch: 1, inC: 4, inH: 4, inW: 5, outC: 2, kernel: [2, 3], stride: [1, 2], padding: [0, 1], groups: 2 }),
  ]) {
    const x = rand64(g.batch * g.inC * g.inH * g.inW, r), w = rand64(g.outC * (g.inC / g.groups) * g.kH * g.kW, r), b = rand64(g.outC, r);
    const ny = g.batch * g.outC * g.outH * g.outW;
    check(`conv ${JSON.stringify(g)}`, [x, w, b], ny, () => {
      const y = new Float64Array(ny);
      ref.conv2dForward(g, x, w, b, y);
      return y;
    }, (dy) => {
      const gr = [new Float64Array(x.length), new Float64Array(w.length), new Float64Array(b.length)];
      ref.conv2dBackward(g, x, w, dy, gr[0]!, gr[1]!, gr[2]!);
      return gr;
    });
  }
});

test("average and max pooling (overlapping, padded), global average pooling", () => {
  const g = pool2dGeometry({ batch: 2, channels: 2, inH: 5, inW: 5, kernel: [3, 3], stride: [2, 2], padding: [1, 1] });
  const nx = 2 * 2 * 25, ny = 2 * 2 * g.outH * g.outW;
  // Distinct values at least 0.01 apart: the ±h steps never change which input is the maximum.
  const order = [...Array(nx).keys()].sort(() => r() - 0.5);
  const x = Float64Array.from(order, (k) => k * 0.01 - 0.5);
  for (const [name, fwd, bwd] of [
    ["avgpool", ref.avgPool2dForward, (dy: Float64Array, dx: Float64Array) => ref.avgPool2dBackward(g, dy, dx)],
    ["maxpool", ref.maxPool2dForward, (dy: Float64Array, dx: Float64Array) => ref.maxPool2dBackward(g, x, dy, dx)],
  ] as const) {
    check(name, [x], ny, () => {
      const y = new Float64Array(ny);
      fwd(g, x, y);
      return y;
    }, (dy) => {
      const dx = new Float64Array(nx);
      bwd(dy, dx);
      return [dx];
    });
  }
  const gx = rand64(3 * 4 * 6, r);
  check("globalavgpool", [gx], 12, () => {
    const y = new Float64Array(12);
    ref.globalAvgPoolForward(3, 4, 6, gx, y);
    return y;
  }, (dy) => {
    const dx = new Float64Array(gx.length);
    ref.globalAvgPoolBackward(3, 4, 6, dy, dx);
    return [dx];
  });
});

test("batch norm (training mode: the batch statistics depend on x): dx, dgamma, dbeta", () => {
  for (const [batch, channels, hw] of [[4, 3, 5], [6, 2, 1]] as const) {
    const n = batch * channels * hw;
    const x = rand64(n, r), gamma = rand64(channels, r), beta = rand64(channels, r);
    const stats = (): [Float64Array, Float64Array, Float64Array] => {
      const y = new Float64Array(n), m = new Float64Array(channels), v = new Float64Array(channels);
      ref.batchNormTrainForward(batch, channels, hw, x, gamma, beta, 1e-5, y, m, v);
      return [y, m, v];
    };
    check(`batchnorm ${batch}x${channels}x${hw}`, [x, gamma, beta], n, () => stats()[0], (dy) => {
      const [, m, v] = stats();
      const g = [new Float64Array(n), new Float64Array(channels), new Float64Array(channels)];
      ref.batchNormBackward(batch, channels, hw, x, gamma, m, v, 1e-5, dy, g[0]!, g[1]!, g[2]!);
      return g;
    });
  }
});

test("relu, sigmoid, SiLU", () => {
  // ReLU's kink: keep inputs away from 0 so ±h never crosses it.
  const xr = rand64(20, r).map((v) => (Math.abs(v) < 0.01 ? v + 0.05 : v));
  const xs = rand64(20, r).map((v) => v * 6);
  for (const [name, x, fwd, bwd] of [
    ["relu", xr, ref.relu, (y: Float64Array, dy: Float64Array, dx: Float64Array) => ref.reluBackward(xr, dy, dx)],
    ["sigmoid", xs, ref.sigmoid, (y: Float64Array, dy: Float64Array, dx: Float64Array) => ref.sigmoidBackward(y, dy, dx)],
    ["silu", xs, ref.silu, (y: Float64Array, dy: Float64Array, dx: Float64Array) => ref.siluBackward(xs, dy, dx)],
  ] as const) {
    const forward = (): Float64Array => {
      const y = new Float64Array(x.length);
      fwd(x, y);
      return y;
    };
    check(name, [x], x.length, forward, (dy) => {
      const dx = new Float64Array(x.length);
      bwd(forward(), dy, dx);
      return [dx];
    });
  }
});

test("softmax backward, and cross-entropy's gradient of the mean loss", () => {
  const [batch, classes] = [3, 5];
  const x = rand64(batch * classes, r).map((v) => v * 4);
  const forward = (): Float64Array => {
    const y = new Float64Array(x.length);
    ref.softmax(batch, classes, x, y);
    return y;
  };
  check("softmax", [x], x.length, forward, (dy) => {
    const dx = new Float64Array(x.length);
    ref.softmaxBackward(batch, classes, forward(), dy, dx);
    return [dx];
  });
  const labels = [4, 0, 2];
  const ce = (): number => ref.softmaxCrossEntropy(batch, classes, x, labels, new Float64Array(x.length), null);
  const d = new Float64Array(x.length);
  ref.softmaxCrossEntropy(batch, classes, x, labels, new Float64Array(x.length), d);
  const numeric = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i]!;
    x[i] = keep + H;
    const up = ce();
    x[i] = keep - H;
    const down = ce();
    x[i] = keep;
    numeric[i] = (up - down) / (2 * H);
  }
  assert.ok(relErr(d, numeric) <= TOL, `cross-entropy gradient off by ${relErr(d, numeric)}`);
});

test.run();

// Plain-TypeScript reference of every op in ops.ts, with the same signatures and layouts (and
// accepting Float64Array too, so gradient checks can run in double precision). Tests compare
// the WASM kernels against it. It must stay obvious, not fast: loops as the maths reads.

import type { FloatArray } from "./tensor.ts";
import type { Conv2dGeometry, Pool2dGeometry } from "./geometry.ts";
import type { ConvScatter, DenseScatter } from "./ops.ts";

type F = FloatArray;

/** C[m,n] (+)= op(A)[m,k] · op(B)[k,n]; A is [k,m] when transA, B is [n,k] when transB. Row-major. */
export function gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: F, b: F, c: F, accumulate = false): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i]! : a[i * k + p]!;
        const bv = transB ? b[j * k + p]! : b[p * n + j]!;
        s += av * bv;
      }
      c[i * n + j] = accumulate ? c[i * n + j]! + s : s;
    }
  }
}

/** y[batch,out] = x[batch,in] · wᵀ + bias, with w [out,in]. */
export function denseForward(batch: number, inF: number, outF: number, x: F, w: F, bias: F | null, y: F): void {
  gemm(false, true, batch, outF, inF, x, w, y);
  if (bias) for (let i = 0; i < batch; i++) for (let o = 0; o < outF; o++) y[i * outF + o] = y[i * outF + o]! + bias[o]!;
}

/** dx = dy·w, dw = dyᵀ·x, db = Σ_batch dy (each overwritten; pass null to skip). */
export function denseBackward(batch: number, inF: number, outF: number, x: F, w: F, dy: F, dx: F | null, dw: F | null, db: F | null): void {
  if (dx) gemm(false, false, batch, inF, outF, dy, w, dx);
  if (dw) gemm(true, false, outF, inF, batch, dy, x, dw);
  if (db) {
    for (let o = 0; o < outF; o++) {
      let s = 0;
      for (let i = 0; i < batch; i++) s += dy[i * outF + o]!;
      db[o] = s;
    }
  }
}

export function conv2dForward(g: Conv2dGeometry, x: F, w: F, bias: F | null, y: F): void {
  const icg = g.inC / g.groups, ocg = g.outC / g.groups;
  for (let b = 0; b < g.batch; b++) {
    for (let oc = 0; oc < g.outC; oc++) {
      const grp = Math.floor(oc / ocg);
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          let s = bias ? bias[oc]! : 0;
          for (let ic = 0; ic < icg; ic++) {
            const ci = grp * icg + ic;
            for (let ky = 0; ky < g.kH; ky++) {
              const iy = oy * g.strideH - g.padH + ky;
              if (iy < 0 || iy >= g.inH) continue;
              for (let kx = 0; kx < g.kW; kx++) {
                const ix = ox * g.strideW - g.padW + kx;
                if (ix < 0 || ix >= g.inW) continue;
                s += x[((b * g.inC + ci) * g.inH + iy) * g.inW + ix]! * w[((oc * icg + ic) * g.kH + ky) * g.kW + kx]!;
              }
            }
          }
          y[((b * g.outC + oc) * g.outH + oy) * g.outW + ox] = s;
        }
      }
    }
  }
}

/** Gradients of conv2dForward: dx, dw [outC, inC/groups, kH, kW], db [outC], each overwritten. */
export function conv2dBackward(g: Conv2dGeometry, x: F, w: F, dy: F, dx: F | null, dw: F | null, db: F | null): void {
  const icg = g.inC / g.groups, ocg = g.outC / g.groups;
  if (dx) dx.fill(0, 0, g.batch * g.inC * g.inH * g.inW);
  if (dw) dw.fill(0, 0, g.outC * icg * g.kH * g.kW);
  if (db) db.fill(0, 0, g.outC);
  for (let b = 0; b < g.batch; b++) {
    for (let oc = 0; oc < g.outC; oc++) {
      const grp = Math.floor(oc / ocg);
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          const d = dy[((b * g.outC + oc) * g.outH + oy) * g.outW + ox]!;
          if (db) db[oc] = db[oc]! + d;
          for (let ic = 0; ic < icg; ic++) {
            const ci = grp * icg + ic;
            for (let ky = 0; ky < g.kH; ky++) {
              const iy = oy * g.strideH - g.padH + ky;
              if (iy < 0 || iy >= g.inH) continue;
              for (let kx = 0; kx < g.kW; kx++) {
                const ix = ox * g.strideW - g.padW + kx;
                if (ix < 0 || ix >= g.inW) continue;
                const xi = ((b * g.inC + ci) * g.inH + iy) * g.inW + ix;
                const wi = ((oc * icg + ic) * g.kH + ky) * g.kW + kx;
                if (dx) dx[xi] = dx[xi]! + d * w[wi]!;
                if (dw) dw[wi] = dw[wi]! + d * x[xi]!;
              }
            }
          }
        }
      }
    }
  }
}

/** Average pooling; padding counts as zeros (divisor kH·kW), as a linear projection needs. */
export function avgPool2dForward(g: Pool2dGeometry, x: F, y: F): void {
  const inv = 1 / (g.kH * g.kW);
  for (let bc = 0; bc < g.batch * g.channels; bc++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        let s = 0;
        for (let ky = 0; ky < g.kH; ky++) {
          const iy = oy * g.strideH - g.padH + ky;
          if (iy < 0 || iy >= g.inH) continue;
          for (let kx = 0; kx < g.kW; kx++) {
            const ix = ox * g.strideW - g.padW + kx;
            if (ix >= 0 && ix < g.inW) s += x[(bc * g.inH + iy) * g.inW + ix]!;
          }
        }
        y[(bc * g.outH + oy) * g.outW + ox] = s * inv;
      }
    }
  }
}

export function avgPool2dBackward(g: Pool2dGeometry, dy: F, dx: F): void {
  const inv = 1 / (g.kH * g.kW);
  dx.fill(0, 0, g.batch * g.channels * g.inH * g.inW);
  for (let bc = 0; bc < g.batch * g.channels; bc++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        const d = dy[(bc * g.outH + oy) * g.outW + ox]! * inv;
        for (let ky = 0; ky < g.kH; ky++) {
          const iy = oy * g.strideH - g.padH + ky;
          if (iy < 0 || iy >= g.inH) continue;
          for (let kx = 0; kx < g.kW; kx++) {
            const ix = ox * g.strideW - g.padW + kx;
            if (ix >= 0 && ix < g.inW) dx[(bc * g.inH + iy) * g.inW + ix] = dx[(bc * g.inH + iy) * g.inW + ix]! + d;
          }
        }
      }
    }
  }
}

/** Index (into x) of each window's maximum; the first one in scan order wins a tie. */
function maxIndex(g: Pool2dGeometry, x: F, bc: number, oy: number, ox: number): number {
  let best = -Infinity, at = -1;
  for (let ky = 0; ky < g.kH; ky++) {
    const iy = oy * g.strideH - g.padH + ky;
    if (iy < 0 || iy >= g.inH) continue;
    for (let kx = 0; kx < g.kW; kx++) {
      const ix = ox * g.strideW - g.padW + kx;
      if (ix < 0 || ix >= g.inW) continue;
      const i = (bc * g.inH + iy) * g.inW + ix;
      if (at < 0 || x[i]! > best) {
        best = x[i]!;
        at = i;
      }
    }
  }
  return at;
}

/** Max pooling; padding is ignored. */
export function maxPool2dForward(g: Pool2dGeometry, x: F, y: F): void {
  for (let bc = 0; bc < g.batch * g.channels; bc++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) y[(bc * g.outH + oy) * g.outW + ox] = x[maxIndex(g, x, bc, oy, ox)]!;
    }
  }
}

/** Routes each dy to its window's maximum in x (overlapping windows add up). */
export function maxPool2dBackward(g: Pool2dGeometry, x: F, dy: F, dx: F): void {
  dx.fill(0, 0, g.batch * g.channels * g.inH * g.inW);
  for (let bc = 0; bc < g.batch * g.channels; bc++) {
    for (let oy = 0; oy < g.outH; oy++) {
      for (let ox = 0; ox < g.outW; ox++) {
        const i = maxIndex(g, x, bc, oy, ox);
        dx[i] = dx[i]! + dy[(bc * g.outH + oy) * g.outW + ox]!;
      }
    }
  }
}

/** y[batch, channels] = mean over the hw = H·W positions of x[batch, channels, H, W]. */
export function globalAvgPoolForward(batch: number, channels: number, hw: number, x: F, y: F): void {
  for (let bc = 0; bc < batch * channels; bc++) {
    let s = 0;
    for (let i = 0; i < hw; i++) s += x[bc * hw + i]!;
    y[bc] = s / hw;
  }
}

export function globalAvgPoolBackward(batch: number, channels: number, hw: number, dy: F, dx: F): void {
  for (let bc = 0; bc < batch * channels; bc++) {
    const d = dy[bc]! / hw;
    for (let i = 0; i < hw; i++) dx[bc * hw + i] = d;
  }
}

/** y = gamma·(x − mean)/√(var + eps) + beta per channel; x [batch, channels, hw] (hw = 1 for vectors). */
export function batchNormInference(batch: number, channels: number, hw: number, x: F, gamma: F, beta: F, mean: F, variance: F, eps: number, y: F): void {
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      const scale = gamma[c]! / Math.sqrt(variance[c]! + eps);
      const base = (b * channels + c) * hw;
      for (let i = 0; i < hw; i++) y[base + i] = (x[base + i]! - mean[c]!) * scale + beta[c]!;
    }
  }
}

/** Training-mode batch norm: normalises with this batch's statistics and writes them (variance biased, ÷N). */
export function batchNormTrainForward(batch: number, channels: number, hw: number, x: F, gamma: F, beta: F, eps: number, y: F, batchMean: F, batchVar: F): void {
  const count = batch * hw;
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let b = 0; b < batch; b++) for (let i = 0; i < hw; i++) s += x[(b * channels + c) * hw + i]!;
    const mean = s / count;
    let v = 0;
    for (let b = 0; b < batch; b++) for (let i = 0; i < hw; i++) v += (x[(b * channels + c) * hw + i]! - mean) ** 2;
    batchMean[c] = mean;
    batchVar[c] = v / count;
  }
  batchNormInference(batch, channels, hw, x, gamma, beta, batchMean, batchVar, eps, y);
}

/** Backward of batchNormTrainForward (the batch statistics depend on x); dgamma, dbeta overwritten. */
export function batchNormBackward(batch: number, channels: number, hw: number, x: F, gamma: F, batchMean: F, batchVar: F, eps: number, dy: F, dx: F | null, dgamma: F | null, dbeta: F | null): void {
  const count = batch * hw;
  for (let c = 0; c < channels; c++) {
    const inv = 1 / Math.sqrt(batchVar[c]! + eps);
    let sdy = 0, sdyx = 0;
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < hw; i++) {
        const k = (b * channels + c) * hw + i;
        sdy += dy[k]!;
        sdyx += dy[k]! * (x[k]! - batchMean[c]!) * inv;
      }
    }
    if (dgamma) dgamma[c] = sdyx;
    if (dbeta) dbeta[c] = sdy;
    if (!dx) continue;
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < hw; i++) {
        const k = (b * channels + c) * hw + i;
        const xhat = (x[k]! - batchMean[c]!) * inv;
        dx[k] = ((gamma[c]! * inv) / count) * (count * dy[k]! - sdy - xhat * sdyx);
      }
    }
  }
}

export function relu(x: F, y: F): void {
  for (let i = 0; i < x.length; i++) y[i] = x[i]! > 0 ? x[i]! : 0;
}

/** dx = dy where x > 0, else 0 (x is the forward input). */
export function reluBackward(x: F, dy: F, dx: F): void {
  for (let i = 0; i < x.length; i++) dx[i] = x[i]! > 0 ? dy[i]! : 0;
}

export function sigmoid(x: F, y: F): void {
  for (let i = 0; i < x.length; i++) y[i] = 1 / (1 + Math.exp(-x[i]!));
}

/** dx = dy·y·(1 − y), y the forward output. */
export function sigmoidBackward(y: F, dy: F, dx: F): void {
  for (let i = 0; i < y.length; i++) dx[i] = dy[i]! * y[i]! * (1 - y[i]!);
}

/** SiLU (swish): y = x·sigmoid(x). */
export function silu(x: F, y: F): void {
  for (let i = 0; i < x.length; i++) y[i] = x[i]! / (1 + Math.exp(-x[i]!));
}

/** dx = dy·s·(1 + x·(1 − s)), s = sigmoid(x), x the forward input. */
export function siluBackward(x: F, dy: F, dx: F): void {
  for (let i = 0; i < x.length; i++) {
    const s = 1 / (1 + Math.exp(-x[i]!));
    dx[i] = dy[i]! * s * (1 + x[i]! * (1 - s));
  }
}

/** Row-wise softmax of x [batch, classes]. */
export function softmax(batch: number, classes: number, x: F, y: F): void {
  for (let b = 0; b < batch; b++) {
    let mx = -Infinity;
    for (let j = 0; j < classes; j++) mx = Math.max(mx, x[b * classes + j]!);
    let s = 0;
    for (let j = 0; j < classes; j++) s += Math.exp(x[b * classes + j]! - mx);
    for (let j = 0; j < classes; j++) y[b * classes + j] = Math.exp(x[b * classes + j]! - mx) / s;
  }
}

/** dx = y ⊙ (dy − Σ_j dy_j·y_j) row-wise, y the forward output. */
export function softmaxBackward(batch: number, classes: number, y: F, dy: F, dx: F): void {
  for (let b = 0; b < batch; b++) {
    let dot = 0;
    for (let j = 0; j < classes; j++) dot += dy[b * classes + j]! * y[b * classes + j]!;
    for (let j = 0; j < classes; j++) dx[b * classes + j] = y[b * classes + j]! * (dy[b * classes + j]! - dot);
  }
}

/**
 * Mean cross-entropy of softmax(logits) against integer labels; writes the probabilities and,
 * unless null, the gradient of the mean loss: dlogits = (probs − onehot)/batch.
 */
export function softmaxCrossEntropy(batch: number, classes: number, logits: F, labels: ArrayLike<number>, probs: F, dlogits: F | null): number {
  softmax(batch, classes, logits, probs);
  let loss = 0;
  for (let b = 0; b < batch; b++) {
    const label = labels[b]!;
    let mx = -Infinity;
    for (let j = 0; j < classes; j++) mx = Math.max(mx, logits[b * classes + j]!);
    let s = 0;
    for (let j = 0; j < classes; j++) s += Math.exp(logits[b * classes + j]! - mx);
    loss += Math.log(s) + mx - logits[b * classes + label]!;
    if (dlogits) for (let j = 0; j < classes; j++) dlogits[b * classes + j] = (probs[b * classes + j]! - (j === label ? 1 : 0)) / batch;
  }
  return loss / batch;
}

/** y += alpha·x. */
export function axpy(alpha: number, x: F, y: F): void {
  for (let i = 0; i < x.length; i++) y[i] = y[i]! + alpha * x[i]!;
}

/** dst[cols, rows] = src[rows, cols]ᵀ. */
export function transpose(rows: number, cols: number, src: F, dst: F): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c]!;
}

/**
 * Dense event scatter: for each spiking input s (spikes[0..count)), membrane[j] += w[j, s]
 * for every output j, i.e. row s of wᵀ; `prep.rows` holds wᵀ [in, out].
 */
export function scatterDense(prep: DenseScatter, spikes: Int32Array, count: number, membrane: F): void {
  const { outF, rows } = prep;
  for (let e = 0; e < count; e++) {
    const base = spikes[e]! * outF;
    for (let j = 0; j < outF; j++) membrane[j] = membrane[j]! + rows[base + j]!;
  }
}

/**
 * Conv event scatter (one sample; prep.g.batch is ignored): a spike at input index
 * (c·inH + iy)·inW + ix adds its kernel footprint into membrane [outC, outH, outW], exactly
 * what conv2dForward (no bias) adds for a one-hot input.
 */
export function scatterConv(prep: ConvScatter, spikes: Int32Array, count: number, membrane: F): void {
  const g = prep.g, w = prep.w;
  const icg = g.inC / g.groups, ocg = g.outC / g.groups;
  for (let e = 0; e < count; e++) {
    const s = spikes[e]!;
    const ci = Math.floor(s / (g.inH * g.inW)), iy = Math.floor(s / g.inW) % g.inH, ix = s % g.inW;
    const grp = Math.floor(ci / icg), ic = ci - grp * icg;
    for (let oc = grp * ocg; oc < (grp + 1) * ocg; oc++) {
      for (let ky = 0; ky < g.kH; ky++) {
        const ty = iy + g.padH - ky;
        if (ty < 0 || ty % g.strideH !== 0) continue;
        const oy = ty / g.strideH;
        if (oy >= g.outH) continue;
        for (let kx = 0; kx < g.kW; kx++) {
          const tx = ix + g.padW - kx;
          if (tx < 0 || tx % g.strideW !== 0) continue;
          const ox = tx / g.strideW;
          if (ox >= g.outW) continue;
          const m = (oc * g.outH + oy) * g.outW + ox;
          membrane[m] = membrane[m]! + w[((oc * icg + ic) * g.kH + ky) * g.kW + kx]!;
        }
      }
    }
  }
}

/** Weights laid out for scatterDense: rows = wᵀ [in, out] (w is [out, in]). */
export function prepareDenseScatter(inF: number, outF: number, w: F): DenseScatter {
  const rows = new Float32Array(inF * outF);
  transpose(outF, inF, w, rows);
  return { inF, outF, rows };
}

/** Weights laid out for scatterConv (the reference keeps w [outC, inC/groups, kH, kW] as is). */
export function prepareConvScatter(g: Conv2dGeometry, w: F): ConvScatter {
  const copy = Float32Array.from(w.subarray(0, g.outC * (g.inC / g.groups) * g.kH * g.kW));
  return { g, w: copy, taps: copy };
}

/**
 * Threshold sweep: every membrane ≥ threshold (rounded to float32) spikes once, its index
 * appended to `spikes` in increasing order, and is reset by subtracting the threshold or to
 * zero. Returns the number of spikes.
 */
export function thresholdReset(membrane: F, threshold: number, reset: "subtract" | "zero", spikes: Int32Array): number {
  const th = Math.fround(threshold);
  let n = 0;
  for (let i = 0; i < membrane.length; i++) {
    if (membrane[i]! >= th) {
      spikes[n++] = i;
      membrane[i] = reset === "subtract" ? membrane[i]! - th : 0;
    }
  }
  return n;
}

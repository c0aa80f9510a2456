// The cheap layers around GEMM/conv (pooling, batch norm, activations, softmax + cross-entropy)
// as WASM kernels over JS-owned memory, matching reference.ts. Sums that feed statistics are kept
// in f64 so results track the double-precision reference; nothing here allocates.

/** Σ x[0..n) in f64 (two f64x2 accumulators: 4 floats per step instead of a serial chain). */
export function sumF64(x: usize, n: i32): f64 {
  let a = f64x2.splat(0), b = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    a = f64x2.add(a, f64x2.promote_low_f32x4(v));
    b = f64x2.add(b, f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1)));
  }
  let s = (f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1)) + (f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1));
  for (; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2));
  return s;
}

// ---- pooling (NCHW, planes = batch·channels) ----

export function avgPoolForward(planes: i32, inH: i32, inW: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, outH: i32, outW: i32, x: usize, y: usize): void {
  const inv: f32 = <f32>1 / <f32>(kH * kW);
  for (let pl = 0; pl < planes; pl++) {
    const xp = x + <usize>(pl * inH * inW) * 4;
    let yp = y + <usize>(pl * outH * outW) * 4;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let s: f32 = 0;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * sH - pH + ky;
          if (iy < 0 || iy >= inH) continue;
          const row = xp + <usize>(iy * inW) * 4;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * sW - pW + kx;
            if (ix >= 0 && ix < inW) s += load<f32>(row + <usize>ix * 4);
          }
        }
        store<f32>(yp, s * inv);
        yp += 4;
      }
    }
  }
}

export function avgPoolBackward(planes: i32, inH: i32, inW: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, outH: i32, outW: i32, dy: usize, dx: usize): void {
  const inv: f32 = <f32>1 / <f32>(kH * kW);
  memory.fill(dx, 0, <usize>(planes * inH * inW) * 4);
  for (let pl = 0; pl < planes; pl++) {
    const dxp = dx + <usize>(pl * inH * inW) * 4;
    let dyp = dy + <usize>(pl * outH * outW) * 4;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const d = load<f32>(dyp) * inv;
        dyp += 4;
        for (let ky = 0; ky < kH; ky++) {
          const iy = oy * sH - pH + ky;
          if (iy < 0 || iy >= inH) continue;
          const row = dxp + <usize>(iy * inW) * 4;
          for (let kx = 0; kx < kW; kx++) {
            const ix = ox * sW - pW + kx;
            if (ix >= 0 && ix < inW) {
              const p = row + <usize>ix * 4;
              store<f32>(p, load<f32>(p) + d);
            }
          }
        }
      }
    }
  }
}

// Offset (in floats, within the plane) of a window's maximum; the first wins a tie, as in reference.ts.
// @ts-ignore: decorator
@inline function argmaxWindow(xp: usize, inH: i32, inW: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, oy: i32, ox: i32): i32 {
  let best: f32 = -Infinity;
  let at = -1;
  for (let ky = 0; ky < kH; ky++) {
    const iy = oy * sH - pH + ky;
    if (iy < 0 || iy >= inH) continue;
    for (let kx = 0; kx < kW; kx++) {
      const ix = ox * sW - pW + kx;
      if (ix < 0 || ix >= inW) continue;
      const i = iy * inW + ix;
      const v = load<f32>(xp + <usize>i * 4);
      if (at < 0 || v > best) {
        best = v;
        at = i;
      }
    }
  }
  return at;
}

export function maxPoolForward(planes: i32, inH: i32, inW: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, outH: i32, outW: i32, x: usize, y: usize): void {
  for (let pl = 0; pl < planes; pl++) {
    const xp = x + <usize>(pl * inH * inW) * 4;
    let yp = y + <usize>(pl * outH * outW) * 4;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const at = argmaxWindow(xp, inH, inW, kH, kW, sH, sW, pH, pW, oy, ox);
        store<f32>(yp, load<f32>(xp + <usize>at * 4));
        yp += 4;
      }
    }
  }
}

export function maxPoolBackward(planes: i32, inH: i32, inW: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, outH: i32, outW: i32, x: usize, dy: usize, dx: usize): void {
  memory.fill(dx, 0, <usize>(planes * inH * inW) * 4);
  for (let pl = 0; pl < planes; pl++) {
    const xp = x + <usize>(pl * inH * inW) * 4;
    const dxp = dx + <usize>(pl * inH * inW) * 4;
    let dyp = dy + <usize>(pl * outH * outW) * 4;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const p = dxp + <usize>argmaxWindow(xp, inH, inW, kH, kW, sH, sW, pH, pW, oy, ox) * 4;
        store<f32>(p, load<f32>(p) + load<f32>(dyp));
        dyp += 4;
      }
    }
  }
}

export function globalAvgPoolForward(planes: i32, hw: i32, x: usize, y: usize): void {
  for (let pl = 0; pl < planes; pl++) {
    store<f32>(y + <usize>pl * 4, <f32>(sumF64(x + <usize>(pl * hw) * 4, hw) / <f64>hw));
  }
}

export function globalAvgPoolBackward(planes: i32, hw: i32, dy: usize, dx: usize): void {
  for (let pl = 0; pl < planes; pl++) {
    const d = <f32>(<f64>load<f32>(dy + <usize>pl * 4) / <f64>hw);
    const dxp = dx + <usize>(pl * hw) * 4;
    for (let i = 0; i < hw; i++) store<f32>(dxp + <usize>i * 4, d);
  }
}

// ---- batch norm: x [batch, channels, hw] ----

// y = (x − mean)·scale + beta over one run of hw floats; subtracting first keeps precision when |mean| ≫ spread.
// @ts-ignore: decorator
@inline function affine(src: usize, dst: usize, hw: i32, mean: f32, scale: f32, beta: f32): void {
  const mv = f32x4.splat(mean), sv = f32x4.splat(scale), bv = f32x4.splat(beta);
  let i = 0;
  for (; i + 4 <= hw; i += 4) {
    const o = <usize>i * 4;
    v128.store(dst + o, f32x4.add(f32x4.mul(f32x4.sub(v128.load(src + o), mv), sv), bv));
  }
  for (; i < hw; i++) {
    const o = <usize>i * 4;
    store<f32>(dst + o, (load<f32>(src + o) - mean) * scale + beta);
  }
}

export function batchNormInference(batch: i32, channels: i32, hw: i32, x: usize, gamma: usize, beta: usize, mean: usize, variance: usize, eps: f64, y: usize): void {
  for (let c = 0; c < channels; c++) {
    const scale = <f32>(<f64>load<f32>(gamma + <usize>c * 4) / Math.sqrt(<f64>load<f32>(variance + <usize>c * 4) + eps));
    const m = load<f32>(mean + <usize>c * 4), bt = load<f32>(beta + <usize>c * 4);
    for (let b = 0; b < batch; b++) {
      const o = <usize>((b * channels + c) * hw) * 4;
      affine(x + o, y + o, hw, m, scale, bt);
    }
  }
}

export function batchNormTrainForward(batch: i32, channels: i32, hw: i32, x: usize, gamma: usize, beta: usize, eps: f64, y: usize, batchMean: usize, batchVar: usize): void {
  const count = <f64>(batch * hw);
  for (let c = 0; c < channels; c++) {
    let s: f64 = 0;
    for (let b = 0; b < batch; b++) s += sumF64(x + <usize>((b * channels + c) * hw) * 4, hw);
    const mean = s / count;
    let v: f64 = 0;
    for (let b = 0; b < batch; b++) {
      const xp = x + <usize>((b * channels + c) * hw) * 4;
      for (let i = 0; i < hw; i++) {
        const d = <f64>load<f32>(xp + <usize>i * 4) - mean;
        v += d * d;
      }
    }
    const variance = v / count;
    store<f32>(batchMean + <usize>c * 4, <f32>mean);
    store<f32>(batchVar + <usize>c * 4, <f32>variance);
    // Normalise with the stored (f32) statistics, as the backward pass will see them.
    const scale = <f32>(<f64>load<f32>(gamma + <usize>c * 4) / Math.sqrt(<f64><f32>variance + eps));
    const bt = load<f32>(beta + <usize>c * 4);
    for (let b = 0; b < batch; b++) {
      const o = <usize>((b * channels + c) * hw) * 4;
      affine(x + o, y + o, hw, <f32>mean, scale, bt);
    }
  }
}

export function batchNormBackward(batch: i32, channels: i32, hw: i32, x: usize, gamma: usize, batchMean: usize, batchVar: usize, eps: f64, dy: usize, dx: usize, dgamma: usize, dbeta: usize): void {
  const count = <f64>(batch * hw);
  for (let c = 0; c < channels; c++) {
    const inv = 1 / Math.sqrt(<f64>load<f32>(batchVar + <usize>c * 4) + eps);
    const mean = <f64>load<f32>(batchMean + <usize>c * 4);
    let sdy: f64 = 0, sdyx: f64 = 0;
    for (let b = 0; b < batch; b++) {
      const o = <usize>((b * channels + c) * hw) * 4;
      for (let i = 0; i < hw; i++) {
        const d = <f64>load<f32>(dy + o + <usize>i * 4);
        sdy += d;
        sdyx += d * (<f64>load<f32>(x + o + <usize>i * 4) - mean);
      }
    }
    sdyx *= inv;
    if (dgamma != 0) store<f32>(dgamma + <usize>c * 4, <f32>sdyx);
    if (dbeta != 0) store<f32>(dbeta + <usize>c * 4, <f32>sdy);
    if (dx == 0) continue;
    // dx = k·dy − k·sdy/N − k·inv·sdyx/N·(x − mean), k = gamma·inv; in f64 (cancellation).
    const k = <f64>load<f32>(gamma + <usize>c * 4) * inv;
    const bterm = -k * sdy / count;
    const cterm = -k * inv * sdyx / count;
    for (let b = 0; b < batch; b++) {
      const o = <usize>((b * channels + c) * hw) * 4;
      for (let i = 0; i < hw; i++) {
        const p = <usize>i * 4;
        store<f32>(dx + o + p, <f32>(k * <f64>load<f32>(dy + o + p) + cterm * (<f64>load<f32>(x + o + p) - mean) + bterm));
      }
    }
  }
}

// ---- elementwise activations (n floats; in place allowed) ----

export function relu(n: i32, x: usize, y: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const v = v128.load(x + o);
    // and with (x > 0) maps NaN and −0 to +0, as the reference's `x > 0 ? x : 0`.
    v128.store(y + o, v128.and(v, f32x4.gt(v, zero)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + <usize>i * 4);
    store<f32>(y + <usize>i * 4, v > 0 ? v : 0);
  }
}

export function reluBackward(n: i32, x: usize, dy: usize, dx: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

// Sigmoid in f64: Mathf.exp overflows to ∞ at |x| > 88 and the ratio would lose the tiny values.
// @ts-ignore: decorator
@inline function sig(x: f64): f64 {
  return 1 / (1 + Math.exp(-x));
}

export function sigmoid(n: i32, x: usize, y: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(y + o, <f32>sig(<f64>load<f32>(x + o)));
  }
}

export function sigmoidBackward(n: i32, y: usize, dy: usize, dx: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i * 4;
    const s = <f64>load<f32>(y + o);
    store<f32>(dx + o, <f32>(<f64>load<f32>(dy + o) * s * (1 - s)));
  }
}

export function silu(n: i32, x: usize, y: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i * 4;
    const v = <f64>load<f32>(x + o);
    store<f32>(y + o, <f32>(v * sig(v)));
  }
}

export function siluBackward(n: i32, x: usize, dy: usize, dx: usize): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i * 4;
    const v = <f64>load<f32>(x + o);
    const s = sig(v);
    store<f32>(dx + o, <f32>(<f64>load<f32>(dy + o) * s * (1 + v * (1 - s))));
  }
}

// ---- softmax and cross-entropy (rows of `classes`) ----

export function softmax(batch: i32, classes: i32, x: usize, y: usize): void {
  for (let b = 0; b < batch; b++) {
    const xr = x + <usize>(b * classes) * 4, yr = y + <usize>(b * classes) * 4;
    let mx: f64 = -Infinity;
    for (let j = 0; j < classes; j++) mx = Math.max(mx, <f64>load<f32>(xr + <usize>j * 4));
    let s: f64 = 0;
    for (let j = 0; j < classes; j++) s += Math.exp(<f64>load<f32>(xr + <usize>j * 4) - mx);
    for (let j = 0; j < classes; j++) store<f32>(yr + <usize>j * 4, <f32>(Math.exp(<f64>load<f32>(xr + <usize>j * 4) - mx) / s));
  }
}

export function softmaxBackward(batch: i32, classes: i32, y: usize, dy: usize, dx: usize): void {
  for (let b = 0; b < batch; b++) {
    const o = <usize>(b * classes) * 4;
    let dot: f64 = 0;
    for (let j = 0; j < classes; j++) dot += <f64>load<f32>(dy + o + <usize>j * 4) * <f64>load<f32>(y + o + <usize>j * 4);
    for (let j = 0; j < classes; j++) {
      const p = o + <usize>j * 4;
      store<f32>(dx + p, <f32>(<f64>load<f32>(y + p) * (<f64>load<f32>(dy + p) - dot)));
    }
  }
}

/** Mean cross-entropy; labels are i32; dlogits = 0 skips the gradient. */
export function softmaxCrossEntropy(batch: i32, classes: i32, logits: usize, labels: usize, probs: usize, dlogits: usize): f64 {
  softmax(batch, classes, logits, probs);
  let loss: f64 = 0;
  const invB = 1 / <f64>batch;
  for (let b = 0; b < batch; b++) {
    const o = <usize>(b * classes) * 4;
    const label = load<i32>(labels + <usize>b * 4);
    let mx: f64 = -Infinity;
    for (let j = 0; j < classes; j++) mx = Math.max(mx, <f64>load<f32>(logits + o + <usize>j * 4));
    let s: f64 = 0;
    for (let j = 0; j < classes; j++) s += Math.exp(<f64>load<f32>(logits + o + <usize>j * 4) - mx);
    loss += Math.log(s) + mx - <f64>load<f32>(logits + o + <usize>label * 4);
    if (dlogits != 0) {
      for (let j = 0; j < classes; j++) {
        const p = o + <usize>j * 4;
        store<f32>(dlogits + p, <f32>((<f64>load<f32>(probs + p) - (j == label ? 1 : 0)) * invB));
      }
    }
  }
  return loss * invB;
}

// ---- small vector helpers ----

export function axpy(n: i32, alpha: f32, x: usize, y: usize): void {
  const av = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}

export function transpose(rows: i32, cols: i32, src: usize, dst: usize): void {
  // 8×8 blocks keep both sides' cache lines live.
  for (let r0 = 0; r0 < rows; r0 += 8) {
    const r1 = min(rows, r0 + 8);
    for (let c0 = 0; c0 < cols; c0 += 8) {
      const c1 = min(cols, c0 + 8);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) store<f32>(dst + <usize>(c * rows + r) * 4, load<f32>(src + <usize>(r * cols + c) * 4));
      }
    }
  }
}

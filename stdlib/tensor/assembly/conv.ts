// Convolution (NCHW) as im2col + the packed GEMM, forward and backward, one image and one group
// at a time so the column buffer stays in cache. Pointers are byte offsets into JS-owned memory;
// scratch sizes come from convScratchBytes so this file allocates nothing.

import { gemmStrided, gemmScratchBytes } from "./gemm";
import { sumF64 } from "./layers";

/** Bytes of scratch the conv kernels need: GEMM packing plus two column buffers. */
export function convScratchBytes(inC: i32, kH: i32, kW: i32, groups: i32, outH: i32, outW: i32): i32 {
  const colFloats = (inC / groups) * kH * kW * outH * outW;
  return gemmScratchBytes() + colFloats * 4 * 2 + 128;
}

// Short rows (a few dozen floats): inline loops beat memory.copy/fill, which V8 calls out of line.
// @ts-ignore: decorator
@inline function copyRun(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// dst[0..n) += src[0..n)
// @ts-ignore: decorator
@inline function addRun(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

// @ts-ignore: decorator
@inline function zeroRun(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

// col[(ic·kH + ky)·kW + kx, oy·outW + ox] = x[ic, oy·sH − pH + ky, ox·sW − pW + kx] (0 outside).
function im2col(x: usize, icg: i32, inH: i32, inW: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, outH: i32, outW: i32, col: usize): void {
  const hw = outH * outW;
  for (let ic = 0; ic < icg; ic++) {
    const plane = x + <usize>(ic * inH * inW) * 4;
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++) {
        let dst = col + <usize>(((ic * kH + ky) * kW + kx) * hw) * 4;
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * sH - pH + ky;
          if (iy < 0 || iy >= inH) {
            zeroRun(dst, outW);
            dst += <usize>outW * 4;
            continue;
          }
          const row = plane + <usize>(iy * inW) * 4;
          if (sW == 1) {
            // Contiguous run: zeros left of the image, a copy, zeros right.
            const ix0 = kx - pW;
            let lo = 0, hi = outW;
            if (ix0 < 0) lo = -ix0;
            if (ix0 + outW > inW) hi = inW - ix0;
            if (hi < lo) hi = lo;
            zeroRun(dst, lo);
            copyRun(dst + <usize>lo * 4, row + <usize>(ix0 + lo) * 4, hi - lo);
            zeroRun(dst + <usize>hi * 4, outW - hi);
            dst += <usize>outW * 4;
          } else {
            for (let ox = 0; ox < outW; ox++) {
              const ix = ox * sW - pW + kx;
              store<f32>(dst, ix >= 0 && ix < inW ? load<f32>(row + <usize>ix * 4) : 0);
              dst += 4;
            }
          }
        }
      }
    }
  }
}

// The adjoint of im2col: dx[ic, iy, ix] += col[...] for every tap that read it.
function col2imAdd(col: usize, icg: i32, inH: i32, inW: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, outH: i32, outW: i32, dx: usize): void {
  const hw = outH * outW;
  for (let ic = 0; ic < icg; ic++) {
    const plane = dx + <usize>(ic * inH * inW) * 4;
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++) {
        let src = col + <usize>(((ic * kH + ky) * kW + kx) * hw) * 4;
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * sH - pH + ky;
          if (iy < 0 || iy >= inH) {
            src += <usize>outW * 4;
            continue;
          }
          const row = plane + <usize>(iy * inW) * 4;
          if (sW == 1) {
            // The same contiguous run im2col copied, added back.
            const ix0 = kx - pW;
            let lo = 0, hi = outW;
            if (ix0 < 0) lo = -ix0;
            if (ix0 + outW > inW) hi = inW - ix0;
            if (hi > lo) addRun(row + <usize>(ix0 + lo) * 4, src + <usize>lo * 4, hi - lo);
            src += <usize>outW * 4;
            continue;
          }
          for (let ox = 0; ox < outW; ox++) {
            const ix = ox * sW - pW + kx;
            if (ix >= 0 && ix < inW) {
              const p = row + <usize>ix * 4;
              store<f32>(p, load<f32>(p) + load<f32>(src));
            }
            src += 4;
          }
        }
      }
    }
  }
}

/** y = conv(x, w) + bias for a batch; see ops.ts for layouts. bias = 0 means none. */
export function conv2dForward(batch: i32, inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, groups: i32, outH: i32, outW: i32, x: usize, w: usize, bias: usize, y: usize, scratch: usize): void {
  const icg = inC / groups, ocg = outC / groups;
  const K = icg * kH * kW, hw = outH * outW;
  const direct = kH == 1 && kW == 1 && sH == 1 && sW == 1 && pH == 0 && pW == 0;
  const col = (scratch + <usize>gemmScratchBytes() + 63) & ~(<usize>63);
  for (let b = 0; b < batch; b++) {
    for (let g = 0; g < groups; g++) {
      const xg = x + <usize>((b * inC + g * icg) * inH * inW) * 4;
      const yg = y + <usize>((b * outC + g * ocg) * hw) * 4;
      if (bias != 0) {
        for (let o = 0; o < ocg; o++) {
          const v = f32x4.splat(load<f32>(bias + <usize>(g * ocg + o) * 4));
          const row = yg + <usize>(o * hw) * 4;
          let i = 0;
          for (; i + 4 <= hw; i += 4) v128.store(row + <usize>i * 4, v);
          for (; i < hw; i++) store<f32>(row + <usize>i * 4, f32x4.extract_lane(v, 0));
        }
      }
      let src = xg;
      if (!direct) {
        im2col(xg, icg, inH, inW, kH, kW, sH, sW, pH, pW, outH, outW, col);
        src = col;
      }
      // Y_g[ocg, hw] (+)= W_g[ocg, K] · col[K, hw]
      gemmStrided(ocg, hw, K, w + <usize>(g * ocg * K) * 4, K, 1, src, hw, 1, yg, hw, bias != 0 ? 1 : 0, scratch);
    }
  }
}

/** Gradients of conv2dForward; dx, dw, db are overwritten (0 = not wanted). */
export function conv2dBackward(batch: i32, inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, groups: i32, outH: i32, outW: i32, x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize, scratch: usize): void {
  const icg = inC / groups, ocg = outC / groups;
  const K = icg * kH * kW, hw = outH * outW;
  const direct = kH == 1 && kW == 1 && sH == 1 && sW == 1 && pH == 0 && pW == 0;
  const colFloats = K * hw;
  const col = (scratch + <usize>gemmScratchBytes() + 63) & ~(<usize>63);
  const dcol = col + <usize>colFloats * 4;
  if (dx != 0) memory.fill(dx, 0, <usize>(batch * inC * inH * inW) * 4);
  if (db != 0) {
    for (let o = 0; o < outC; o++) {
      let s: f64 = 0;
      for (let b = 0; b < batch; b++) s += sumF64(dy + <usize>((b * outC + o) * hw) * 4, hw);
      store<f32>(db + <usize>o * 4, <f32>s);
    }
  }
  for (let b = 0; b < batch; b++) {
    for (let g = 0; g < groups; g++) {
      const xg = x + <usize>((b * inC + g * icg) * inH * inW) * 4;
      const dyg = dy + <usize>((b * outC + g * ocg) * hw) * 4;
      const wg = w + <usize>(g * ocg * K) * 4;
      if (dw != 0) {
        let src = xg;
        if (!direct) {
          im2col(xg, icg, inH, inW, kH, kW, sH, sW, pH, pW, outH, outW, col);
          src = col;
        }
        // dW_g[ocg, K] (+)= dY_g[ocg, hw] · col[K, hw]ᵀ
        gemmStrided(ocg, K, hw, dyg, hw, 1, src, 1, hw, dw + <usize>(g * ocg * K) * 4, K, b > 0 ? 1 : 0, scratch);
      }
      if (dx != 0) {
        const dxg = dx + <usize>((b * inC + g * icg) * inH * inW) * 4;
        if (direct) {
          // dX_g[K=icg, hw] += W_gᵀ · dY_g straight into dx (it was zeroed above).
          gemmStrided(K, hw, ocg, wg, 1, K, dyg, hw, 1, dxg, hw, 1, scratch);
        } else {
          gemmStrided(K, hw, ocg, wg, 1, K, dyg, hw, 1, dcol, hw, 0, scratch);
          col2imAdd(dcol, icg, inH, inW, kH, kW, sH, sW, pH, pW, outH, outW, dxg);
        }
      }
    }
  }
}

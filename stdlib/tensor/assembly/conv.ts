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

// Direct convolution beats im2col + GEMM for stride 1 unless rows are too short to fill its
// 16-wide tiles (measured, µs/image: LeNet conv1 10 vs 18, conv2 24 vs 35, 32→64 3x3 on 16x16
// 312 vs 405, depthwise 12 vs 82; but 64→64 on 8x8 317 vs 233 and on 4x4 149 vs 74).
// @ts-ignore: decorator
@inline function useDirect(inC: i32, kH: i32, kW: i32, sH: i32, sW: i32, groups: i32, outW: i32): bool {
  return sH == 1 && sW == 1 && kH * kW > 1 && (outW >= 10 || groups == inC);
}

/** Scratch bytes conv2dForward needs for this geometry. */
export function convForwardScratchBytes(inC: i32, inH: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, groups: i32, outH: i32, outW: i32): i32 {
  return useDirect(inC, kH, kW, sH, sW, groups, outW) ? directScratchBytes(inC, inH, kW, pH, outW) : convScratchBytes(inC, kH, kW, groups, outH, outW);
}

/** y = conv(x, w) + bias for a batch; see ops.ts for layouts. bias = 0 means none. */
export function conv2dForward(batch: i32, inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, groups: i32, outH: i32, outW: i32, x: usize, w: usize, bias: usize, y: usize, scratch: usize): void {
  if (useDirect(inC, kH, kW, sH, sW, groups, outW)) {
    conv2dDirect(batch, inC, inH, inW, outC, kH, kW, pH, pW, groups, outH, outW, x, w, bias, y, scratch);
    return;
  }
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

// Scratch bytes for conv2dDirect: one image's input, zero-padded, with slack for whole tiles.
function directScratchBytes(inC: i32, inH: i32, kW: i32, pH: i32, outW: i32): i32 {
  const pw = ((outW + 15) & ~15) + kW - 1;
  return inC * (inH + 2 * pH) * pw * 4 + 64;
}

// Two output channels × 16 outputs of one row: 8 accumulators; each tap loads 4 input vectors
// once for both channels (so loads stay below the two mul/add pairs they feed).
// @ts-ignore: decorator
@inline function directTile(two: bool, xp: usize, pw: i32, icg: i32, rowsPer: i32, kH: i32, kW: i32, w0: usize, w1: usize, b0: f32, b1: f32, y0: usize, y1: usize, count: i32): void {
  let a0 = f32x4.splat(b0), a1 = a0, a2 = a0, a3 = a0;
  let c0 = f32x4.splat(b1), c1 = c0, c2 = c0, c3 = c0;
  const kk = kH * kW;
  for (let ic = 0; ic < icg; ic++) {
    for (let ky = 0; ky < kH; ky++) {
      const row = xp + <usize>((ic * rowsPer + ky) * pw) * 4;
      const wo = <usize>((ic * kk) + ky * kW) * 4;
      for (let kx = 0; kx < kW; kx++) {
        const q = row + (<usize>kx << 2);
        const x0 = v128.load(q), x1 = v128.load(q, 16), x2 = v128.load(q, 32), x3 = v128.load(q, 48);
        const s0 = v128.load32_splat(w0 + wo + (<usize>kx << 2));
        a0 = f32x4.add(a0, f32x4.mul(s0, x0));
        a1 = f32x4.add(a1, f32x4.mul(s0, x1));
        a2 = f32x4.add(a2, f32x4.mul(s0, x2));
        a3 = f32x4.add(a3, f32x4.mul(s0, x3));
        if (two) {
          const s1 = v128.load32_splat(w1 + wo + (<usize>kx << 2));
          c0 = f32x4.add(c0, f32x4.mul(s1, x0));
          c1 = f32x4.add(c1, f32x4.mul(s1, x1));
          c2 = f32x4.add(c2, f32x4.mul(s1, x2));
          c3 = f32x4.add(c3, f32x4.mul(s1, x3));
        }
      }
    }
  }
  storeTile(y0, count, a0, a1, a2, a3);
  if (two) storeTile(y1, count, c0, c1, c2, c3);
}

// @ts-ignore: decorator
@inline function storeTile(y: usize, count: i32, a0: v128, a1: v128, a2: v128, a3: v128): void {
  if (count == 16) {
    v128.store(y, a0);
    v128.store(y, a1, 16);
    v128.store(y, a2, 32);
    v128.store(y, a3, 48);
    return;
  }
  const tmp = memory.data(64, 16);
  v128.store(tmp, a0);
  v128.store(tmp, a1, 16);
  v128.store(tmp, a2, 32);
  v128.store(tmp, a3, 48);
  for (let i = 0; i < count; i++) store<f32>(y + (<usize>i << 2), load<f32>(tmp + (<usize>i << 2)));
}

// Stride-1 convolution computed directly (no im2col), over zero-padded copies of the input planes.
function conv2dDirect(batch: i32, inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, pH: i32, pW: i32, groups: i32, outH: i32, outW: i32, x: usize, w: usize, bias: usize, y: usize, scratch: usize): void {
  const icg = inC / groups, ocg = outC / groups;
  const pw = ((outW + 15) & ~15) + kW - 1;
  const rowsPer = inH + 2 * pH;
  const xp = (scratch + 15) & ~(<usize>15);
  const hw = outH * outW;
  const planeB = <usize>(rowsPer * pw) * 4;
  zeroRun(xp, inC * rowsPer * pw);
  for (let b = 0; b < batch; b++) {
    // Copy the image into the zero-padded planes (the borders stay zero across images).
    for (let c = 0; c < inC; c++) {
      const src = x + <usize>(((b * inC + c) * inH) * inW) * 4;
      for (let iy = 0; iy < inH; iy++) {
        copyRun(xp + <usize>c * planeB + <usize>((iy + pH) * pw + pW) * 4, src + <usize>(iy * inW) * 4, inW);
      }
    }
    for (let g = 0; g < groups; g++) {
      const xg = xp + <usize>(g * icg) * planeB;
      for (let o = 0; o < ocg; o += 2) {
        const oc = g * ocg + o;
        const two = o + 1 < ocg;
        const w0 = w + <usize>(oc * icg * kH * kW) * 4;
        const w1 = two ? w0 + <usize>(icg * kH * kW) * 4 : w0;
        const b0: f32 = bias != 0 ? load<f32>(bias + <usize>oc * 4) : 0;
        const b1: f32 = bias != 0 && two ? load<f32>(bias + <usize>(oc + 1) * 4) : 0;
        const y0 = y + <usize>((b * outC + oc) * hw) * 4;
        const y1 = y0 + <usize>hw * 4;
        for (let oy = 0; oy < outH; oy++) {
          const xrow = xg + <usize>(oy * pw) * 4;
          for (let ox = 0; ox < outW; ox += 16) {
            const count = min(16, outW - ox);
            const yo = <usize>(oy * outW + ox) * 4;
            if (two) directTile(true, xrow + (<usize>ox << 2), pw, icg, rowsPer, kH, kW, w0, w1, b0, b1, y0 + yo, y1 + yo, count);
            else directTile(false, xrow + (<usize>ox << 2), pw, icg, rowsPer, kH, kW, w0, w1, b0, b1, y0 + yo, y1 + yo, count);
          }
        }
      }
    }
  }
}

// Folding an average pool into the weighted layer that reads it (`avgpool: fold`): a conv or
// dense layer after an average pool is one conv or dense layer on the pool's input, with a
// larger kernel. Exact maps only; where borders would differ it returns undefined and the
// caller keeps the pool as neurons. Pure weight arithmetic (float64 sums, float32 out).

import type { Pair } from "../../ir/network.ts";
import type { Tensor } from "../../tensor/tensor.ts";

export interface PoolWindow {
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
}

export interface ConvShape {
  readonly kernel: Pair;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly groups: number;
}

const out = (size: number, k: number, s: number, p: number): number => Math.floor((size + 2 * p - k) / s) + 1;

/**
 * conv(avgpool(x)) as one conv on x: kernel (K−1)s + k, stride S·s, padding P·s + p, taps
 * W'[.., i·s + a, j·s + b] = Σ W[.., i, j]/(k_h k_w). `inHW` is the pool's input size. Undefined
 * when the conv's zero padding would land on input rows the pool drops or reads (not exact).
 */
export function convThroughAvgpool(conv: ConvShape, weight: Tensor, pool: PoolWindow, inHW: Pair): { shape: ConvShape; weight: Tensor } | undefined {
  const dims = [0, 1].map((d) => {
    const k = pool.kernel[d]!, s = pool.stride[d]!, p = pool.padding[d]!;
    const K = conv.kernel[d]!, S = conv.stride[d]!, P = conv.padding[d]!;
    const H = inHW[d]!;
    const Hp = out(H, k, s, p);
    const Ho = out(Hp, K, S, P);
    const K2 = (K - 1) * s + k, S2 = S * s, P2 = P * s + p;
    // Padded pooled rows −1 and Hp must map entirely outside the input, or the fold would read real pixels there.
    const exact = out(H, K2, S2, P2) === Ho && (P === 0 || (k <= s + p && Hp * s - p >= H));
    return { K2, S2, P2, exact, s };
  });
  if (!dims[0]!.exact || !dims[1]!.exact) return undefined;
  const [oc, ic, kh, kw] = weight.shape as [number, number, number, number];
  const KH = dims[0]!.K2, KW = dims[1]!.K2;
  const sh = dims[0]!.s, sw = dims[1]!.s;
  const [ph, pw] = pool.kernel;
  const acc = new Float64Array(oc * ic * KH * KW);
  const inv = 1 / (ph * pw);
  for (let o = 0; o < oc * ic; o++) {
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const v = weight.data[(o * kh + i) * kw + j]! * inv;
      for (let a = 0; a < ph; a++) for (let b = 0; b < pw; b++) acc[(o * KH + i * sh + a) * KW + j * sw + b]! += v;
    }
  }
  return {
    shape: { kernel: [KH, KW], stride: [dims[0]!.S2, dims[1]!.S2], padding: [dims[0]!.P2, dims[1]!.P2], groups: conv.groups },
    weight: { shape: [oc, ic, KH, KW], data: Float32Array.from(acc) },
  };
}

/**
 * dense(flatten(avgpool(x))) as one dense layer on flatten(x): every pooled feature's weight is
 * spread, divided by k_h·k_w, over the inputs of its window. Always exact (padding is zeros).
 */
export function denseThroughAvgpool(weight: Tensor, pool: PoolWindow, inShape: readonly [number, number, number]): Tensor {
  const [c, h, w] = inShape;
  const [kh, kw] = pool.kernel;
  const hp = out(h, kh, pool.stride[0], pool.padding[0]);
  const wp = out(w, kw, pool.stride[1], pool.padding[1]);
  const units = weight.shape[0]!;
  const inF = c * hp * wp;
  const acc = new Float64Array(units * c * h * w);
  const inv = 1 / (kh * kw);
  for (let u = 0; u < units; u++) {
    for (let ch = 0; ch < c; ch++) for (let qh = 0; qh < hp; qh++) for (let qw = 0; qw < wp; qw++) {
      const v = weight.data[u * inF + (ch * hp + qh) * wp + qw]! * inv;
      for (let a = 0; a < kh; a++) {
        const y = qh * pool.stride[0] - pool.padding[0] + a;
        if (y < 0 || y >= h) continue;
        for (let b = 0; b < kw; b++) {
          const x = qw * pool.stride[1] - pool.padding[1] + b;
          if (x < 0 || x >= w) continue;
          acc[u * c * h * w + (ch * h + y) * w + x]! += v;
        }
      }
    }
  }
  return { shape: [units, c * h * w], data: Float32Array.from(acc) };
}

/** dense(globalavgpool(x)) as one dense layer on flatten(x): W'[o, c·HW + p] = W[o, c]/HW. */
export function denseThroughGlobalAvgpool(weight: Tensor, inShape: readonly [number, number, number]): Tensor {
  const [c, h, w] = inShape;
  const hw = h * w;
  const units = weight.shape[0]!;
  const data = new Float32Array(units * c * hw);
  for (let u = 0; u < units; u++) for (let ch = 0; ch < c; ch++) {
    const v = weight.data[u * c + ch]! / hw;
    data.fill(v, u * c * hw + ch * hw, u * c * hw + (ch + 1) * hw);
  }
  return { shape: [units, c * hw], data };
}

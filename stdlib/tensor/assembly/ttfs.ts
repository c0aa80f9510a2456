// The exact TTFS simulator's hot loops (stdlib/sim/ttfs/sums.ts owns the semantics): per neuron
// P = Σ_j J_ij·x_j in float64 (f64x2 SIMD; the mapping is exact to ~1e-14) over the inputs that
// spiked before the window ends, the bound Pp = Σ_j max(J_ij, 0)·x_j in float32 (f32x4: it only
// has to be an upper bound, which the caller's margin makes rigorous), the inputs' preparation
// and the closed-form spike times. Scatter and dense kernels skip zero inputs. Pointers are byte
// offsets into JS-owned memory; nothing is allocated. Exported names start with `ttfs`.

// ---------------------------------------------------------------------------------------------
// Conv by gathering: each output position runs its receptive field with 8 output channels in
// registers (measured faster here than 16, or than two positions sharing weight loads: those
// spill). Zero inputs are not skipped here: a branch on each input mispredicts, and adding
// w·0 = ±0 to a sum that starts at +0 leaves it bit for bit unchanged (measured: LeNet 6,094 ->
// 6,824 images/s on 1 worker, the residual network 5,338 -> 6,617). x [inH][inW][inC] (HWC); taps
// [inC][kH][kW][outC/groups] f64 and tapsPos the same in f32 (0: no bound wanted); P
// [outH][outW][outC] f64, Pp the same in f32. Taps are summed in (ky, kx, c) order, as
// ttfsConvScatter does, so both kernels give the same sums bit for bit.

// @ts-ignore: decorator
@inline function gather8(
  x: usize, inW: i32, inC: i32, y0: i32, x0: i32, ky0: i32, ky1: i32, kx0: i32, kx1: i32, c0: i32, icg: i32,
  kH: i32, kW: i32, ocg: i32, o: i32, taps: usize, tapsPos: usize, P: usize, Pp: usize, d: usize,
): void {
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0);
  const cStep = <usize>(kH * kW * ocg);
  for (let ky = ky0; ky < ky1; ky++) {
    for (let kx = kx0; kx < kx1; kx++) {
      const xPix = x + (<usize>(((y0 + ky) * inW + x0 + kx) * inC + c0) << 3);
      let k = <usize>(((c0 * kH + ky) * kW + kx) * ocg + o);
      for (let c = 0; c < icg; c++) {
        const v = load<f64>(xPix + (<usize>c << 3));
        const vv = f64x2.splat(v);
        const w = taps + (k << 3);
        a0 = f64x2.add(a0, f64x2.mul(v128.load(w), vv));
        a1 = f64x2.add(a1, f64x2.mul(v128.load(w, 16), vv));
        a2 = f64x2.add(a2, f64x2.mul(v128.load(w, 32), vv));
        a3 = f64x2.add(a3, f64x2.mul(v128.load(w, 48), vv));
        if (tapsPos != 0) {
          const vf = f32x4.splat(<f32>v);
          const wp = tapsPos + (k << 2);
          b0 = f32x4.add(b0, f32x4.mul(v128.load(wp), vf));
          b1 = f32x4.add(b1, f32x4.mul(v128.load(wp, 16), vf));
        }
        k += cStep;
      }
    }
  }
  v128.store(P + (d << 3), a0);
  v128.store(P + (d << 3), a1, 16);
  v128.store(P + (d << 3), a2, 32);
  v128.store(P + (d << 3), a3, 48);
  if (tapsPos != 0) {
    v128.store(Pp + (d << 2), b0);
    v128.store(Pp + (d << 2), b1, 16);
  }
}

// One output channel, scalar (depthwise layers, channel counts that are not a multiple of 8).
// @ts-ignore: decorator
@inline function gather1(
  x: usize, inW: i32, inC: i32, y0: i32, x0: i32, ky0: i32, ky1: i32, kx0: i32, kx1: i32, c0: i32, icg: i32,
  kH: i32, kW: i32, ocg: i32, o: i32, taps: usize, tapsPos: usize, P: usize, Pp: usize, d: usize,
): void {
  let a: f64 = 0;
  let b: f32 = 0;
  const cStep = <usize>(kH * kW * ocg);
  for (let ky = ky0; ky < ky1; ky++) {
    for (let kx = kx0; kx < kx1; kx++) {
      const xPix = x + (<usize>(((y0 + ky) * inW + x0 + kx) * inC + c0) << 3);
      let k = <usize>(((c0 * kH + ky) * kW + kx) * ocg + o);
      for (let c = 0; c < icg; c++) {
        const v = load<f64>(xPix + (<usize>c << 3));
        if (v != 0) {
          a += load<f64>(taps + (k << 3)) * v;
          if (tapsPos != 0) b += load<f32>(tapsPos + (k << 2)) * <f32>v;
        }
        k += cStep;
      }
    }
  }
  store<f64>(P + (d << 3), a);
  if (tapsPos != 0) store<f32>(Pp + (d << 2), b);
}

export function ttfsConvSums(
  inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, groups: i32, outH: i32, outW: i32,
  x: usize, taps: usize, tapsPos: usize, P: usize, Pp: usize,
): void {
  const icg = inC / groups;
  const ocg = outC / groups;
  const o8 = ocg & ~7;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sH - pH;
    const ky0 = y0 < 0 ? -y0 : 0;
    const ky1 = y0 + kH > inH ? inH - y0 : kH;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sW - pW;
      const base = <usize>((oy * outW + ox) * outC);
      const kx0 = x0 < 0 ? -x0 : 0;
      const kx1 = x0 + kW > inW ? inW - x0 : kW;
      for (let g = 0; g < groups; g++) {
        let o = 0;
        for (; o < o8; o += 8) gather8(x, inW, inC, y0, x0, ky0, ky1, kx0, kx1, g * icg, icg, kH, kW, ocg, o, taps, tapsPos, P, Pp, base + <usize>(g * ocg + o));
        for (; o < ocg; o++) gather1(x, inW, inC, y0, x0, ky0, ky1, kx0, kx1, g * icg, icg, kH, kW, ocg, o, taps, tapsPos, P, Pp, base + <usize>(g * ocg + o));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Conv by scattering: each non-zero input adds its value times its taps into the outputs it
// reaches. Cheaper than gathering when few inputs are non-zero or groups have few channels (the
// first layer). Same layouts as ttfsConvSums.
export function ttfsConvScatter(
  inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, groups: i32, outH: i32, outW: i32,
  x: usize, taps: usize, tapsPos: usize, P: usize, Pp: usize,
): void {
  const n = <usize>(outC * outH * outW);
  memory.fill(P, 0, n << 3);
  if (tapsPos != 0) memory.fill(Pp, 0, n << 2);
  const icg = inC / groups;
  const ocg = outC / groups;
  const oc2 = ocg & ~1;
  const oc4 = ocg & ~3;
  for (let iy = 0; iy < inH; iy++) {
    for (let ix = 0; ix < inW; ix++) {
      const xb = x + (<usize>((iy * inW + ix) * inC) << 3);
      for (let c = 0; c < inC; c++) {
        const v = load<f64>(xb + (<usize>c << 3));
        if (v == 0) continue;
        const vv = f64x2.splat(v);
        const vf: f32 = <f32>v;
        const vvf = f32x4.splat(vf);
        const grp = (c / icg) * ocg;
        // Taps reaching an output: ky ≡ iy + pH (mod sH), counting down the output row; likewise kx.
        const ry = (iy + pH) % sH, rx = (ix + pW) % sW;
        for (let ky = ry, oy = (iy + pH - ry) / sH; ky < kH && oy >= 0; ky += sH, oy--) {
          if (oy >= outH) continue;
          for (let kx = rx, ox = (ix + pW - rx) / sW; kx < kW && ox >= 0; kx += sW, ox--) {
            if (ox >= outW) continue;
            const k = <usize>(((c * kH + ky) * kW + kx) * ocg);
            const o = <usize>((oy * outW + ox) * outC + grp);
            const w = taps + (k << 3), pd = P + (o << 3);
            let q = 0;
            for (; q < oc2; q += 2) {
              const qo = <usize>q << 3;
              v128.store(pd + qo, f64x2.add(v128.load(pd + qo), f64x2.mul(v128.load(w + qo), vv)));
            }
            if (q < ocg) store<f64>(pd + (<usize>q << 3), load<f64>(pd + (<usize>q << 3)) + load<f64>(w + (<usize>q << 3)) * v);
            if (tapsPos != 0) {
              const wp = tapsPos + (k << 2), pf = Pp + (o << 2);
              q = 0;
              for (; q < oc4; q += 4) {
                const qo = <usize>q << 2;
                v128.store(pf + qo, f32x4.add(v128.load(pf + qo), f32x4.mul(v128.load(wp + qo), vvf)));
              }
              for (; q < ocg; q++) {
                const qo = <usize>q << 2;
                store<f32>(pf + qo, load<f32>(pf + qo) + load<f32>(wp + qo) * vf);
              }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Dense: P[i] = Σ_k rows[nz[k], i]·xv[k] (f64) and Pp likewise with rowsPos (f32; 0: not
// wanted), for the m inputs listed in nz (i32) with values xv (f64); rows [in][n]. Four inputs
// per pass over the outputs, added in input order.
export function ttfsDenseSums(n: i32, m: i32, nz: usize, xv: usize, rows: usize, rowsPos: usize, P: usize, Pp: usize): void {
  memory.fill(P, 0, <usize>n << 3);
  const rowBytes = <usize>n << 3;
  const n2 = n & ~1;
  let k = 0;
  for (; k + 4 <= m; k += 4) {
    const e0 = rows + <usize>load<i32>(nz + (<usize>k << 2)) * rowBytes;
    const e1 = rows + <usize>load<i32>(nz + (<usize>k << 2), 4) * rowBytes;
    const e2 = rows + <usize>load<i32>(nz + (<usize>k << 2), 8) * rowBytes;
    const e3 = rows + <usize>load<i32>(nz + (<usize>k << 2), 12) * rowBytes;
    const s0 = load<f64>(xv + (<usize>k << 3)), s1 = load<f64>(xv + (<usize>k << 3), 8);
    const s2 = load<f64>(xv + (<usize>k << 3), 16), s3 = load<f64>(xv + (<usize>k << 3), 24);
    const v0 = f64x2.splat(s0), v1 = f64x2.splat(s1), v2 = f64x2.splat(s2), v3 = f64x2.splat(s3);
    let i = 0;
    for (; i < n2; i += 2) {
      const o = <usize>i << 3;
      let a = v128.load(P + o);
      a = f64x2.add(a, f64x2.mul(v128.load(e0 + o), v0));
      a = f64x2.add(a, f64x2.mul(v128.load(e1 + o), v1));
      a = f64x2.add(a, f64x2.mul(v128.load(e2 + o), v2));
      a = f64x2.add(a, f64x2.mul(v128.load(e3 + o), v3));
      v128.store(P + o, a);
    }
    for (; i < n; i++) {
      const o = <usize>i << 3;
      store<f64>(P + o, load<f64>(P + o) + load<f64>(e0 + o) * s0 + load<f64>(e1 + o) * s1 + load<f64>(e2 + o) * s2 + load<f64>(e3 + o) * s3);
    }
  }
  for (; k < m; k++) {
    const e0 = rows + <usize>load<i32>(nz + (<usize>k << 2)) * rowBytes;
    const s0 = load<f64>(xv + (<usize>k << 3));
    const v0 = f64x2.splat(s0);
    let i = 0;
    for (; i < n2; i += 2) {
      const o = <usize>i << 3;
      v128.store(P + o, f64x2.add(v128.load(P + o), f64x2.mul(v128.load(e0 + o), v0)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 3;
      store<f64>(P + o, load<f64>(P + o) + load<f64>(e0 + o) * s0);
    }
  }
  if (rowsPos != 0) denseBound(n, m, nz, xv, rowsPos, Pp);
}

function denseBound(n: i32, m: i32, nz: usize, xv: usize, rowsPos: usize, Pp: usize): void {
  memory.fill(Pp, 0, <usize>n << 2);
  const rowBytes = <usize>n << 2;
  const n4 = n & ~3;
  let k = 0;
  for (; k + 4 <= m; k += 4) {
    const e0 = rowsPos + <usize>load<i32>(nz + (<usize>k << 2)) * rowBytes;
    const e1 = rowsPos + <usize>load<i32>(nz + (<usize>k << 2), 4) * rowBytes;
    const e2 = rowsPos + <usize>load<i32>(nz + (<usize>k << 2), 8) * rowBytes;
    const e3 = rowsPos + <usize>load<i32>(nz + (<usize>k << 2), 12) * rowBytes;
    const s0 = <f32>load<f64>(xv + (<usize>k << 3)), s1 = <f32>load<f64>(xv + (<usize>k << 3), 8);
    const s2 = <f32>load<f64>(xv + (<usize>k << 3), 16), s3 = <f32>load<f64>(xv + (<usize>k << 3), 24);
    const v0 = f32x4.splat(s0), v1 = f32x4.splat(s1), v2 = f32x4.splat(s2), v3 = f32x4.splat(s3);
    let i = 0;
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      let a = v128.load(Pp + o);
      a = f32x4.add(a, f32x4.mul(v128.load(e0 + o), v0));
      a = f32x4.add(a, f32x4.mul(v128.load(e1 + o), v1));
      a = f32x4.add(a, f32x4.mul(v128.load(e2 + o), v2));
      a = f32x4.add(a, f32x4.mul(v128.load(e3 + o), v3));
      v128.store(Pp + o, a);
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(Pp + o, load<f32>(Pp + o) + load<f32>(e0 + o) * s0 + load<f32>(e1 + o) * s1 + load<f32>(e2 + o) * s2 + load<f32>(e3 + o) * s3);
    }
  }
  for (; k < m; k++) {
    const e0 = rowsPos + <usize>load<i32>(nz + (<usize>k << 2)) * rowBytes;
    const s0 = <f32>load<f64>(xv + (<usize>k << 3));
    const v0 = f32x4.splat(s0);
    let i = 0;
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      v128.store(Pp + o, f32x4.add(v128.load(Pp + o), f32x4.mul(v128.load(e0 + o), v0)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(Pp + o, load<f32>(Pp + o) + load<f32>(e0 + o) * s0);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A layer's inputs for the sums: x_e = tEnd − max(t_e, t0) for spikes before tEnd, 0 for spikes
// at tEnd (x = 0). Conv: into x (all of them); returns −1 when a spike comes after tEnd (jitter:
// the caller runs the event loop instead), else 0.
export function ttfsInputsConv(nIn: i32, tin: usize, t0: f64, tEnd: f64, x: usize): i32 {
  // x = max(0, tEnd − max(t, t0)): 0 for spikes at or after tEnd.
  const T0 = f64x2.splat(t0), TE = f64x2.splat(tEnd), Z = f64x2.splat(0);
  let late = f64x2.splat(0);
  let e = 0;
  for (; e + 2 <= nIn; e += 2) {
    const t = v128.load(tin + (<usize>e << 3));
    late = v128.or(late, f64x2.gt(t, TE));
    v128.store(x + (<usize>e << 3), f64x2.max(Z, f64x2.sub(TE, f64x2.max(t, T0))));
  }
  let tail = 0;
  for (; e < nIn; e++) {
    const t = load<f64>(tin + (<usize>e << 3));
    tail |= <i32>(t > tEnd);
    store<f64>(x + (<usize>e << 3), max<f64>(0, tEnd - max<f64>(t, t0)));
  }
  return v128.any_true(late) || tail != 0 ? -1 : 0;
}

// Dense: the inputs before tEnd as a list (index into nz, value into xv); returns how many, or −1 as above.
export function ttfsInputsDense(nIn: i32, tin: usize, t0: f64, tEnd: f64, nz: usize, xv: usize): i32 {
  const uEnd = tEnd - t0;
  let late = 0;
  let m = 0;
  for (let e = 0; e < nIn; e++) {
    const t = load<f64>(tin + (<usize>e << 3));
    late |= <i32>(t > tEnd);
    store<i32>(nz + (<usize>m << 2), e);
    store<f64>(xv + (<usize>m << 3), t > t0 ? tEnd - t : uEnd);
    m += <i32>(t < tEnd);
  }
  return late ? -1 : m;
}

// The closed form for every neuron the bound clears (uEnd + Pp < ϑ: no crossing before all inputs
// arrived): t = tEnd + (ϑ − uEnd − P)/D_all, clipped at tMax. Pp is f32 scaled by ppMult (the
// caller's rounding margin) when ppMult > 0, else f64. The others go to `uncertain` (i32 indices)
// for the caller's exact scan; returns how many and stores the count of spikes before tMax at `stats`.
export function ttfsFinish(n: i32, P: usize, Pp: usize, ppMult: f64, theta: usize, dAll: usize, uEnd: f64, tEnd: f64, tMax: f64, out: usize, uncertain: usize, stats: usize): i32 {
  let k = 0;
  let informative = 0;
  const f32Bound = ppMult > 0;
  const UE = f64x2.splat(uEnd), TE = f64x2.splat(tEnd), TM = f64x2.splat(tMax), M = f64x2.splat(ppMult), S = f64x2.splat(1e-30);
  let i = 0;
  // Two neurons at a time while both are cleared by the bound (nearly always); else one by one.
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    const th = v128.load(theta + o);
    const bound = f32Bound ? f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(Pp + (<usize>i << 2))), M), S) : v128.load(Pp + o);
    if (!v128.all_true<i64>(f64x2.lt(f64x2.add(UE, bound), th))) {
      for (let j = i; j < i + 2; j++) {
        if (finishOne(j, P, Pp, f32Bound, ppMult, theta, dAll, uEnd, tEnd, tMax, out)) informative++;
        else {
          if (!cleared(j, Pp, f32Bound, ppMult, theta, uEnd)) {
            store<i32>(uncertain + (<usize>k << 2), j);
            k++;
          }
        }
      }
      continue;
    }
    const t = f64x2.add(TE, f64x2.div(f64x2.sub(f64x2.sub(th, UE), v128.load(P + o)), v128.load(dAll + o)));
    const before = f64x2.lt(t, TM);
    informative += popcnt<i32>(i64x2.bitmask(before));
    v128.store(out + o, v128.bitselect(t, TM, before));
  }
  for (; i < n; i++) {
    if (finishOne(i, P, Pp, f32Bound, ppMult, theta, dAll, uEnd, tEnd, tMax, out)) informative++;
    else if (!cleared(i, Pp, f32Bound, ppMult, theta, uEnd)) {
      store<i32>(uncertain + (<usize>k << 2), i);
      k++;
    }
  }
  store<i32>(stats, informative);
  return k;
}

// Terms that underflow in f32 lose at most ~1e-38 each: 1e-30 covers any layer.
// @ts-ignore: decorator
@inline function cleared(i: i32, Pp: usize, f32Bound: bool, ppMult: f64, theta: usize, uEnd: f64): bool {
  const bound = f32Bound ? <f64>load<f32>(Pp + (<usize>i << 2)) * ppMult + 1e-30 : load<f64>(Pp + (<usize>i << 3));
  return uEnd + bound < load<f64>(theta + (<usize>i << 3));
}

// Writes neuron i's spike when the bound clears it; true when that spike comes before tMax.
// @ts-ignore: decorator
@inline function finishOne(i: i32, P: usize, Pp: usize, f32Bound: bool, ppMult: f64, theta: usize, dAll: usize, uEnd: f64, tEnd: f64, tMax: f64, out: usize): bool {
  if (!cleared(i, Pp, f32Bound, ppMult, theta, uEnd)) return false;
  const o = <usize>i << 3;
  const t = tEnd + (load<f64>(theta + o) - uEnd - load<f64>(P + o)) / load<f64>(dAll + o);
  const before = t < tMax;
  store<f64>(out + o, before ? t : tMax);
  return before;
}

// ---------------------------------------------------------------------------------------------
// Depthwise conv (average pooling as a linear layer: one input channel per output channel), the
// channels innermost and in SIMD lanes. taps [kH][kW][C] f64, tapsPos the same in f32 (0: no
// bound). Taps summed in (ky, kx) order, as the other conv kernels do.
export function ttfsDepthwiseSums(
  C: i32, inH: i32, inW: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, outH: i32, outW: i32,
  x: usize, taps: usize, tapsPos: usize, P: usize, Pp: usize,
): void {
  const c2 = C & ~1;
  const c4 = C & ~3;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sH - pH;
    const ky0 = y0 < 0 ? -y0 : 0;
    const ky1 = y0 + kH > inH ? inH - y0 : kH;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sW - pW;
      const kx0 = x0 < 0 ? -x0 : 0;
      const kx1 = x0 + kW > inW ? inW - x0 : kW;
      const d = <usize>((oy * outW + ox) * C);
      let c = 0;
      for (; c < c2; c += 2) {
        let a = f64x2.splat(0);
        for (let ky = ky0; ky < ky1; ky++) {
          for (let kx = kx0; kx < kx1; kx++) {
            const v = v128.load(x + (<usize>(((y0 + ky) * inW + x0 + kx) * C + c) << 3));
            a = f64x2.add(a, f64x2.mul(v128.load(taps + (<usize>((ky * kW + kx) * C + c) << 3)), v));
          }
        }
        v128.store(P + ((d + <usize>c) << 3), a);
      }
      for (; c < C; c++) {
        let a: f64 = 0;
        for (let ky = ky0; ky < ky1; ky++) {
          for (let kx = kx0; kx < kx1; kx++) a += load<f64>(taps + (<usize>((ky * kW + kx) * C + c) << 3)) * load<f64>(x + (<usize>(((y0 + ky) * inW + x0 + kx) * C + c) << 3));
        }
        store<f64>(P + ((d + <usize>c) << 3), a);
      }
      if (tapsPos == 0) continue;
      c = 0;
      for (; c < c4; c += 4) {
        let b = f32x4.splat(0);
        for (let ky = ky0; ky < ky1; ky++) {
          for (let kx = kx0; kx < kx1; kx++) {
            const xp = x + (<usize>(((y0 + ky) * inW + x0 + kx) * C + c) << 3);
            const lo = f32x4.demote_f64x2_zero(v128.load(xp));
            const hi = f32x4.demote_f64x2_zero(v128.load(xp, 16));
            const v = i32x4.shuffle(lo, hi, 0, 1, 4, 5);
            b = f32x4.add(b, f32x4.mul(v128.load(tapsPos + (<usize>((ky * kW + kx) * C + c) << 2)), v));
          }
        }
        v128.store(Pp + ((d + <usize>c) << 2), b);
      }
      for (; c < C; c++) {
        let b: f32 = 0;
        for (let ky = ky0; ky < ky1; ky++) {
          for (let kx = kx0; kx < kx1; kx++) b += load<f32>(tapsPos + (<usize>((ky * kW + kx) * C + c) << 2)) * <f32>load<f64>(x + (<usize>(((y0 + ky) * inW + x0 + kx) * C + c) << 3));
        }
        store<f32>(Pp + ((d + <usize>c) << 2), b);
      }
    }
  }
}

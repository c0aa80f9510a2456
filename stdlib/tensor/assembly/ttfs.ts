// The exact TTFS simulator's float64 hot loops (stdlib/sim/ttfs/layers.ts owns the semantics):
// per neuron the sums P = Σ_j J_ij·x_j and Pp = Σ_j max(J_ij, 0)·x_j over the inputs that have
// spiked before the window ends (x_j > 0), with f64x2 SIMD. Float64 because the mapping is exact
// to ~1e-14; zero inputs are skipped. Pointers are byte offsets into JS-owned memory; no allocation.

// A conv layer, one sample. x [inH][inW][inC] (HWC), taps and tapsPos [inC][kH][kW][outC/groups],
// P and Pp [outH][outW][outC]. Each output position gathers its receptive field with the output
// channels in registers (blocks of 8, then 2, then 1); Pp = 0 skips the bound.
// Taps are summed in (ky, kx, c) order, as ttfsConvScatter does: both give the same sums bit for bit.
export function ttfsConvSums(
  inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, groups: i32, outH: i32, outW: i32,
  x: usize, taps: usize, tapsPos: usize, P: usize, Pp: usize,
): void {
  const icg = inC / groups;
  const ocg = outC / groups;
  const tapStride = <usize>ocg << 3;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sH - pH;
    const ky0 = y0 < 0 ? -y0 : 0;
    const ky1 = y0 + kH > inH ? inH - y0 : kH;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sW - pW;
      const kx0 = x0 < 0 ? -x0 : 0;
      const kx1 = x0 + kW > inW ? inW - x0 : kW;
      const out = <usize>((oy * outW + ox) * outC) << 3;
      for (let g = 0; g < groups; g++) {
        const c0 = g * icg;
        let o = 0;
        if (Pp == 0) {
          // No bound wanted (the layer is safe without it): P alone.
          for (; o + 8 <= ocg; o += 8) {
            let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
            for (let ky = ky0; ky < ky1; ky++) {
              for (let kx = kx0; kx < kx1; kx++) {
                const xRow = x + (<usize>(((y0 + ky) * inW + x0 + kx) * inC + c0) << 3);
                let t = taps + ((<usize>(((c0 * kH + ky) * kW + kx) * ocg + o)) << 3);
                const cStep = <usize>(kH * kW) * tapStride;
                for (let c = 0; c < icg; c++) {
                  const v = load<f64>(xRow + (<usize>c << 3));
                  if (v != 0) {
                    const vv = f64x2.splat(v);
                    a0 = f64x2.add(a0, f64x2.mul(v128.load(t), vv));
                    a1 = f64x2.add(a1, f64x2.mul(v128.load(t, 16), vv));
                    a2 = f64x2.add(a2, f64x2.mul(v128.load(t, 32), vv));
                    a3 = f64x2.add(a3, f64x2.mul(v128.load(t, 48), vv));
                  }
                  t += cStep;
                }
              }
            }
            const d = out + (<usize>(g * ocg + o) << 3);
            v128.store(P + d, a0);
            v128.store(P + d, a1, 16);
            v128.store(P + d, a2, 32);
            v128.store(P + d, a3, 48);
          }
          for (; o < ocg; o++) {
            let a: f64 = 0;
            for (let ky = ky0; ky < ky1; ky++) {
              for (let kx = kx0; kx < kx1; kx++) {
                const xRow = x + (<usize>(((y0 + ky) * inW + x0 + kx) * inC + c0) << 3);
                let t = taps + ((<usize>(((c0 * kH + ky) * kW + kx) * ocg + o)) << 3);
                const cStep = <usize>(kH * kW) * tapStride;
                for (let c = 0; c < icg; c++) {
                  const v = load<f64>(xRow + (<usize>c << 3));
                  if (v != 0) a += load<f64>(t) * v;
                  t += cStep;
                }
              }
            }
            store<f64>(P + out + (<usize>(g * ocg + o) << 3), a);
          }
          continue;
        }
        for (; o + 8 <= ocg; o += 8) {
          let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
          let b0 = f64x2.splat(0), b1 = f64x2.splat(0), b2 = f64x2.splat(0), b3 = f64x2.splat(0);
          for (let ky = ky0; ky < ky1; ky++) {
            for (let kx = kx0; kx < kx1; kx++) {
              const xRow = x + (<usize>(((y0 + ky) * inW + x0 + kx) * inC + c0) << 3);
              let t = (<usize>(((c0 * kH + ky) * kW + kx) * ocg + o)) << 3;
              const cStep = <usize>(kH * kW) * tapStride;
              for (let c = 0; c < icg; c++) {
                const v = load<f64>(xRow + (<usize>c << 3));
                if (v != 0) {
                  const vv = f64x2.splat(v);
                  const w = taps + t, wp = tapsPos + t;
                  a0 = f64x2.add(a0, f64x2.mul(v128.load(w), vv));
                  a1 = f64x2.add(a1, f64x2.mul(v128.load(w, 16), vv));
                  a2 = f64x2.add(a2, f64x2.mul(v128.load(w, 32), vv));
                  a3 = f64x2.add(a3, f64x2.mul(v128.load(w, 48), vv));
                  b0 = f64x2.add(b0, f64x2.mul(v128.load(wp), vv));
                  b1 = f64x2.add(b1, f64x2.mul(v128.load(wp, 16), vv));
                  b2 = f64x2.add(b2, f64x2.mul(v128.load(wp, 32), vv));
                  b3 = f64x2.add(b3, f64x2.mul(v128.load(wp, 48), vv));
                }
                t += cStep;
              }
            }
          }
          const d = out + (<usize>(g * ocg + o) << 3);
          v128.store(P + d, a0);
          v128.store(P + d, a1, 16);
          v128.store(P + d, a2, 32);
          v128.store(P + d, a3, 48);
          v128.store(Pp + d, b0);
          v128.store(Pp + d, b1, 16);
          v128.store(Pp + d, b2, 32);
          v128.store(Pp + d, b3, 48);
        }
        for (; o + 2 <= ocg; o += 2) {
          let a = f64x2.splat(0), b = f64x2.splat(0);
          for (let ky = ky0; ky < ky1; ky++) {
            for (let kx = kx0; kx < kx1; kx++) {
              const xRow = x + (<usize>(((y0 + ky) * inW + x0 + kx) * inC + c0) << 3);
              let t = (<usize>(((c0 * kH + ky) * kW + kx) * ocg + o)) << 3;
              const cStep = <usize>(kH * kW) * tapStride;
              for (let c = 0; c < icg; c++) {
                const v = load<f64>(xRow + (<usize>c << 3));
                if (v != 0) {
                  const vv = f64x2.splat(v);
                  a = f64x2.add(a, f64x2.mul(v128.load(taps + t), vv));
                  b = f64x2.add(b, f64x2.mul(v128.load(tapsPos + t), vv));
                }
                t += cStep;
              }
            }
          }
          const d = out + (<usize>(g * ocg + o) << 3);
          v128.store(P + d, a);
          v128.store(Pp + d, b);
        }
        for (; o < ocg; o++) {
          let a: f64 = 0, b: f64 = 0;
          for (let ky = ky0; ky < ky1; ky++) {
            for (let kx = kx0; kx < kx1; kx++) {
              const xRow = x + (<usize>(((y0 + ky) * inW + x0 + kx) * inC + c0) << 3);
              let t = (<usize>(((c0 * kH + ky) * kW + kx) * ocg + o)) << 3;
              const cStep = <usize>(kH * kW) * tapStride;
              for (let c = 0; c < icg; c++) {
                const v = load<f64>(xRow + (<usize>c << 3));
                if (v != 0) {
                  a += load<f64>(taps + t) * v;
                  b += load<f64>(tapsPos + t) * v;
                }
                t += cStep;
              }
            }
          }
          const d = out + (<usize>(g * ocg + o) << 3);
          store<f64>(P + d, a);
          store<f64>(Pp + d, b);
        }
      }
    }
  }
}

// A dense layer, one sample: P[i] = Σ_k rows[nz[k], i]·xv[k] and Pp likewise with rowsPos, for
// the m non-zero inputs nz (i32) with values xv (f64); rows [in][n]. Four inputs per pass over
// the outputs, added in input order.
export function ttfsDenseSums(n: i32, m: i32, nz: usize, xv: usize, rows: usize, rowsPos: usize, P: usize, Pp: usize): void {
  if (Pp == 0) {
    denseP(n, m, nz, xv, rows, P);
    return;
  }
  memory.fill(P, 0, <usize>n << 3);
  memory.fill(Pp, 0, <usize>n << 3);
  const rowBytes = <usize>n << 3;
  const n2 = n & ~1;
  let k = 0;
  for (; k + 4 <= m; k += 4) {
    const e0 = <usize>load<i32>(nz + (<usize>k << 2)) * rowBytes;
    const e1 = <usize>load<i32>(nz + (<usize>k << 2), 4) * rowBytes;
    const e2 = <usize>load<i32>(nz + (<usize>k << 2), 8) * rowBytes;
    const e3 = <usize>load<i32>(nz + (<usize>k << 2), 12) * rowBytes;
    const s0 = load<f64>(xv + (<usize>k << 3)), s1 = load<f64>(xv + (<usize>k << 3), 8);
    const s2 = load<f64>(xv + (<usize>k << 3), 16), s3 = load<f64>(xv + (<usize>k << 3), 24);
    const v0 = f64x2.splat(s0), v1 = f64x2.splat(s1), v2 = f64x2.splat(s2), v3 = f64x2.splat(s3);
    let i = 0;
    for (; i < n2; i += 2) {
      const o = <usize>i << 3;
      let a = v128.load(P + o);
      a = f64x2.add(a, f64x2.mul(v128.load(rows + e0 + o), v0));
      a = f64x2.add(a, f64x2.mul(v128.load(rows + e1 + o), v1));
      a = f64x2.add(a, f64x2.mul(v128.load(rows + e2 + o), v2));
      a = f64x2.add(a, f64x2.mul(v128.load(rows + e3 + o), v3));
      v128.store(P + o, a);
      let b = v128.load(Pp + o);
      b = f64x2.add(b, f64x2.mul(v128.load(rowsPos + e0 + o), v0));
      b = f64x2.add(b, f64x2.mul(v128.load(rowsPos + e1 + o), v1));
      b = f64x2.add(b, f64x2.mul(v128.load(rowsPos + e2 + o), v2));
      b = f64x2.add(b, f64x2.mul(v128.load(rowsPos + e3 + o), v3));
      v128.store(Pp + o, b);
    }
    for (; i < n; i++) {
      const o = <usize>i << 3;
      store<f64>(P + o, load<f64>(P + o) + load<f64>(rows + e0 + o) * s0 + load<f64>(rows + e1 + o) * s1 + load<f64>(rows + e2 + o) * s2 + load<f64>(rows + e3 + o) * s3);
      store<f64>(Pp + o, load<f64>(Pp + o) + load<f64>(rowsPos + e0 + o) * s0 + load<f64>(rowsPos + e1 + o) * s1 + load<f64>(rowsPos + e2 + o) * s2 + load<f64>(rowsPos + e3 + o) * s3);
    }
  }
  for (; k < m; k++) {
    const e0 = <usize>load<i32>(nz + (<usize>k << 2)) * rowBytes;
    const s0 = load<f64>(xv + (<usize>k << 3));
    const v0 = f64x2.splat(s0);
    let i = 0;
    for (; i < n2; i += 2) {
      const o = <usize>i << 3;
      v128.store(P + o, f64x2.add(v128.load(P + o), f64x2.mul(v128.load(rows + e0 + o), v0)));
      v128.store(Pp + o, f64x2.add(v128.load(Pp + o), f64x2.mul(v128.load(rowsPos + e0 + o), v0)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 3;
      store<f64>(P + o, load<f64>(P + o) + load<f64>(rows + e0 + o) * s0);
      store<f64>(Pp + o, load<f64>(Pp + o) + load<f64>(rowsPos + e0 + o) * s0);
    }
  }
}

// A conv layer, one sample, input-driven: each non-zero input adds its value times its taps into
// the outputs it reaches (P, and Pp unless Pp is 0). Cheaper than ttfsConvSums when few inputs
// are non-zero or a group has few output channels (the first layer, average pooling).
export function ttfsConvScatter(
  inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, groups: i32, outH: i32, outW: i32,
  x: usize, taps: usize, tapsPos: usize, P: usize, Pp: usize,
): void {
  const n = <usize>(outC * outH * outW) << 3;
  memory.fill(P, 0, n);
  if (Pp != 0) memory.fill(Pp, 0, n);
  const icg = inC / groups;
  const ocg = outC / groups;
  const oc2 = ocg & ~1;
  for (let iy = 0; iy < inH; iy++) {
    for (let ix = 0; ix < inW; ix++) {
      const xb = x + (<usize>((iy * inW + ix) * inC) << 3);
      for (let c = 0; c < inC; c++) {
        const v = load<f64>(xb + (<usize>c << 3));
        if (v == 0) continue;
        const vv = f64x2.splat(v);
        const grp = (c / icg) * ocg;
        // Taps reaching an output: ky ≡ iy + pH (mod sH), counting down the output row; likewise kx.
        const ry = (iy + pH) % sH, rx = (ix + pW) % sW;
        for (let ky = ry, oy = (iy + pH - ry) / sH; ky < kH && oy >= 0; ky += sH, oy--) {
          if (oy >= outH) continue;
          for (let kx = rx, ox = (ix + pW - rx) / sW; kx < kW && ox >= 0; kx += sW, ox--) {
            if (ox >= outW) continue;
            const w = (<usize>(((c * kH + ky) * kW + kx) * ocg)) << 3;
            const o = (<usize>((oy * outW + ox) * outC + grp)) << 3;
            let q = 0;
            for (; q < oc2; q += 2) {
              const qo = <usize>q << 3;
              v128.store(P + o + qo, f64x2.add(v128.load(P + o + qo), f64x2.mul(v128.load(taps + w + qo), vv)));
            }
            if (q < ocg) store<f64>(P + o + (<usize>q << 3), load<f64>(P + o + (<usize>q << 3)) + load<f64>(taps + w + (<usize>q << 3)) * v);
            if (Pp != 0) {
              q = 0;
              for (; q < oc2; q += 2) {
                const qo = <usize>q << 3;
                v128.store(Pp + o + qo, f64x2.add(v128.load(Pp + o + qo), f64x2.mul(v128.load(tapsPos + w + qo), vv)));
              }
              if (q < ocg) store<f64>(Pp + o + (<usize>q << 3), load<f64>(Pp + o + (<usize>q << 3)) + load<f64>(tapsPos + w + (<usize>q << 3)) * v);
            }
          }
        }
      }
    }
  }
}

function denseP(n: i32, m: i32, nz: usize, xv: usize, rows: usize, P: usize): void {
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
}

// A layer's inputs for the sums: x_e = tEnd − max(t_e, t0) for spikes before tEnd, 0 for spikes at
// tEnd (x = 0). Conv: into x (all of them); returns −1 when a spike comes after tEnd (jitter: the
// caller runs the event loop instead), else 0.
export function ttfsInputsConv(nIn: i32, tin: usize, t0: f64, tEnd: f64, x: usize): i32 {
  const uEnd = tEnd - t0;
  let late = 0;
  for (let e = 0; e < nIn; e++) {
    const t = load<f64>(tin + (<usize>e << 3));
    late |= <i32>(t > tEnd);
    store<f64>(x + (<usize>e << 3), t < tEnd ? (t > t0 ? tEnd - t : uEnd) : 0);
  }
  return late ? -1 : 0;
}

// Dense: the non-zero inputs as a list (index into nz, value into xv); returns how many, or −1 as above.
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
// arrived): t = tEnd + (ϑ − uEnd − P)/D_all, clipped at tMax. The others go to `uncertain` (i32
// indices) for the caller's exact scan; returns how many, and stores the count of spikes before
// tMax at `stats`.
export function ttfsFinish(n: i32, P: usize, Pp: usize, theta: usize, dAll: usize, uEnd: f64, tEnd: f64, tMax: f64, out: usize, uncertain: usize, stats: usize): i32 {
  let k = 0;
  let informative = 0;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    const th = load<f64>(theta + o);
    if (uEnd + load<f64>(Pp + o) < th) {
      const t = tEnd + (th - uEnd - load<f64>(P + o)) / load<f64>(dAll + o);
      const early = t < tMax;
      informative += <i32>early;
      store<f64>(out + o, early ? t : tMax);
    } else {
      store<i32>(uncertain + (<usize>k << 2), i);
      k++;
    }
  }
  store<i32>(stats, informative);
  return k;
}

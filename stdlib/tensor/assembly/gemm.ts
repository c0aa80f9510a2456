// GEMM for the kernels (AssemblyScript → WASM SIMD): packed panels and a 6×8 register-blocked
// micro-kernel, with strided operands so every transpose (and im2col columns) goes through one
// path. Pointers are byte offsets into the memory JS owns; this file allocates nothing.

// Micro-tile: 6 rows of A × 8 columns of B = 12 f32x4 accumulators, which with two B vectors
// and one broadcast A fits the 16 XMM registers V8 uses (measured: 26–29 GFLOP/s raw, 1 core).
export const MR: i32 = 6;
export const NR: i32 = 8;
// Blocking: a KC×NR panel of B stays in L1 (8 KB), the MC×KC block of A in L2 (120 KB).
export const KC: i32 = 256;
export const MC: i32 = 120;
export const NC: i32 = 2048;

/** Bytes of scratch gemmStrided needs: packed B (KC×NC), packed A (MC×KC) and one tile. */
export function gemmScratchBytes(): i32 {
  return (KC * NC + MC * KC + MR * NR) * 4 + 64;
}

// The A block [mc, kc] as MR-row panels, column by column (zero rows pad the last panel).
function packA(mc: i32, kc: i32, a: usize, rsA: i32, csA: i32, dst: usize): void {
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const rows = min(MR, mc - i0);
    if (rows == MR && csA == 1) {
      // A stored row-major: read six rows side by side.
      const r0 = a + <usize>(i0 * rsA) * 4;
      const rs = <usize>rsA * 4;
      for (let p = 0; p < kc; p++) {
        const q = r0 + (<usize>p << 2);
        store<f32>(dst, load<f32>(q));
        store<f32>(dst, load<f32>(q + rs), 4);
        store<f32>(dst, load<f32>(q + 2 * rs), 8);
        store<f32>(dst, load<f32>(q + 3 * rs), 12);
        store<f32>(dst, load<f32>(q + 4 * rs), 16);
        store<f32>(dst, load<f32>(q + 5 * rs), 20);
        dst += 24;
      }
    } else if (rows == MR && rsA == 1) {
      // A stored transposed: the six values of a column are contiguous.
      let q = a + <usize>i0 * 4;
      const cs = <usize>csA * 4;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(q));
        store<f32>(dst, load<f32>(q, 16), 16);
        store<f32>(dst, load<f32>(q, 20), 20);
        q += cs;
        dst += 24;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(dst, r < rows ? load<f32>(a + <usize>((i0 + r) * rsA + p * csA) * 4) : 0);
          dst += 4;
        }
      }
    }
  }
}

// The B block [kc, nc] as NR-column panels, row by row (zero columns pad the last panel).
function packB(kc: i32, nc: i32, b: usize, rsB: i32, csB: i32, dst: usize): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const cols = min(NR, nc - j0);
    if (cols == NR && csB == 1) {
      let src = b + <usize>j0 * 4;
      const rs = <usize>rsB * 4;
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += rs;
        dst += 32;
      }
    } else if (cols == NR && rsB == 1) {
      // B stored transposed (rows of B are columns here): 4×4 register transposes of two
      // 4-row groups give four packed rows of 8 per step.
      const cs = <usize>csB * 4;
      const r0 = b + <usize>(j0 * csB) * 4;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        transpose4(r0 + o, cs, dst, 32);
        transpose4(r0 + 4 * cs + o, cs, dst + 16, 32);
        dst += 128;
      }
      for (; p < kc; p++) {
        for (let c = 0; c < NR; c++) store<f32>(dst + (<usize>c << 2), load<f32>(r0 + <usize>c * cs + (<usize>p << 2)));
        dst += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let c = 0; c < NR; c++) {
          store<f32>(dst, c < cols ? load<f32>(b + <usize>(p * rsB + (j0 + c) * csB) * 4) : 0);
          dst += 4;
        }
      }
    }
  }
}

// Rows src, src+rs, src+2rs, src+3rs (4 floats each) written as columns: dst row r (stride
// ds bytes) gets element r of each source row.
// @ts-ignore: decorator
@inline function transpose4(src: usize, rs: usize, dst: usize, ds: usize): void {
  const a = v128.load(src), b = v128.load(src + rs), c = v128.load(src + 2 * rs), d = v128.load(src + 3 * rs);
  const ab0 = i32x4.shuffle(a, b, 0, 4, 1, 5), ab1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const cd0 = i32x4.shuffle(c, d, 0, 4, 1, 5), cd1 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  v128.store(dst, i64x2.shuffle(ab0, cd0, 0, 2));
  v128.store(dst + ds, i64x2.shuffle(ab0, cd0, 1, 3));
  v128.store(dst + 2 * ds, i64x2.shuffle(ab1, cd1, 0, 2));
  v128.store(dst + 3 * ds, i64x2.shuffle(ab1, cd1, 1, 3));
}

// C[6, 8] (+)= Ap · Bp over kc; `add` = 0 overwrites C (the first K block without accumulate).
// @ts-ignore: decorator
@inline function micro(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 16);
    c40 = f32x4.add(c40, f32x4.mul(a, b0));
    c41 = f32x4.add(c41, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 20);
    c50 = f32x4.add(c50, f32x4.mul(a, b0));
    c51 = f32x4.add(c51, f32x4.mul(a, b1));
    ap += 24;
    bp += 32;
  }
  if (add) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + ldc)); c11 = f32x4.add(c11, v128.load(c + ldc, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * ldc)); c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * ldc)); c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
    c40 = f32x4.add(c40, v128.load(c + 4 * ldc)); c41 = f32x4.add(c41, v128.load(c + 4 * ldc, 16));
    c50 = f32x4.add(c50, v128.load(c + 5 * ldc)); c51 = f32x4.add(c51, v128.load(c + 5 * ldc, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
  v128.store(c + 4 * ldc, c40); v128.store(c + 4 * ldc, c41, 16);
  v128.store(c + 5 * ldc, c50); v128.store(c + 5 * ldc, c51, 16);
}

/**
 * C[m, n] (+)= A·B with A(i, p) at a[i·rsA + p·csA], B(p, j) at b[p·rsB + j·csB] (floats),
 * C row-major with row stride ldc. accumulate ≠ 0 adds to C. scratch: gemmScratchBytes().
 */
export function gemmStrided(m: i32, n: i32, k: i32, a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32, c: usize, ldc: i32, accumulate: i32, scratch: usize): void {
  if (m <= 0 || n <= 0) return;
  const bp = (scratch + 63) & ~(<usize>63);
  const ap = bp + <usize>(KC * NC) * 4;
  const tile = ap + <usize>(MC * KC) * 4;
  const ldcB = <usize>ldc * 4;
  if (k <= 0) {
    if (accumulate == 0) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcB, 0, <usize>n * 4);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      const add = accumulate != 0 || pc > 0;
      packB(kc, nc, b + <usize>(pc * rsB + jc * csB) * 4, rsB, csB, bp);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(mc, kc, a + <usize>(ic * rsA + pc * csA) * 4, rsA, csA, ap);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bpp = bp + <usize>(jr * kc) * 4;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const app = ap + <usize>(ir * kc) * 4;
            const cij = c + <usize>(ic + ir) * ldcB + <usize>(jc + jr) * 4;
            if (rows == MR && cols == NR) {
              micro(kc, app, bpp, cij, ldcB, add);
            } else {
              // Edge tile: compute the full tile aside, then copy the part inside C.
              micro(kc, app, bpp, tile, NR * 4, false);
              for (let r = 0; r < rows; r++) {
                for (let q = 0; q < cols; q++) {
                  const dst = cij + <usize>r * ldcB + (<usize>q << 2);
                  const v = load<f32>(tile + (<usize>(r * NR + q) << 2));
                  store<f32>(dst, add ? load<f32>(dst) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}

/**
 * y[n] (+)= x[k] · B[k, n] for row-major B (ldb floats per row), summed in exactly gemmStrided's
 * order (per KC block from zero, then added to y) so a 1-row product equals that row of a batch
 * bit for bit. Rows with x[p] = 0 are skipped (adding ±0 changes nothing). scratch: n floats.
 */
export function gemvRows(n: i32, k: i32, x: usize, b: usize, ldb: i32, y: usize, accumulate: i32, scratch: usize): void {
  const acc = (scratch + 63) & ~(<usize>63);
  const n4 = n & ~3;
  const ldbB = <usize>ldb * 4;
  if (k <= 0 && accumulate == 0) memory.fill(y, 0, <usize>n * 4);
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    memory.fill(acc, 0, <usize>n * 4);
    for (let p = pc; p < pc + kc; p++) {
      const xv = load<f32>(x + (<usize>p << 2));
      if (xv == 0) continue;
      const s = f32x4.splat(xv);
      const row = b + <usize>p * ldbB;
      let j = 0;
      for (; j < n4; j += 4) {
        const o = <usize>j << 2;
        v128.store(acc + o, f32x4.add(v128.load(acc + o), f32x4.mul(s, v128.load(row + o))));
      }
      for (; j < n; j++) {
        const o = <usize>j << 2;
        store<f32>(acc + o, load<f32>(acc + o) + xv * load<f32>(row + o));
      }
    }
    if (accumulate == 0 && pc == 0) memory.copy(y, acc, <usize>n * 4);
    else for (let j = 0; j < n; j++) store<f32>(y + (<usize>j << 2), load<f32>(acc + (<usize>j << 2)) + load<f32>(y + (<usize>j << 2)));
  }
}

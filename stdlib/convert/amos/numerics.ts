// The numeric tools the fit is built from: a seeded generator, Adam, and small dense linear
// systems (at most 2·64 unknowns) for its least-squares steps. Nothing here knows about circuits.

/** Solves A x = b (A n×n, row-major) by Gaussian elimination with partial pivoting; A and b are not modified. */
export function solveLinear(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const M = A.slice();
  const x = b.slice();
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]!) > Math.abs(M[piv * n + c]!)) piv = r;
    if (piv !== c) {
      for (let j = 0; j < n; j++) [M[c * n + j], M[piv * n + j]] = [M[piv * n + j]!, M[c * n + j]!];
      [x[c], x[piv]] = [x[piv]!, x[c]!];
    }
    const p = M[c * n + c]!;
    for (let r = c + 1; r < n; r++) {
      const f = M[r * n + c]! / p;
      if (f === 0) continue;
      for (let j = c; j < n; j++) M[r * n + j] = M[r * n + j]! - f * M[c * n + j]!;
      x[r] = x[r]! - f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let j = r + 1; j < n; j++) s -= M[r * n + j]! * x[j]!;
    x[r] = s / M[r * n + r]!;
  }
  return x;
}

/** Seeded uniform [0, 1) generator (mulberry32): the fit's only source of randomness. */
export function rng(seed: number): () => number {
  let a = (seed >>> 0) + 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Adam (Kingma & Ba) with the usual β1 = 0.9, β2 = 0.999; updates parameters in place. */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(n: number, private readonly lr: number) {
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
  }
  step(p: Float64Array, g: Float64Array): void {
    this.t++;
    const b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const c1 = 1 - b1 ** this.t, c2 = 1 - b2 ** this.t;
    for (let i = 0; i < p.length; i++) {
      this.m[i] = b1 * this.m[i]! + (1 - b1) * g[i]!;
      this.v[i] = b2 * this.v[i]! + (1 - b2) * g[i]! * g[i]!;
      p[i] = p[i]! - (this.lr * (this.m[i]! / c1)) / (Math.sqrt(this.v[i]! / c2) + eps);
    }
  }
}

// A structured starting circuit for the fit: successive approximation in the gate's output
// space, with the edges it wants fitted by least squares. Far better starts than random ones for
// monotone gates (many more steps, placed where f changes). No descent here.

import { circuit, type Circuit } from "./circuit.ts";
import { solveLinear } from "./numerics.ts";
import type { GateTable } from "./table.ts";

/** The least-squares non-decreasing fit of `y` (pool adjacent violators). */
export function isotonic(y: Float64Array): Float64Array {
  const n = y.length;
  const value = new Float64Array(n), weight = new Float64Array(n), end = new Int32Array(n);
  let top = -1;
  for (let i = 0; i < n; i++) {
    top++;
    value[top] = y[i]!;
    weight[top] = 1;
    end[top] = i;
    while (top > 0 && value[top - 1]! > value[top]!) {
      const w = weight[top - 1]! + weight[top]!;
      value[top - 1] = (value[top - 1]! * weight[top - 1]! + value[top]! * weight[top]!) / w;
      weight[top - 1] = w;
      end[top - 1] = end[top]!;
      top--;
    }
  }
  const out = new Float64Array(n);
  let i = 0;
  for (let b = 0; b <= top; b++) for (; i <= end[b]!; i++) out[i] = value[b]!;
  return out;
}

/**
 * A structured start: successive approximation in the output space. Unit k adds d_k = span·2^-k
 * and should fire when f(x) exceeds the output so far plus d_k, i.e. at x = f⁻¹(ŷ(prefix) + d_k)
 * (f replaced by its best non-decreasing approximation). A circuit's edge is T_k + Σ_{j<k} h_j z_j,
 * linear in the earlier spikes, so T and h are the least-squares fit of those edges over all
 * prefixes, each weighted by the length of input it governs. Exact for linear f; a good start
 * otherwise. With `dipUnits` = m > 0, f = g1 + g2 is split at its minimum x*: g1 = f(min(x, x*))
 * falls and goes to m units that fire in turn as x passes its levels (h = 0, so they leave the
 * potential alone), g2 = f(max(x, x*)) − f(x*) rises and goes to the bisection of the other K − m.
 * That is how a circuit can follow SiLU's dip below zero. With `bits` below K − m, only that many
 * units bisect and the rest stay silent: more bisection levels than the edges' least-squares fit
 * can place well is worse than fewer, so the fit tries a few.
 */
export function bisectionStart(t: GateTable, K: number, dipUnits = 0, bits = K - dipUnits): Circuit {
  const n = t.x.length;
  let y = t.y;
  const hD: number[] = [], dD: number[] = [], TD: number[] = [];
  const m = Math.min(dipUnits, K - 1);
  if (m > 0) {
    let iMin = 0;
    for (let i = 1; i < n; i++) if (t.y[i]! < t.y[iMin]!) iMin = i;
    const y0 = t.y[0]!, yMin = t.y[iMin]!;
    for (let k = 0; k < m; k++) {
      // Unit k fires once f has fallen past the middle of its share of the dip.
      const level = y0 + ((k + 0.5) / m) * (yMin - y0);
      let i = 0;
      while (i < iMin && t.y[i]! > level) i++;
      hD.push(0);
      dD.push((yMin - y0) / m);
      TD.push(t.x[i]!);
    }
    y = Float64Array.from(t.y, (v, i) => (i <= iMin ? 0 : v - yMin));
  }
  const b = Math.max(1, Math.min(bits, K - m));
  const rest = bisection(t.x, y, b);
  // Units left over stay silent (a threshold above the range): a smaller circuit inside a larger one.
  const idle = K - m - b;
  const above = t.x[n - 1]! + 1 + Math.abs(t.x[n - 1]!);
  return circuit([...hD, ...rest.h, ...new Array<number>(idle).fill(0)], [...dD, ...rest.d, ...new Array<number>(idle).fill(0)], [...TD, ...rest.T, ...new Array<number>(idle).fill(above)]);
}

function bisection(x: Float64Array, y: Float64Array, K: number): { h: Float64Array; d: Float64Array; T: Float64Array } {
  const n = x.length;
  const mono = isotonic(y);
  const y0 = Math.min(0, mono[0]!);
  const span = mono[n - 1]! - y0;
  // First grid index where the monotone gate exceeds `level` (binary search).
  const cross = (level: number): number => {
    let a = 0, b = n;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (mono[mid]! > level) b = mid;
      else a = mid + 1;
    }
    return a;
  };
  const P = 2 * K;
  const A = new Float64Array(P * P), rhs = new Float64Array(P);
  const prefix = new Uint8Array(K);
  const dk = Float64Array.from({ length: K }, (_, k) => span * 2 ** -(k + 1));
  const visit = (k: number, yhat: number, from: number, to: number): void => {
    if (k === K || to <= from) return;
    const mid = Math.min(to, Math.max(from, cross(y0 + yhat + dk[k]!)));
    const w = to - from;
    const edge = mid >= n ? x[n - 1]! : mid <= 0 ? x[0]! : x[mid]!;
    // Unknowns: T_k at index K + k, h_j at index j.
    const idx: number[] = [K + k];
    for (let j = 0; j < k; j++) if (prefix[j] === 1) idx.push(j);
    for (const a of idx) {
      rhs[a] = rhs[a]! + w * edge;
      for (const b of idx) A[a * P + b] = A[a * P + b]! + w;
    }
    prefix[k] = 0;
    visit(k + 1, yhat, from, mid);
    prefix[k] = 1;
    visit(k + 1, yhat + dk[k]!, mid, to);
    prefix[k] = 0;
  };
  visit(0, 0, 0, n);
  for (let a = 0; a < P; a++) A[a * P + a] = A[a * P + a]! + 1e-9 * n;
  const sol = solveLinear(A, rhs, P);
  const h = sol.slice(0, K);
  h[K - 1] = dk[K - 1]!;
  return { h, d: dk, T: sol.slice(K) };
}

// A gate tabulated on the fit's evaluation grid (linspace over the range, ends included), and a
// circuit's error against it: the numbers reported per gate and K. No fitting here.

import { SpikelabError } from "../../errors.ts";
import { fsOutput, type Circuit } from "./circuit.ts";
import type { Gate } from "./gates.ts";

/** The evaluation grid and f on it. */
export interface GateTable {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

export function gateTable(g: Gate, range: readonly [number, number], points: number): GateTable {
  const [lo, hi] = range;
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new SpikelabError("param", `fit range [${lo}, ${hi}] for gate '${g.name}' is empty or not finite`, { hint: "give `fit_range: [lo, hi]` with lo < hi" });
  }
  const n = Math.max(2, Math.floor(points));
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = lo + ((hi - lo) * i) / (n - 1);
    y[i] = g.f(x[i]!);
  }
  return { x, y };
}

/** Mean squared and max absolute error of `c` against the table. */
export function circuitError(c: Circuit, t: GateTable): { mse: number; maxError: number } {
  let se = 0;
  let me = 0;
  for (let i = 0; i < t.x.length; i++) {
    const e = Math.abs(fsOutput(c, t.x[i]!) - t.y[i]!);
    se += e * e;
    if (e > me) me = e;
  }
  return { mse: se / t.x.length, maxError: me };
}

// Fitting a circuit's (h, d, T) to a gate f on a range (Stöckl & Maass; PAPERS.md §2): structured
// starts, then restarts of the authors' pseudo-derivative descent, each polished on the exact
// squared error with d solved by least squares; the best is kept and measured on the grid.
// Seeded and deterministic. No caching here (cache.ts) and no networks.

import type { RunContext } from "../../context.ts";
import { throwIfAborted } from "../../errors.ts";
import type { Circuit } from "./circuit.ts";
import { descent, pseudoDescent, randomStart } from "./descent.ts";
import type { Gate } from "./gates.ts";
import { rng } from "./numerics.ts";
import { integrals, refineExact } from "./staircase.ts";
import { bisectionStart } from "./start.ts";
import { circuitError, gateTable } from "./table.ts";

export interface FitSettings {
  readonly K: number;
  /** [lo, hi]: the inputs the gate sees. */
  readonly range: readonly [number, number];
  /** Points of the evaluation grid (linspace over the range, ends included); the authors used 100,000. */
  readonly points: number;
  /** Runs of pseudo-derivative descent after the structured starts. */
  readonly restarts: number;
  /** Adam steps per descent. */
  readonly iterations: number;
  /** Adam step size; each restart draws its own from [lr/2, 2·lr] (the authors drew theirs at random too). */
  readonly lr: number;
  readonly seed: number;
}

/** Bump when the procedure changes, so cached fits from an older procedure are not reused. */
export const FIT_VERSION = 4;

export interface FitResult {
  readonly gate: string;
  readonly circuit: Circuit;
  readonly settings: FitSettings;
  /** Mean squared and largest absolute error of the circuit against f on the evaluation grid. */
  readonly mse: number;
  readonly maxError: number;
  /** Which start won (0-based: the structured starts first, then the descents) and the fitting time in seconds. */
  readonly bestRestart: number;
  readonly seconds: number;
}

/** Adam steps of the exact-gradient polish after each restart (cheap: it works on the steps, not the grid). */
const REFINE_STEPS = 2000;

/** Dip sizes tried as structured starts when f falls below its left end (SiLU): see start.ts. */
const DIP_UNITS = [1, 2, 3, 4];
/** Bisection sizes tried: all the units left, or fewer (a circuit of K units contains the smaller ones); fewer variants with a dip. */
const FEWER_BITS = [0, 1, 2, 3, 4, 6];
const FEWER_BITS_DIP = [0, 2];

/** The structured starts (dip units, bisection units) for a gate with K units. */
function structuredStarts(K: number, dips: boolean): [number, number][] {
  const out: [number, number][] = [];
  for (const m of [0, ...(dips ? DIP_UNITS : [])]) {
    if (m > 0 && m >= K - 1) continue;
    for (const fewer of m === 0 ? FEWER_BITS : FEWER_BITS_DIP) if (K - m - fewer >= 1 && (fewer === 0 || K - m - fewer >= 2)) out.push([m, K - m - fewer]);
  }
  return out;
}

/**
 * Fits a K-unit circuit to `g` on `settings.range`. Deterministic for given settings (seeded).
 * First every structured start is polished (output-space bisection with 0–6 units fewer than
 * K, and for a gate that dips below its left end, with 1–4 units spent on the dip; cheap, and
 * they win nearly every fit); then `restarts` runs of pseudo-derivative Adam alternate between
 * the best structured start at a tenth of the step size (finding steps it lacks) and the authors'
 * procedure from a random start. Every candidate is polished on the exact error and the best is
 * kept. Checks `ctx.signal` between steps so an interrupt lands.
 */
export async function fitCircuit(g: Gate, settings: FitSettings, ctx: RunContext = {}): Promise<FitResult> {
  const t0 = performance.now();
  const { K, range, restarts, iterations } = settings;
  const table = gateTable(g, range, settings.points);
  const exact = integrals(table);
  const random = rng(settings.seed * 7919 + K);
  const [lo, hi] = range;
  let ymin = Infinity, ymax = -Infinity;
  for (const v of table.y) {
    if (v < ymin) ymin = v;
    if (v > ymax) ymax = v;
  }
  const inScale = Math.max(1e-6, (hi - lo) / 20);
  const outScale = Math.max(1e-6, ymax - ymin);
  const centre = (lo + hi) / 2;
  const dips = ymin < table.y[0]! - 1e-3 * outScale && K > 2;
  const structured = structuredStarts(K, dips);
  const D = descent(table, K);
  let best: { c: Circuit; mse: number; restart: number } | undefined;
  const total = structured.length + restarts;
  for (let r = 0; r < total; r++) {
    let start: Circuit;
    if (r < structured.length) start = bisectionStart(table, K, structured[r]![0], structured[r]![1]);
    else {
      const lr = settings.lr * 2 ** (2 * random() - 1);
      const reg = 0.08 + 0.04 * random();
      start = (r - structured.length) % 2 === 0
        ? await pseudoDescent(best!.c, D, lr * 0.1, reg, iterations, random, ctx)
        : await pseudoDescent(randomStart(K, random, inScale, outScale, centre), D, lr, reg, iterations, random, ctx);
    }
    const polished = await refineExact(start, exact, lo, hi, REFINE_STEPS, 0.002 * inScale, ctx.signal);
    if (best === undefined || polished.mse < best.mse) best = { c: polished.c, mse: polished.mse, restart: r };
    ctx.progress?.({ label: `fit ${g.name} K=${K}`, done: r + 1, total, unit: "starts", figures: { mse: best.mse } });
    await new Promise((res) => setImmediate(res));
    throwIfAborted(ctx.signal);
  }
  const c = best!.c;
  const err = circuitError(c, table);
  return { gate: g.name, circuit: c, settings, mse: err.mse, maxError: err.maxError, bestRestart: best!.restart, seconds: (performance.now() - t0) / 1000 };
}

// A gate on its own, as the AMOS paper shows it: f(x) against the circuit's staircase for
// several K, and the approximation error (MSE, max) per K. Fits go through the cache, so a
// second plot of the same gate costs nothing. Data and figures only; no networks.

import type { RunContext } from "../../context.ts";
import { SpikelabError } from "../../errors.ts";
import { num, type ParamValue, type RuleSet } from "../../ir/rules.ts";
import { lineFigure, staircaseFigure } from "../../plot/charts.ts";
import type { Figure, Table } from "../../plot/figure.ts";
import { fitMany } from "./fitmany.ts";
import { fsOutput, type Circuit } from "./circuit.ts";
import { gate, type GateSpec } from "./gates.ts";
import { reluCircuit } from "./relu.ts";
import { circuitError, gateTable } from "./table.ts";

/** The authors' ranges for their gates (sigmoid [−10, 10], swish [−8, 12]); ReLU on [−α/4, α]. */
export function defaultRange(spec: GateSpec, alpha: number): [number, number] {
  switch (spec.kind) {
    case "relu":
      return [-alpha / 4, alpha];
    case "sigmoid":
      return [-10, 10];
    case "silu":
      return [-8, 12];
    case "expr":
      return [-5, 5];
  }
}

export interface GateFit {
  readonly K: number;
  readonly circuit: Circuit;
  readonly mse: number;
  readonly maxError: number;
  /** Fitting time (0 for the analytic ReLU) and where the fit came from. */
  readonly seconds: number;
  readonly source: "analytic" | "fit" | "memo" | "disk";
}

export interface GateCurves {
  readonly gate: string;
  readonly range: readonly [number, number];
  readonly fits: readonly GateFit[];
}

/** The gate a standalone plot is about: a name, or the rule set's own `gate` expression. */
export function gateSpecOf(name: string, rules: RuleSet): GateSpec {
  if (name === "relu" || name === "sigmoid" || name === "silu") return { kind: name };
  if (name === "expr" || name === "gate") {
    const g: ParamValue = rules.params.gate ?? null;
    if (g !== null && typeof g === "object" && !Array.isArray(g) && (g as { kind?: string }).kind === "expr") return { kind: "expr", source: (g as { source: string }).source };
    throw new SpikelabError("param", `rule set '${rules.name}' has no gate expression to plot`, { hint: "set `gate: x * tanh(x)` in the rule set, or plot relu, sigmoid or silu" });
  }
  return { kind: "expr", source: name };
}

/**
 * Circuits for `spec` at each K on `range` (default: the authors' range), ReLU analytically with
 * α = the rule set's alpha (or 1 when it is `auto`), the others fitted with the rule set's fit
 * settings, through the cache. Errors are measured on the rule set's fit grid.
 */
export async function gateCurves(spec: GateSpec, Ks: readonly number[], rules: RuleSet, range?: readonly [number, number], ctx: RunContext = {}): Promise<GateCurves> {
  const alpha = typeof rules.params.alpha === "number" ? rules.params.alpha : 1;
  const given = rules.params.fit_range;
  const r: readonly [number, number] = range ?? (Array.isArray(given) && given.length === 2 ? [given[0] as number, given[1] as number] : defaultRange(spec, alpha));
  const g = gate(spec);
  const points = num(rules, "fit_points");
  const table = gateTable(g, r, points);
  for (const K of Ks) if (!Number.isInteger(K) || K < 1 || K > 64) throw new SpikelabError("param", `K must be a whole number in 1..64, got ${K}`);
  if (spec.kind === "relu") {
    const fits = Ks.map((K): GateFit => {
      const c = reluCircuit(alpha, K, rules.params.relu_rounding === "nearest" ? "nearest" : "floor");
      return { K, circuit: c, ...circuitError(c, table), seconds: 0, source: "analytic" };
    });
    return { gate: g.name, range: r, fits };
  }
  const done = await fitMany(Ks.map((K) => ({ gate: spec, settings: { K, range: r, points, restarts: num(rules, "fit_restarts"), iterations: num(rules, "fit_iterations"), lr: num(rules, "fit_lr"), seed: num(rules, "seed") } })), ctx);
  const fits = done.map((f): GateFit => ({ K: f.settings.K, circuit: f.circuit, mse: f.mse, maxError: f.maxError, seconds: f.source === "fit" ? f.seconds : 0, source: f.source }));
  return { gate: g.name, range: r, fits };
}

/** f(x) and each circuit's output on a grid fine enough to show every step. */
export function staircasePlot(c: GateCurves, spec: GateSpec, points = 2000): Figure {
  const g = gate(spec);
  const [lo, hi] = c.range;
  const x = Float64Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
  const f = x.map((v) => g.f(v));
  const outputs = c.fits.map((fit) => ({ K: fit.K, y: x.map((v) => fsOutput(fit.circuit, v)) }));
  return staircaseFigure(x, f, outputs, { title: `${c.gate}: the gate and its circuit`, fName: c.gate });
}

/** MSE and max error against K (log scale). */
export function fitErrorPlot(c: GateCurves): Figure {
  const K = c.fits.map((f) => f.K);
  return lineFigure(
    [
      { name: "mean squared error", x: K, y: c.fits.map((f) => f.mse), markers: true },
      { name: "max |error|", x: K, y: c.fits.map((f) => f.maxError), markers: true, dash: "dash" },
    ],
    { title: `${c.gate} on [${c.range[0]}, ${c.range[1]}]: approximation error per K`, xTitle: "K (units per gate)", yTitle: "error", logY: true },
  );
}

/** The same numbers as a table (with fitting time), for reports. */
export function fitErrorTable(c: GateCurves): Table {
  return {
    kind: "table",
    title: `${c.gate} on [${c.range[0]}, ${c.range[1]}]`,
    columns: ["K", "mse", "max error", "fit seconds", "source"],
    rows: c.fits.map((f) => [f.K, f.mse, f.maxError, f.seconds, f.source]),
  };
}

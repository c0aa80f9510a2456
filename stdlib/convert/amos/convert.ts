// The AMOS / FS family's `convert` (Stöckl & Maass; PAPERS.md §2): every gate of the ANN
// (ReLU, sigmoid, SiLU) becomes a K-unit circuit — ReLU analytically with α from data or given,
// the others fitted (cached) on their recorded input range or a given one — and everything else
// (weights, pooling, adds, the final linear layer) stays. It must not simulate.

import type { RunContext } from "../../context.ts";
import { SpikelabError } from "../../errors.ts";
import { hasWeights, type Network, type Node } from "../../ir/network.ts";
import { data, num, str, type ParamValue, type RuleSet } from "../../ir/rules.ts";
import type { NeuronModel, Population, Projection, SpikingNetwork } from "../../ir/spiking.ts";
import { foldBatchNorm, removeDropout } from "../passes/fold.ts";
import type { FitSettings } from "./fit.ts";
import { fitMany } from "./fitmany.ts";
import { calibrate, fitRangeOf, resolveCalibData } from "./calibrate.ts";
import type { Circuit } from "./circuit.ts";
import { gate, gateOfOp, type GateSpec } from "./gates.ts";
import { alphaForLevel, reluCircuit } from "./relu.ts";

/** One gate's circuit and how it was obtained. */
export interface GatePlan {
  readonly node: Node;
  /** What the circuit approximates: `relu`, `sigmoid`, `silu` or the user's expression. */
  readonly gate: string;
  readonly K: number;
  readonly circuit: Circuit;
  readonly alpha?: number;
  readonly range?: readonly [number, number];
  readonly mse?: number;
  readonly maxError?: number;
  readonly fitSource?: "fit" | "memo" | "disk";
}

function rangeParam(v: ParamValue): readonly [number, number] | undefined {
  if (v === null) return undefined;
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")) return [v[0] as number, v[1] as number];
  throw new Error(`fit_range must be [lo, hi], got ${JSON.stringify(v)}`);
}

/** The gate each activation node is replaced by (the rule set's `gate` expression replaces smooth ones). */
function gateFor(node: Node, rules: RuleSet): { spec: GateSpec; K: number } | undefined {
  const own = gateOfOp(node.op.kind);
  if (own === undefined) return undefined;
  const K = own.kind === "relu" ? num(rules, "K") : own.kind === "sigmoid" ? num(rules, "K_sigmoid") : num(rules, "K_silu");
  const expr = rules.params.gate;
  if (own.kind !== "relu" && expr !== null && typeof expr === "object" && !Array.isArray(expr) && (expr as { kind?: string }).kind === "expr") {
    return { spec: { kind: "expr", source: (expr as { source: string }).source }, K };
  }
  return { spec: own, K };
}

/** Circuits for every gate of `net` (already canonical) under `rules`. */
export async function planGates(net: Network, rules: RuleSet, ctx: RunContext = {}): Promise<{ plans: GatePlan[]; calibData: string | undefined }> {
  const wanted = net.nodes.flatMap((n) => {
    const g = gateFor(n, rules);
    return g === undefined ? [] : [{ node: n, ...g }];
  });
  if (wanted.length === 0) {
    throw new SpikelabError("unsupported", `network '${net.name}' has no gate (relu, sigmoid, silu) for AMOS circuits to replace`, { hint: "AMOS converts the activation functions; add one, or use another family" });
  }
  const alphaParam = rules.params.alpha;
  const givenAlpha = typeof alphaParam === "number" ? alphaParam : undefined;
  const givenRange = rangeParam(rules.params.fit_range ?? null);
  const reluGates = givenAlpha === undefined ? wanted.filter((w) => w.spec.kind === "relu").map((w) => w.node) : [];
  const toRecord = givenRange === undefined ? wanted.filter((w) => w.spec.kind !== "relu").map((w) => w.node) : [];
  const needData = reluGates.length + toRecord.length > 0;
  const cal = needData ? calibrate(net, resolveCalibData(data(rules, "calib_data"), net, ctx), reluGates, toRecord, num(rules, "alpha_percentile"), ctx) : undefined;

  const fitted = wanted.filter((w) => w.spec.kind !== "relu").map((w) => {
    const recorded = cal?.range.get(w.node.id);
    const range = givenRange ?? fitRangeOf(recorded![0], recorded![1]);
    const settings: FitSettings = { K: w.K, range, points: num(rules, "fit_points"), restarts: num(rules, "fit_restarts"), iterations: num(rules, "fit_iterations"), lr: num(rules, "fit_lr"), seed: num(rules, "seed") };
    return { w, settings };
  });
  const fits = await fitMany(fitted.map((f) => ({ gate: f.w.spec, settings: f.settings })), ctx);
  const fitOf = new Map(fitted.map((f, i) => [f.w.node.id, fits[i]!]));

  const plans: GatePlan[] = [];
  for (const w of wanted) {
    if (w.spec.kind === "relu") {
      let alpha = givenAlpha;
      if (alpha === undefined) {
        const level = cal!.level.get(w.node.id)!;
        if (!(level > 0)) {
          ctx.log?.(`note: ReLU '${w.node.id}' never fired on ${cal!.data}; its circuit uses α = 1`);
          alpha = 1;
        } else alpha = alphaForLevel(level, w.K);
      }
      plans.push({ node: w.node, gate: "relu", K: w.K, circuit: reluCircuit(alpha, w.K, str(rules, "relu_rounding") as "floor" | "nearest"), alpha });
      continue;
    }
    const fit = fitOf.get(w.node.id)!;
    plans.push({ node: w.node, gate: gate(w.spec).name, K: w.K, circuit: fit.circuit, range: fit.settings.range, mse: fit.mse, maxError: fit.maxError, fitSource: fit.source });
  }
  return { plans, calibData: cal?.data };
}

/**
 * Steps from the input to the read-out: the longest path of Σ K over the gates on it (a layer's
 * circuit starts when the one before it has finished its K steps).
 */
export function latencySteps(net: Network, K: ReadonlyMap<string, number>): number {
  const depth = new Map<string, number>();
  for (const n of net.nodes) {
    const before = n.inputs.reduce((m, i) => Math.max(m, depth.get(i) ?? 0), 0);
    depth.set(n.id, before + (K.get(n.id) ?? 0));
  }
  return depth.get(net.nodes[net.nodes.length - 1]!.id) ?? 0;
}

/** The populations an edge leaves from: walk back through pooling, flatten and adds to a gate or the input. */
function sourcesOf(net: Network, id: string, isPop: (id: string) => boolean): string[] {
  const byId = new Map(net.nodes.map((n) => [n.id, n]));
  const out: string[] = [];
  const stack = [id];
  while (stack.length > 0) {
    const cur = stack.pop()!;
    if (isPop(cur)) {
      if (!out.includes(cur)) out.push(cur);
      continue;
    }
    stack.push(...byId.get(cur)!.inputs);
  }
  return out;
}

export async function convertAmos(net: Network, rules: RuleSet, ctx: RunContext = {}): Promise<SpikingNetwork> {
  if (rules.family !== "amos") throw new Error(`convertAmos: rule set '${rules.name}' is of family ${rules.family}`);
  const canonical = removeDropout(foldBatchNorm(net));
  const form = str(rules, "form") as "amos" | "fs";
  const { plans, calibData } = await planGates(canonical, rules, ctx);
  const planOf = new Map(plans.map((p) => [p.node.id, p]));
  const input = canonical.nodes[0]!;
  const last = canonical.nodes[canonical.nodes.length - 1]!;
  const score = last.op.kind === "softmax" ? canonical.nodes.find((n) => n.id === last.inputs[0])! : last;

  const populations: Population[] = [{ id: input.id, shape: [...input.shape], neuron: { kind: "integrator" }, sourceNode: input.id }];
  for (const p of plans) {
    const neuron: NeuronModel = { kind: "amos", form, K: p.K, gate: p.gate, h: p.circuit.h, d: p.circuit.d, T: p.circuit.T };
    populations.push({ id: p.node.id, shape: [...p.node.shape], neuron, sourceNode: p.node.id });
  }
  if (!planOf.has(score.id)) populations.push({ id: score.id, shape: [...score.shape], neuron: { kind: "integrator" }, sourceNode: score.id });
  const isPop = (id: string): boolean => id === input.id || planOf.has(id) || id === score.id;

  // One projection per weighted layer, from the populations whose spikes reach it to the one it
  // drives. Pools, flatten and adds on the way are simulated as the ANN computes them (linear, so
  // the spikes' weighted sum is the same); the projection names them in its id.
  const projections: Projection[] = [];
  const driven = (n: Node): string => {
    let cur = n;
    for (;;) {
      if (isPop(cur.id) && cur.id !== n.id) return cur.id;
      if (cur.id === score.id) return cur.id;
      const next = canonical.nodes.find((m) => m.inputs.includes(cur.id));
      if (next === undefined) return cur.id;
      cur = next;
    }
  };
  for (const n of canonical.nodes) {
    if (!hasWeights(n.op)) continue;
    const to = driven(n);
    for (const from of sourcesOf(canonical, n.inputs[0]!, isPop)) {
      const geometry = n.op.kind === "dense" ? ({ kind: "dense" } as const) : { kind: "conv" as const, kernel: n.op.kernel, stride: n.op.stride, padding: n.op.padding, groups: n.op.groups };
      projections.push({ id: `${from}→${n.id}→${to}`, from, to, geometry, ...(n.params.weight ? { weight: n.params.weight } : {}) });
    }
  }

  const info: Record<string, number | string | readonly number[]> = { form, gates: plans.length };
  if (calibData !== undefined) info.calib_data = calibData;
  const Ks = new Map(plans.map((p) => [p.node.id, p.K]));
  info.latency_steps = latencySteps(canonical, Ks);
  info.pipeline_interval_steps = Math.max(...Ks.values());
  for (const p of plans) {
    info[`K:${p.node.id}`] = p.K;
    info[`gate:${p.node.id}`] = p.gate;
    if (p.alpha !== undefined) info[`alpha:${p.node.id}`] = p.alpha;
    if (p.range !== undefined) info[`range:${p.node.id}`] = p.range;
    if (p.mse !== undefined) info[`fit_mse:${p.node.id}`] = p.mse;
    if (p.maxError !== undefined) info[`fit_max_error:${p.node.id}`] = p.maxError;
    if (p.fitSource !== undefined) info[`fit_source:${p.node.id}`] = p.fitSource;
  }
  return {
    name: `${net.name}_${rules.name}`,
    family: "amos",
    rules,
    source: canonical,
    dtSeconds: undefined,
    encoder: { kind: "value" },
    populations,
    projections,
    readout: { kind: "membrane" },
    info,
  };
}

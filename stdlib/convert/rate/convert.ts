// The rate family's `convert`: ANN + rule set → spiking IR (Rueckauer et al. 2016/2017,
// PAPERS.md §1). Canonicalise (fold BN, drop dropout), normalise on a data slice or the
// weights, then map to populations and projections; λ, pool mappings and notes go to `info`.
// It must not simulate, and it reads data only through the ANN's activation recording.

import type { RunContext } from "../../context.ts";
import { slice, type Dataset } from "../../data/dataset.ts";
import { fashionMnist, mnist } from "../../data/mnist.ts";
import { SpikelabError } from "../../errors.ts";
import type { Network } from "../../ir/network.ts";
import { bool, data, dataParamHint, num, str, type DataRef, type RuleSet } from "../../ir/rules.ts";
import type { Encoder, NeuronModel, Projection, Readout, SpikingNetwork } from "../../ir/spiking.ts";
import { recordActivations } from "../../ann/record.ts";
import { canonicalize } from "../passes/canonical.ts";
import { normalize, type ActivationStream, type NormalizeOptions, type Normalization } from "../passes/normalize.ts";
import { mapToSpiking } from "./map.ts";

/** Samples of the training split used for normalisation when `norm_data` is not set. */
export const DEFAULT_NORM_SAMPLES = 10_000;

export function dataLabel(ref: DataRef): string {
  return `${ref.dataset}.${ref.split}[${ref.start}:${ref.end ?? ""}]`;
}

/** The normalisation slice: through the language's resolver, else stdlib/data's loaders by name. */
export function resolveNormData(ref: DataRef | null, net: Network, ctx: RunContext, param = "norm_data"): { data: Dataset; label: string } {
  const got = ctx.resolveData?.(ref, net);
  if (got !== undefined) {
    if (ref !== null) return { data: got, label: dataLabel(ref) };
    return { data: slice(got, 0, DEFAULT_NORM_SAMPLES), label: `${got.name}.${got.split}[0:${Math.min(DEFAULT_NORM_SAMPLES, got.count)}]` };
  }
  if (ref === null) {
    throw new SpikelabError("param", `data-based normalisation of '${net.name}' needs a training slice, and the network's own training data is not known here`, {
      hint: `${dataParamHint("norm_data")}, or \`normalize: weights\``,
    });
  }
  const loaders: Record<string, (split: "train" | "test") => Dataset> = { mnist, fashion_mnist: fashionMnist };
  const load = loaders[ref.dataset];
  if (load === undefined) throw new SpikelabError("name", `unknown dataset '${ref.dataset}' in ${param}`, { hint: `known here: ${Object.keys(loaders).join(", ")}` });
  return { data: slice(load(ref.split), ref.start, ref.end), label: dataLabel(ref) };
}

/** The ANN's activations of the named nodes over `data`, as the normaliser wants them. */
export function activationStream(net: Network, data: Dataset, ctx: RunContext): ActivationStream {
  return async (ids, visit) => {
    recordActivations(net, data, ids, (b) => {
      for (const id of ids) visit(id, b.values.get(id)!, b.count);
    }, { ...ctx, progress: ctx.progress ? (p) => ctx.progress!({ ...p, label: `normalise ${net.name} on ${data.name}` }) : undefined });
  };
}

export function normalizeOptions(rules: RuleSet): NormalizeOptions {
  return {
    method: str(rules, "normalize") as NormalizeOptions["method"],
    percentile: num(rules, "percentile"),
    scope: str(rules, "scope") as NormalizeOptions["scope"],
    normalizeOutput: bool(rules, "normalize_output"),
  };
}

/** Canonical ANN + its normalisation under `rules` (exported for tests and for the teaching notebooks). */
/** Rate coding carries ReLU activations (a firing rate is non-negative and saturates at one spike
 * per step); a smooth gate has no rate equivalent, so it is refused by name before anything runs. */
function refuseSmoothGates(net: Network): void {
  const g = net.nodes.find((n) => n.op.kind === "sigmoid" || n.op.kind === "silu");
  if (g !== undefined) {
    throw new SpikelabError("unsupported", `rate conversion maps ReLU networks; layer '${g.id}' is a ${g.op.kind}`, {
      ...(g.loc !== undefined ? { loc: g.loc } : {}),
      hint: `convert it with the amos family, which fits circuits for ${g.op.kind} (e.g. \`convert ${net.name} with stockl2019_amos\`), or train it with relu`,
    });
  }
}

export async function normalizeForRate(net: Network, rules: RuleSet, ctx: RunContext = {}): Promise<{ canonical: Network; norm: Normalization; dataLabel: string | undefined }> {
  refuseSmoothGates(net);
  const canonical = canonicalize(net);
  const opts = normalizeOptions(rules);
  const dataBased = opts.method === "percentile" || opts.method === "max";
  const nd = dataBased ? resolveNormData(data(rules, "norm_data"), net, ctx) : undefined;
  const stream = nd === undefined ? undefined : activationStream(canonical, nd.data, ctx);
  const norm = await normalize(canonical, opts, stream);
  return { canonical, norm, dataLabel: nd?.label };
}

function neuronOf(rules: RuleSet): Extract<NeuronModel, { kind: "if" }> {
  const kind = str(rules, "neuron");
  const tau = num(rules, "tau");
  if (kind === "lif" && !Number.isFinite(tau)) throw new SpikelabError("param", "neuron lif needs a finite membrane time constant `tau`", { hint: "set e.g. `tau: 20 ms`, or use `neuron: if`" });
  return { kind: "if", threshold: num(rules, "threshold"), reset: str(rules, "reset") as "subtract" | "zero", tauSeconds: kind === "lif" ? tau : Infinity };
}

export async function convertRate(net: Network, rules: RuleSet, ctx: RunContext = {}): Promise<SpikingNetwork> {
  if (rules.family !== "rate") throw new Error(`convertRate: rule set '${rules.name}' is of family ${rules.family}`);
  const { canonical, norm, dataLabel: normLabel } = await normalizeForRate(net, rules, ctx);
  const dtSeconds = num(rules, "dt");
  const neuron = neuronOf(rules);
  const output = str(rules, "output") as Readout["kind"];
  const mapped = mapToSpiking(norm.network, {
    neuron,
    outputNeuron: output === "spikes" ? neuron : { kind: "integrator" },
    avgpool: str(rules, "avgpool") as "neurons" | "fold",
    maxpool: str(rules, "maxpool") as "gated" | "avg",
    bias: str(rules, "bias") === "current",
    dtSeconds,
  });
  let projections: Projection[] = mapped.projections;
  let encoder: Encoder = { kind: "analog" };
  if (str(rules, "input") === "poisson") {
    const maxRateHz = num(rules, "max_rate");
    const p = maxRateHz * dtSeconds;
    if (p > 1) throw new SpikelabError("param", `max_rate ${maxRateHz} Hz with dt ${dtSeconds * 1000} ms asks for ${p} spikes per step; a pixel can spike at most once per step`, { hint: `use max_rate ≤ ${1 / dtSeconds} Hz or a smaller dt` });
    encoder = { kind: "poisson", maxRateHz, seed: num(rules, "seed") };
    // A pixel of value x spikes with probability x·p per step; each spike carries 1/p so the mean input equals the analog current.
    const inputId = mapped.populations[0]!.id;
    if (p !== 1) projections = projections.map((pr) => (pr.from === inputId && pr.weight ? { ...pr, weight: { shape: [...pr.weight.shape], data: pr.weight.data.map((w) => w / p) } } : pr));
  }
  const info: Record<string, number | string | readonly number[]> = {
    normalize: str(rules, "normalize"),
    scope: str(rules, "scope"),
    percentile: num(rules, "percentile"),
  };
  if (normLabel !== undefined) info.norm_data = normLabel;
  for (const p of mapped.populations) {
    const l = norm.lambda.get(p.sourceNode);
    if (l === undefined) continue;
    info[`lambda:${p.id}`] = l.every((v) => v === l[0]) ? l[0]! : Array.from(l);
  }
  for (const [id, m] of mapped.poolMapping) info[`avgpool:${id}`] = m;
  const notes = [...mapped.notes, ...norm.dead.map((id) => `layer '${id}' had no positive activation on the normalisation data: λ = 1`)];
  if (notes.length > 0) info.notes = notes.join("; ");
  for (const n of notes) ctx.log?.(n);
  return {
    name: `${net.name}_${rules.name}`,
    family: "rate",
    rules,
    source: canonical,
    dtSeconds,
    encoder,
    populations: mapped.populations,
    projections,
    readout: { kind: output } as Readout,
    info,
  };
}

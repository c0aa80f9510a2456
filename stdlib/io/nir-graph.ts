// A rate-converted spiking network as a NIR graph (Neuromorphic Intermediate Representation):
// nodes with exactly the fields real NIR files have, edges, and metadata. Pure: no files (nir.ts
// writes HDF5). What NIR cannot say — TTFS and AMOS neurons, gated max-pooling, leaky neurons,
// reset by subtraction — is refused or, for the reset only when asked, approximated loudly.
//
// Semantics written (per step of dt; r = 1/dt makes NIR's dv/dt = r·I add the input once per step):
//   membranes are in units of the threshold θ, as in spikelab's simulators (spikes carry 1, biases
//   are b·dt per step), so v_threshold is 1 — written as the float32 just below 1 because NIR fires
//   at v > v_threshold and spikelab at v ≥ θ. Average pools kept as neurons are SumPool2d into an
//   IF whose threshold is k² (the 1/k² folded there, since no weights follow the pool directly).

import { SpikelabError } from "../errors.ts";
import type { Population, Projection, SpikingNetwork } from "../ir/spiking.ts";
import type { FloatArray, Tensor } from "../tensor/tensor.ts";

export type NirNode =
  | { readonly type: "Input"; readonly shape: readonly number[] }
  | { readonly type: "Output"; readonly shape: readonly number[] }
  | { readonly type: "Affine"; readonly weight: Tensor; readonly bias: Tensor }
  | { readonly type: "Linear"; readonly weight: Tensor }
  | {
      readonly type: "Conv2d"; readonly input_shape: readonly number[]; readonly weight: Tensor; readonly stride: readonly number[];
      readonly padding: readonly number[]; readonly dilation: readonly number[]; readonly groups: number; readonly bias: Tensor;
    }
  | { readonly type: "SumPool2d"; readonly kernel_size: readonly number[]; readonly stride: readonly number[]; readonly padding: readonly number[] }
  | { readonly type: "Flatten"; readonly input_type: readonly number[]; readonly start_dim: number; readonly end_dim: number }
  | { readonly type: "IF"; readonly r: Tensor; readonly v_threshold: Tensor; readonly v_reset: Tensor };

export interface NirGraph {
  readonly nodes: ReadonlyMap<string, NirNode>;
  readonly edges: readonly (readonly [string, string])[];
  readonly metadata: Readonly<Record<string, number | string>>;
}

export interface NirOptions {
  /**
   * NIR's IF resets to v_reset and cannot express reset by subtraction. "refuse" (default) stops
   * with an error; "zero" writes reset to 0 — a different network, announced through `log`.
   */
  readonly subtractReset?: "refuse" | "zero";
  readonly log?: (message: string) => void;
}

/** The NIR version whose file layout this writes (IF with v_reset, Conv2d with input_shape). */
export const NIR_VERSION = "1.0.7";

/** The largest float32 below x (x > 0): NIR's strict v > v_threshold then fires where spikelab's v ≥ x does. */
export function thresholdBelow(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  u[0] = u[0]! - 1;
  return f[0]!;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const t32 = (shape: readonly number[], data: ArrayLike<number>): Tensor => ({ shape: [...shape], data: Float32Array.from(data) });
const full = (shape: readonly number[], v: number): Tensor => ({ shape: [...shape], data: new Float32Array(size(shape)).fill(v) });

function refuse(message: string, hint: string): SpikelabError {
  return new SpikelabError("unsupported", `export to NIR: ${message}`, { hint });
}

/** NIR node names become Python identifiers and torch module names in readers: letters, digits, underscores. */
function nirName(id: string, taken: Set<string>): string {
  let base = id.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "") || "node";
  if (/^\d/.test(base)) base = `n_${base}`;
  let name = base;
  for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
  taken.add(name);
  return name;
}

/** Builds the NIR graph of a rate-converted network, or says why NIR cannot hold it. */
export function nirGraph(snn: SpikingNetwork, options: NirOptions = {}): NirGraph {
  if (snn.family === "ttfs") {
    throw refuse(`'${snn.name}' is a time-to-first-spike network; NIR has no neuron that spikes once inside per-layer windows [tMin, tMax] with the exact TTFS dynamics, so the file would describe a different network`, "export a rate-converted network (e.g. convert with rueckauer2017), or keep TTFS networks in spikelab's own format (save)");
  }
  if (snn.family === "amos") {
    throw refuse(`'${snn.name}' is an AMOS network; its K-unit gate circuits (fitted h, d, T per unit, one spike each) have no NIR node`, "export a rate-converted network (e.g. convert with rueckauer2017), or keep AMOS networks in spikelab's own format (save)");
  }
  const dt = snn.dtSeconds;
  if (dt === undefined || !(dt > 0)) throw refuse(`'${snn.name}' has no time step`, "rate networks carry their dt; convert again");
  const ifs = snn.populations.slice(1).flatMap((p) => (p.neuron.kind === "if" ? [p.neuron] : []));
  const leaky = ifs.find((n) => Number.isFinite(n.tauSeconds));
  if (leaky !== undefined) throw refuse(`'${snn.name}' uses leaky neurons (tau ${leaky.tauSeconds * 1000} ms); spikelab writes NIR's non-leaky IF only`, "convert with `neuron: if`");
  const theta = ifs[0]?.threshold ?? 1;
  const subtract = ifs.some((n) => n.reset === "subtract");
  if (subtract) {
    if ((options.subtractReset ?? "refuse") === "refuse") {
      throw refuse(`'${snn.name}' resets by subtraction (v ← v − θ, keeping the overshoot), which rate conversion relies on; NIR's IF neuron can only reset to v_reset, so the file would describe a different, less accurate network`, "convert with `reset: zero` for a file that matches spikelab's simulation exactly; to write this network with reset to zero anyway (a different network), `export SNN to \"file.nir\" { reset: zero }`");
    }
    options.log?.(`WARNING: NIR cannot express reset by subtraction. '${snn.name}' resets by subtraction in spikelab, but the NIR file resets to v_reset = 0: it describes a DIFFERENT network whose rates lag and whose accuracy is lower, more so with fewer steps. Convert with \`reset: zero\` if the file must match spikelab's simulation.`);
  }

  const nodes = new Map<string, NirNode>();
  const edges: [string, string][] = [];
  const taken = new Set<string>(["input", "output"]);
  const pops = snn.populations;
  const byId = new Map(pops.map((p) => [p.id, p]));
  const score = pops[pops.length - 1]!;
  const integrator = score.neuron.kind === "integrator";
  /** Where each population's spikes (or the input's values) leave from. */
  const outOf = new Map<string, string>();
  const flatOf = new Map<string, string>();
  nodes.set("input", { type: "Input", shape: [...pops[0]!.shape] });
  outOf.set(pops[0]!.id, "input");

  // Pools kept as neurons sum k² inputs: their threshold is k² (see the header).
  const poolGain = new Map<string, number>();
  for (const pr of snn.projections) {
    const g = pr.geometry;
    if (g.kind === "maxpool") {
      throw refuse(`projection '${pr.id}' is a gated max-pool (only the input with the highest online rate passes); NIR has no max-pool node, and no fixed graph computes the gate`, "convert with `maxpool: avg` (average pooling, as NIR's SumPool2d), or use average pooling in the network");
    }
    if (g.kind === "avgpool") poolGain.set(pr.to, g.kernel[0] * g.kernel[1]);
  }
  for (const p of pops.slice(1)) {
    if (p === score && integrator) continue;
    if (p.neuron.kind !== "if") throw refuse(`population '${p.id}' has ${p.neuron.kind} neurons`, "export rate-converted networks");
    const name = nirName(p.id, taken);
    const gain = poolGain.get(p.id) ?? 1;
    nodes.set(name, { type: "IF", r: full(p.shape, 1 / dt), v_threshold: full(p.shape, thresholdBelow(gain)), v_reset: full(p.shape, 0) });
    outOf.set(p.id, name);
  }
  const into = (p: Population): string => (p === score && integrator ? "output" : outOf.get(p.id)!);

  /** The source's output as a vector (a Flatten node, shared), for dense projections. */
  const flat = (p: Population): string => {
    const src = outOf.get(p.id)!;
    if (p.shape.length === 1) return src;
    let f = flatOf.get(p.id);
    if (f === undefined) {
      f = nirName(`${p.id}_flat`, taken);
      nodes.set(f, { type: "Flatten", input_type: [...p.shape], start_dim: 0, end_dim: -1 });
      edges.push([src, f]);
      flatOf.set(p.id, f);
    }
    return f;
  };

  // A population's bias (threshold units per second) rides on its first weighted projection, as b·dt per step.
  const biasHolder = new Map<string, string>();
  for (const pr of snn.projections) if ((pr.geometry.kind === "dense" || pr.geometry.kind === "conv") && !biasHolder.has(pr.to)) biasHolder.set(pr.to, pr.id);
  for (const p of pops) if (p.bias !== undefined && !biasHolder.has(p.id)) throw refuse(`population '${p.id}' has a bias but no weighted input to carry it`, "this network shape is not exportable yet");
  const biasOf = (pr: Projection, to: Population, channels: number): Tensor => {
    const b = new Float32Array(channels);
    if (to.bias !== undefined && biasHolder.get(to.id) === pr.id) {
      const per = channels / to.bias.data.length;
      for (let i = 0; i < channels; i++) b[i] = to.bias.data[Math.floor(i / per)]! * dt;
    }
    return { shape: [channels], data: b };
  };

  for (const pr of snn.projections) {
    const from = byId.get(pr.from)!;
    const to = byId.get(pr.to)!;
    const g = pr.geometry;
    const target = into(to);
    const w = pr.weight as Tensor<FloatArray> | undefined;
    switch (g.kind) {
      case "dense": {
        const name = nirName(pr.id, taken);
        const weight = t32(w!.shape, w!.data);
        const hasBias = to.bias !== undefined && biasHolder.get(to.id) === pr.id;
        nodes.set(name, hasBias ? { type: "Affine", weight, bias: biasOf(pr, to, w!.shape[0]!) } : { type: "Linear", weight });
        edges.push([flat(from), name], [name, target]);
        break;
      }
      case "conv": {
        const name = nirName(pr.id, taken);
        nodes.set(name, {
          type: "Conv2d", input_shape: [from.shape[1]!, from.shape[2]!], weight: t32(w!.shape, w!.data), stride: [...g.stride], padding: [...g.padding],
          dilation: [1, 1], groups: g.groups, bias: biasOf(pr, to, w!.shape[0]!),
        });
        edges.push([outOf.get(from.id)!, name], [name, target]);
        break;
      }
      case "avgpool": {
        if (from.shape.length !== 3) throw refuse(`pool '${pr.id}' reads a vector`, "pool images only");
        const name = nirName(`${pr.id}_sum`, taken);
        nodes.set(name, { type: "SumPool2d", kernel_size: [...g.kernel], stride: [...g.stride], padding: [...g.padding] });
        // A global pool's population is [C] in spikelab; SumPool2d gives [C, 1, 1].
        const pooled = to.shape.length === 1 && !(to === score && integrator) ? reshapeTarget(name, [to.shape[0]!, 1, 1]) : name;
        edges.push([outOf.get(from.id)!, name]);
        if (pooled === name) edges.push([name, target]);
        else edges.push([pooled, target]);
        break;
      }
      case "identity": {
        const n = size(from.shape);
        const m = size(to.shape);
        if (g.offset === 0 && n === m) {
          edges.push([from.shape.length === to.shape.length ? outOf.get(from.id)! : flat(from), target]);
          break;
        }
        // A branch of a concatenation: a fixed 0/1 selection puts its spikes at their offset.
        const name = nirName(`${from.id}_to_${to.id}`, taken);
        const hw = to.shape.length === 3 ? to.shape[1]! * to.shape[2]! : 1;
        if (to.shape.length === 3 && from.shape.length === 3 && g.offset % hw === 0) {
          const [cb, ca] = [to.shape[0]!, from.shape[0]!];
          const sel = new Float32Array(cb * ca);
          for (let j = 0; j < ca; j++) sel[(g.offset / hw + j) * ca + j] = 1;
          nodes.set(name, { type: "Conv2d", input_shape: [from.shape[1]!, from.shape[2]!], weight: { shape: [cb, ca, 1, 1], data: sel }, stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1, bias: full([cb], 0) });
          edges.push([outOf.get(from.id)!, name], [name, target]);
        } else {
          const sel = new Float32Array(m * n);
          for (let j = 0; j < n; j++) sel[(g.offset + j) * n + j] = 1;
          nodes.set(name, { type: "Linear", weight: { shape: [m, n], data: sel } });
          edges.push([flat(from), name], [name, target]);
        }
        break;
      }
    }
  }
  if (!integrator) edges.push([outOf.get(score.id)!, "output"]);
  nodes.set("output", { type: "Output", shape: [...score.shape] });

  function reshapeTarget(pool: string, shape: number[]): string {
    const f = nirName(`${pool}_flat`, taken);
    nodes.set(f, { type: "Flatten", input_type: shape, start_dim: 0, end_dim: -1 });
    edges.push([pool, f]);
    return f;
  }

  const enc = snn.encoder;
  const metadata: Record<string, number | string> = {
    source: "spikelab",
    network: snn.name,
    family: snn.family,
    rules: snn.rules.name,
    dt,
    reset: subtract ? "subtract in spikelab; written as reset to v_reset = 0 (an approximation NIR forces)" : "zero",
    threshold: theta,
    membrane_unit: "threshold: membranes, weights and biases are divided by the threshold, so v_threshold is 1 and spikes carry 1",
    spike_condition: "spikelab fires at v >= threshold; v_threshold is written as the float32 just below it, so NIR's v > v_threshold fires at the same steps",
    time_step: "r = 1/dt: each step of dt adds the node's input once (biases are b*dt per step)",
    input: enc.kind === "poisson" ? "poisson: the Input receives spike trains (a pixel x spikes with probability x*max_rate*dt per step); the first layer's weights are scaled by 1/(max_rate*dt)" : "analog: the Input receives the image as a constant current every step",
    readout: integrator
      ? `${snn.readout.kind}: the Output receives the score layer's input current each step; spikelab reads out the argmax of its running sum (the membrane of a non-firing integrator)${snn.readout.kind === "softmax" ? ", through a stochastic spiking softmax" : ""}`
      : "spikes: the Output receives the score layer's spikes; spikelab reads out the argmax of their counts",
  };
  if (enc.kind === "poisson") metadata.max_rate_hz = enc.maxRateHz;
  return { nodes, edges, metadata };
}

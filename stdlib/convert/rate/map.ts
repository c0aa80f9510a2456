// Maps a normalised ANN (see passes/normalize.ts) onto the spiking IR for rate coding: one IF
// population per activation point, average pools as neurons or folded into the next layer,
// gated max-pools, concatenations as relay populations, residual adds as extra projections.
// It decides structure only; λ and weights arrive already scaled, and nothing is simulated here.

import { SpikelabError } from "../../errors.ts";
import { hasWeights, type Network, type Node } from "../../ir/network.ts";
import type { NeuronModel, Population, Projection, ProjectionKind } from "../../ir/spiking.ts";
import type { Tensor } from "../../tensor/tensor.ts";
import { activationPoints, scoreNode } from "../passes/canonical.ts";
import { RATE_SUPPORTED } from "../passes/normalize.ts";
import { convThroughAvgpool, denseThroughAvgpool, denseThroughGlobalAvgpool, type PoolWindow } from "./compose.ts";

export interface MapOptions {
  readonly neuron: Extract<NeuronModel, { kind: "if" }>;
  /** How the score layer integrates: IF neurons (spike-count read-out) or a non-firing integrator. */
  readonly outputNeuron: NeuronModel;
  readonly avgpool: "neurons" | "fold";
  readonly maxpool: "gated" | "avg";
  /** Keep biases (as constant currents) or drop them. */
  readonly bias: boolean;
  readonly dtSeconds: number;
}

export interface Mapped {
  readonly populations: Population[];
  readonly projections: Projection[];
  /** How each average pool was mapped, and why a requested fold was not possible. */
  readonly poolMapping: Map<string, "fold" | "neurons">;
  readonly notes: string[];
}

/** Where a node's spikes come from: a population, possibly seen through a folded average pool. */
interface Source {
  readonly pop: Population;
  readonly fold?: { readonly node: Node; readonly window: PoolWindow | "global"; readonly flattened: boolean };
}

const windowOf = (n: Node): PoolWindow | "global" => {
  if (n.op.kind === "globalavgpool") return "global";
  if (n.op.kind === "avgpool" || n.op.kind === "maxpool") return { kernel: n.op.kernel, stride: n.op.stride, padding: n.op.padding };
  throw new Error(`windowOf: ${n.id} is not a pool`);
};

export function mapToSpiking(net: Network, opts: MapOptions): Mapped {
  const byId = new Map(net.nodes.map((n) => [n.id, n]));
  const readers = (id: string): Node[] => net.nodes.filter((n) => n.inputs.includes(id));
  const points = activationPoints(net);
  const apOf = new Map(points.map((ap) => [ap.node.id, ap]));
  const owned = new Set(points.flatMap((ap) => ap.linear.map((n) => n.id)));
  const score = scoreNode(net);
  const populations: Population[] = [];
  const projections: Projection[] = [];
  const poolMapping = new Map<string, "fold" | "neurons">();
  const notes: string[] = [];
  const source = new Map<string, Source>();

  const population = (node: Node, neuron: NeuronModel, bias?: Tensor): Population => {
    const p: Population = { id: node.id, shape: [...node.shape], neuron, sourceNode: node.id, ...(bias ? { bias } : {}) };
    populations.push(p);
    source.set(node.id, { pop: p });
    return p;
  };
  const sourceOf = (id: string, reader: Node): Source => {
    const s = source.get(id);
    if (s === undefined) {
      const n = byId.get(id)!;
      throw new SpikelabError("unsupported", `layer '${reader.id}' reads '${id}' (${n.op.kind}), which has no spiking form`, { loc: reader.loc, hint: "rate conversion needs a relu (or a pool of one) between weighted layers" });
    }
    return s;
  };
  const plainSource = (id: string, reader: Node): Population => {
    const s = sourceOf(id, reader);
    if (s.fold !== undefined) throw new Error(`mapToSpiking: '${reader.id}' reads folded pool '${s.fold.node.id}'`);
    return s.pop;
  };

  /** Can this average pool be folded into every layer that reads it? */
  const foldable = (pool: Node): boolean => {
    const src = source.get(pool.inputs[0]!);
    if (src === undefined || src.fold !== undefined || pool.id === score.id) return false;
    const inHW: [number, number] = [src.pop.shape[1] ?? 1, src.pop.shape[2] ?? 1];
    if (src.pop.shape.length !== 3) return false;
    const ok = (r: Node): boolean => {
      if (r.op.kind === "dense") return pool.op.kind === "globalavgpool" && owned.has(r.id);
      if (r.op.kind === "flatten") return pool.op.kind !== "globalavgpool" && readers(r.id).every((d) => d.op.kind === "dense" && owned.has(d.id));
      if (r.op.kind === "conv" && pool.op.kind !== "globalavgpool" && owned.has(r.id)) {
        return convThroughAvgpool({ kernel: r.op.kernel, stride: r.op.stride, padding: r.op.padding, groups: r.op.groups }, r.params.weight!, windowOf(pool) as PoolWindow, inHW) !== undefined;
      }
      return false;
    };
    const rs = readers(pool.id);
    return rs.length > 0 && rs.every(ok);
  };

  const projectInto = (target: Population, n: Node): void => {
    if (!hasWeights(n.op)) throw new Error(`projectInto: ${n.id} has no weights`);
    const s = sourceOf(n.inputs[0]!, n);
    let weight = n.params.weight!;
    let geometry: ProjectionKind;
    if (n.op.kind === "dense") {
      if (s.fold !== undefined) {
        const shape = s.pop.shape as [number, number, number];
        weight = s.fold.window === "global" ? denseThroughGlobalAvgpool(weight, shape) : denseThroughAvgpool(weight, s.fold.window, shape);
      }
      geometry = { kind: "dense" };
    } else {
      let shape = { kernel: n.op.kernel, stride: n.op.stride, padding: n.op.padding, groups: n.op.groups };
      if (s.fold !== undefined) {
        const c = convThroughAvgpool(shape, weight, s.fold.window as PoolWindow, [s.pop.shape[1]!, s.pop.shape[2]!]);
        if (c === undefined) throw new Error(`mapToSpiking: fold of ${s.fold.node.id} into ${n.id} became inexact`);
        shape = c.shape;
        weight = c.weight;
      }
      geometry = { kind: "conv", ...shape };
    }
    projections.push({ id: n.id, from: s.pop.id, to: target.id, geometry, weight });
  };

  for (const n of net.nodes) {
    const ap = apOf.get(n.id);
    if (ap !== undefined) {
      // Biases of the group add up; they become one constant current per channel (threshold units per second).
      const c = n.shape[0]!;
      const hasBias = ap.linear.some((x) => x.params.bias !== undefined);
      let bias: Tensor | undefined;
      if (opts.bias && hasBias) {
        const b = new Float64Array(c);
        for (const x of ap.linear) x.params.bias?.data.forEach((v, i) => (b[i]! += v));
        bias = { shape: [c], data: Float32Array.from(b, (v) => v / opts.dtSeconds) };
      }
      const pop = population(n, ap.isOutput ? opts.outputNeuron : opts.neuron, bias);
      const inGroup = new Set(ap.linear.map((x) => x.id));
      for (const x of ap.linear) {
        if (hasWeights(x.op)) projectInto(pop, x);
        else for (const i of x.inputs) if (!inGroup.has(i)) projections.push({ id: `${i}->${pop.id}`, from: plainSource(i, x).id, to: pop.id, geometry: { kind: "identity", offset: 0 } });
      }
      if (ap.linear.length === 0) {
        // A ReLU right after a population (relu → relu, pool → relu): its rates pass unchanged.
        projections.push({ id: `${n.inputs[0]}->${pop.id}`, from: plainSource(n.inputs[0]!, n).id, to: pop.id, geometry: { kind: "identity", offset: 0 } });
      }
      continue;
    }
    if (owned.has(n.id)) continue;
    switch (n.op.kind) {
      case "input":
        population(n, opts.neuron);
        break;
      case "flatten":
      case "dropout":
      case "softmax": {
        const s = source.get(n.inputs[0]!);
        if (s !== undefined) source.set(n.id, s.fold ? { pop: s.pop, fold: { ...s.fold, flattened: true } } : s);
        break;
      }
      case "avgpool":
      case "globalavgpool":
      case "maxpool": {
        const asAvg = n.op.kind !== "maxpool" || opts.maxpool === "avg";
        if (asAvg && opts.avgpool === "fold" && foldable(n)) {
          const s = source.get(n.inputs[0]!)!;
          source.set(n.id, { pop: s.pop, fold: { node: n, window: windowOf(n), flattened: false } });
          poolMapping.set(n.id, "fold");
          break;
        }
        if (asAvg && opts.avgpool === "fold") notes.push(`average pool '${n.id}' kept as neurons: no exact fold into the layers reading it`);
        const from = plainSource(n.inputs[0]!, n);
        const pop = population(n, n.id === score.id ? opts.outputNeuron : opts.neuron);
        let geometry: ProjectionKind;
        if (n.op.kind === "globalavgpool") geometry = { kind: "avgpool", kernel: [from.shape[1]!, from.shape[2]!], stride: [1, 1], padding: [0, 0] };
        else if (asAvg) geometry = { kind: "avgpool", kernel: n.op.kernel, stride: n.op.stride, padding: n.op.padding };
        else geometry = { kind: "maxpool", kernel: n.op.kernel, stride: n.op.stride, padding: n.op.padding, mode: "gated" };
        if (asAvg) poolMapping.set(n.id, "neurons");
        projections.push({ id: n.id, from: from.id, to: pop.id, geometry });
        break;
      }
      case "concat": {
        // A relay population: every branch spike re-emerges in the same step at its channel offset.
        const pop = population(n, opts.neuron);
        const hw = n.shape.slice(1).reduce((a, b) => a * b, 1);
        let offset = 0;
        for (const i of n.inputs) {
          const from = plainSource(i, n);
          projections.push({ id: `${i}->${n.id}`, from: from.id, to: pop.id, geometry: { kind: "identity", offset: offset * hw } });
          offset += from.shape[0]!;
        }
        break;
      }
      default:
        throw new SpikelabError("unsupported", `rate conversion cannot map layer '${n.id}' (${n.op.kind})`, { loc: n.loc, hint: RATE_SUPPORTED });
    }
  }
  if (!populations.some((p) => p.id === score.id)) {
    throw new SpikelabError("unsupported", `the network's output '${score.id}' (${score.op.kind}) is not a layer rate conversion can read out`, { loc: score.loc, hint: "end the network with a dense or conv layer (optionally followed by softmax)" });
  }
  return { populations, projections, poolMapping, notes };
}

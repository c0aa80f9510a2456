// The event-driven rate simulator's runtime form of a spiking network, built once per thread:
// weights laid out for the scatter kernels, membranes and spike buffers in kernel memory,
// exact fan-out tables for counting synaptic operations, per-step bias currents.
// It builds state only; the time loop is in engine.ts.

import { SpikelabError } from "../../errors.ts";
import type { Population, Projection, SpikingNetwork } from "../../ir/spiking.ts";
import * as ops from "../../tensor/ops.ts";
import type { ConvScatter, DenseScatter } from "../../tensor/ops.ts";

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const dims3 = (shape: readonly number[]): [number, number, number] => [shape[0]!, shape[1] ?? 1, shape[2] ?? 1];

export type ProjKind = "dense" | "conv" | "identity" | "gate";

export interface ProjRt {
  readonly index: number;
  readonly id: string;
  readonly from: number;
  readonly kind: ProjKind;
  readonly dense?: DenseScatter;
  /** Conv, average pool (a depthwise conv with weights 1/k²) and the analog input's forward pass. */
  readonly conv?: ConvScatter;
  /** Dense weights [out, in] for the analog input's one forward pass. */
  readonly denseW?: Float32Array;
  readonly offset: number;
  /** Targets reached by each source neuron (synapses it drives in this projection). */
  readonly fanout: Float64Array;
  /** Synapses in total (for the analog input's one-time multiply-accumulate count). */
  readonly synapses: number;
  /** Max-pool gate geometry (windows over [C, H, W]). */
  readonly pool?: { readonly c: number; readonly ih: number; readonly iw: number; readonly oh: number; readonly ow: number; readonly kh: number; readonly kw: number; readonly sh: number; readonly sw: number; readonly ph: number; readonly pw: number };
}

export type PopKind = "input" | "if" | "integrator" | "relay" | "gate";

export interface PopRt {
  readonly index: number;
  readonly id: string;
  readonly n: number;
  readonly kind: PopKind;
  readonly reset: "subtract" | "zero";
  /** Membrane decay per step (1: no leak). */
  readonly decay: number;
  /** Bias current per step and neuron (threshold units), or undefined. */
  readonly biasStep: Float32Array | undefined;
  readonly incoming: readonly ProjRt[];
  /** Membranes in threshold units (kernel memory). */
  readonly V: Float32Array;
  /** This step's spike indices (kernel memory), `count` valid. */
  readonly spikes: Int32Array;
  count: number;
  /** Cumulative spike counts per neuron (kept for max-pool gates reading this population). */
  readonly counts: Int32Array | undefined;
}

export interface Plan {
  readonly snn: SpikingNetwork;
  readonly pops: readonly PopRt[];
  readonly projs: readonly ProjRt[];
  readonly analog: boolean;
  readonly dtSeconds: number;
  /** For analog input: the constant current (input forward pass + bias) per target population, rebuilt per sample. */
  readonly constant: (Float32Array | undefined)[];
  readonly out: PopRt;
  release(): void;
}

/** Per source neuron, how many targets a conv / pool footprint reaches (exact at padded and strided borders). */
function windowFanout(inShape: [number, number, number], outHW: [number, number], k: readonly [number, number], s: readonly [number, number], p: readonly [number, number], perTarget: number): Float64Array {
  const [c, ih, iw] = inShape;
  const count = (i: number, kk: number, ss: number, pp: number, out: number): number => {
    let n = 0;
    for (let a = 0; a < kk; a++) {
      const t = i + pp - a;
      if (t >= 0 && t % ss === 0 && t / ss < out) n++;
    }
    return n;
  };
  const rows = Array.from({ length: ih }, (_, y) => count(y, k[0], s[0], p[0], outHW[0]));
  const cols = Array.from({ length: iw }, (_, x) => count(x, k[1], s[1], p[1], outHW[1]));
  const f = new Float64Array(c * ih * iw);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < ih; y++) for (let x = 0; x < iw; x++) f[(ch * ih + y) * iw + x] = rows[y]! * cols[x]! * perTarget;
  return f;
}

function buildProjection(snn: SpikingNetwork, index: number, pr: Projection, fromIdx: number, allocs: (Float32Array | Int32Array)[]): ProjRt {
  const src = snn.populations[fromIdx]!;
  const dst = snn.populations.find((p) => p.id === pr.to)!;
  const inN = size(src.shape);
  const outN = size(dst.shape);
  const g = pr.geometry;
  const base = { index, id: pr.id, from: fromIdx, offset: 0 };
  switch (g.kind) {
    case "dense": {
      const w = pr.weight!.data as Float32Array;
      const dense = ops.prepareDenseScatter(inN, outN, w instanceof Float32Array ? w : Float32Array.from(w));
      allocs.push(dense.rows);
      return { ...base, kind: "dense", dense, ...(fromIdx === 0 ? { denseW: Float32Array.from(w) } : {}), fanout: new Float64Array(inN).fill(outN), synapses: inN * outN };
    }
    case "conv":
    case "avgpool": {
      const [ic, ih, iw] = dims3(src.shape);
      const [oc] = dims3(dst.shape);
      const groups = g.kind === "conv" ? g.groups : ic;
      const geo = ops.conv2dGeometry({ batch: 1, inC: ic, inH: ih, inW: iw, outC: oc, kernel: g.kernel, stride: g.stride, padding: g.padding, groups });
      if (geo.outC * geo.outH * geo.outW !== outN) throw new SpikelabError("shape", `projection '${pr.id}' gives ${geo.outC}x${geo.outH}x${geo.outW} outputs but '${dst.id}' has ${dst.shape.join("x")}`);
      const w = g.kind === "conv" ? Float32Array.from(pr.weight!.data) : new Float32Array(oc * g.kernel[0] * g.kernel[1]).fill(1 / (g.kernel[0] * g.kernel[1]));
      const conv = ops.prepareConvScatter(geo, w);
      allocs.push(conv.w, conv.taps);
      const fanout = windowFanout([ic, ih, iw], [geo.outH, geo.outW], g.kernel, g.stride, g.padding, oc / groups);
      return { ...base, kind: "conv", conv, fanout, synapses: fanout.reduce((a, b) => a + b, 0) };
    }
    case "maxpool": {
      const [c, ih, iw] = dims3(src.shape);
      const [, oh, ow] = dims3(dst.shape);
      const fanout = windowFanout([c, ih, iw], [oh, ow], g.kernel, g.stride, g.padding, 1);
      return { ...base, kind: "gate", fanout, synapses: fanout.reduce((a, b) => a + b, 0), pool: { c, ih, iw, oh, ow, kh: g.kernel[0], kw: g.kernel[1], sh: g.stride[0], sw: g.stride[1], ph: g.padding[0], pw: g.padding[1] } };
    }
    case "identity":
      return { ...base, kind: "identity", offset: g.offset, fanout: new Float64Array(inN).fill(1), synapses: inN };
  }
}

function popKind(p: Population, incoming: readonly ProjRt[], isInput: boolean): PopKind {
  if (isInput) return "input";
  if (p.neuron.kind === "integrator") return "integrator";
  if (p.neuron.kind !== "if") throw new SpikelabError("unsupported", `the rate simulator runs IF and integrator neurons, not '${p.neuron.kind}' (population '${p.id}')`);
  if (incoming.some((x) => x.kind === "gate")) {
    if (incoming.length !== 1 || p.bias !== undefined) throw new SpikelabError("unsupported", `max-pool population '${p.id}' must have the gate as its only input`);
    return "gate";
  }
  const relay = incoming.length > 0 && incoming.every((x) => x.kind === "identity") && p.bias === undefined && !Number.isFinite(p.neuron.tauSeconds);
  // A relay's neurons each get at most one spike of amplitude θ per step, so V = θ fires and resets to 0: the spikes pass through.
  return relay && new Set(incoming.map((x) => x.from)).size === incoming.length ? "relay" : "if";
}

export function buildPlan(snn: SpikingNetwork): Plan {
  if (snn.dtSeconds === undefined) throw new Error("rate plan: the network has no time step");
  const dt = snn.dtSeconds;
  const allocs: (Float32Array | Int32Array)[] = [];
  const idx = new Map(snn.populations.map((p, i) => [p.id, i]));
  const projs = snn.projections.map((pr, i) => {
    const from = idx.get(pr.from);
    if (from === undefined || !idx.has(pr.to)) throw new SpikelabError("shape", `projection '${pr.id}' joins unknown populations '${pr.from}' → '${pr.to}'`);
    if (from >= idx.get(pr.to)!) throw new SpikelabError("shape", `projection '${pr.id}' runs backwards ('${pr.from}' comes after '${pr.to}'); populations must be in topological order`);
    return buildProjection(snn, i, pr, from, allocs);
  });
  const gated = new Set(projs.filter((p) => p.kind === "gate").map((p) => p.from));
  const pops = snn.populations.map((p, i): PopRt => {
    const n = size(p.shape);
    const incoming = projs.filter((x) => snn.projections[x.index]!.to === p.id);
    const kind = popKind(p, incoming, i === 0);
    let biasStep: Float32Array | undefined;
    if (p.bias !== undefined) {
      const per = n / p.bias.data.length;
      biasStep = ops.allocF32(n);
      allocs.push(biasStep);
      for (let j = 0; j < n; j++) biasStep[j] = p.bias.data[Math.floor(j / per)]! * dt;
    }
    const V = ops.allocF32(n);
    const spikes = ops.allocI32(n);
    allocs.push(V, spikes);
    const tau = p.neuron.kind === "if" ? p.neuron.tauSeconds : Infinity;
    return {
      index: i, id: p.id, n, kind, incoming, V, spikes, count: 0, biasStep,
      reset: p.neuron.kind === "if" ? p.neuron.reset : "subtract",
      decay: Number.isFinite(tau) ? Math.exp(-dt / tau) : 1,
      counts: gated.has(i) ? new Int32Array(n) : undefined,
    };
  });
  const analog = snn.encoder.kind === "analog";
  if (!analog && snn.encoder.kind !== "poisson") throw new SpikelabError("unsupported", `the rate simulator takes analog or Poisson input, not '${snn.encoder.kind}'`);
  const constant = pops.map((p) => {
    if (!analog || !p.incoming.some((x) => x.from === 0)) return undefined;
    const a = ops.allocF32(p.n);
    allocs.push(a);
    return a;
  });
  return {
    snn, pops, projs, analog, dtSeconds: dt, constant, out: pops[pops.length - 1]!,
    release: () => {
      for (const a of allocs) ops.release(a);
      allocs.length = 0;
    },
  };
}

// The rate family's reference simulator, for tests only: deliberately plain — every projection
// expanded to a dense float64 matrix, every neuron updated every step, one sample, no workers,
// no kernels. It shares nothing with the event-driven simulator except the random numbers
// (random.ts), so agreement between the two means something.
//
// Units: membranes are in units of the threshold θ (a spike carries amplitude θ, biases and the
// analog input are scaled by θ too), so the dynamics do not depend on θ; recorded membranes are
// multiplied back by θ.

import type { Population, Projection, SpikingNetwork } from "../../ir/spiking.ts";
import { readoutSeed, thresholdOf } from "./units.ts";
import { STREAM_POISSON, STREAM_SOFTMAX, stepKey, uniform } from "./random.ts";

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const dims3 = (shape: readonly number[]): [number, number, number] => [shape[0]!, shape[1] ?? 1, shape[2] ?? 1];

interface DenseProj {
  readonly proj: Projection;
  readonly from: number;
  /** [out][in] weights and structural connections (for counting synaptic operations). */
  readonly w: Float64Array;
  readonly conn: Uint8Array;
  readonly inN: number;
  readonly outN: number;
  /** Per input neuron: how many targets it reaches. */
  readonly fanout: Float64Array;
}

function expand(snn: SpikingNetwork, proj: Projection): DenseProj {
  const fromIdx = snn.populations.findIndex((p) => p.id === proj.from);
  const src = snn.populations[fromIdx]!;
  const dst = snn.populations.find((p) => p.id === proj.to)!;
  const inN = size(src.shape);
  const outN = size(dst.shape);
  const w = new Float64Array(outN * inN);
  const conn = new Uint8Array(outN * inN);
  const g = proj.geometry;
  const link = (o: number, i: number, v: number): void => {
    w[o * inN + i]! += v;
    conn[o * inN + i] = 1;
  };
  if (g.kind === "dense") {
    for (let o = 0; o < outN; o++) for (let i = 0; i < inN; i++) link(o, i, proj.weight!.data[o * inN + i]!);
  } else if (g.kind === "identity") {
    for (let i = 0; i < inN; i++) link(g.offset + i, i, 1);
  } else {
    const [ic, ih, iw] = dims3(src.shape);
    const [oc, oh, ow] = dims3(dst.shape);
    const groups = g.kind === "conv" ? g.groups : ic;
    const icg = ic / groups;
    const ocg = oc / groups;
    const [kh, kw] = g.kernel;
    for (let c = 0; c < oc; c++) {
      const grp = Math.floor(c / ocg);
      for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) {
        const o = (c * oh + y) * ow + x;
        for (let j = 0; j < icg; j++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
          const iy = y * g.stride[0] - g.padding[0] + a;
          const ix = x * g.stride[1] - g.padding[1] + b;
          if (iy < 0 || iy >= ih || ix < 0 || ix >= iw) continue;
          const i = ((grp * icg + j) * ih + iy) * iw + ix;
          const v = g.kind === "conv" ? proj.weight!.data[((c * icg + j) * kh + a) * kw + b]! : 1 / (kh * kw);
          link(o, i, v);
        }
      }
    }
  }
  const fanout = new Float64Array(inN);
  for (let o = 0; o < outN; o++) for (let i = 0; i < inN; i++) fanout[i]! += conn[o * inN + i]!;
  return { proj, from: fromIdx, w, conn, inN, outN, fanout };
}

export interface ReferenceOptions {
  /** Index of the sample in its split (seeds its Poisson input and softmax read-out). */
  readonly sample: number;
  readonly steps: number;
  /** Populations whose membranes to record (pre-reset, every neuron, every step). */
  readonly membranes?: readonly string[];
}

export interface ReferenceRun {
  /** Population id → per step, the indices that spiked (increasing). */
  readonly spikes: Map<string, number[][]>;
  /** Predicted class after each step (−1: no output spike yet, with spike-count read-out). */
  readonly predictions: Int32Array;
  /** Projection id → synaptic operations per step. */
  readonly ops: Map<string, Float64Array>;
  /** Population id → [step][neuron] membrane (times θ). */
  readonly membranes: Map<string, Float64Array[]>;
}

export function referenceSimulate(snn: SpikingNetwork, image: ArrayLike<number>, opts: ReferenceOptions): ReferenceRun {
  const pops = snn.populations;
  const theta = thresholdOf(snn);
  const dt = snn.dtSeconds!;
  const projs = snn.projections.map((p) => expand(snn, p));
  const V = pops.map((p) => new Float64Array(size(p.shape)));
  const s = pops.map((p) => new Uint8Array(size(p.shape)));
  const counts = pops.map((p) => new Float64Array(size(p.shape)));
  const spikes = new Map(pops.map((p) => [p.id, [] as number[][]]));
  const ops = new Map(snn.projections.map((p) => [p.id, new Float64Array(opts.steps)]));
  const membranes = new Map((opts.membranes ?? []).map((id) => [id, [] as Float64Array[]]));
  const predictions = new Int32Array(opts.steps);
  const out = pops.length - 1;
  const outCounts = new Float64Array(size(pops[out]!.shape));
  const analog = snn.encoder.kind === "analog";
  const x = Float64Array.from(image);
  const biasOf = (p: Population, i: number): number => {
    if (p.bias === undefined) return 0;
    return p.bias.data[Math.floor(i / (size(p.shape) / p.bias.data.length))]! * dt;
  };

  for (let t = 0; t < opts.steps; t++) {
    // The input population: analog values (used as currents) or Poisson spikes.
    if (analog) s[0]!.fill(0);
    else {
      const enc = snn.encoder as { maxRateHz: number; seed: number };
      const key = stepKey(enc.seed, opts.sample, t, STREAM_POISSON);
      const p = enc.maxRateHz * dt;
      for (let i = 0; i < x.length; i++) s[0]![i] = uniform(key, i) < x[i]! * p ? 1 : 0;
    }
    recordSpikes(0);
    for (let k = 1; k < pops.length; k++) {
      const pop = pops[k]!;
      const n = V[k]!.length;
      const incoming = projs.filter((d) => d.proj.to === pop.id);
      s[k]!.fill(0);
      const gated = incoming.find((d) => d.proj.geometry.kind === "maxpool");
      if (gated !== undefined) {
        maxpoolGate(gated, s[gated.from]!, counts[gated.from]!, s[k]!);
        countOps(gated, t);
        recordSpikes(k);
        continue;
      }
      const I = new Float64Array(n);
      for (let i = 0; i < n; i++) I[i] = biasOf(pop, i);
      for (const d of incoming) {
        const src = d.from === 0 && analog ? x : s[d.from]!;
        for (let o = 0; o < d.outN; o++) {
          let acc = 0;
          for (let i = 0; i < d.inN; i++) acc += d.w[o * d.inN + i]! * src[i]!;
          I[o]! += acc;
        }
        if (d.from === 0 && analog) {
          // Computed once per sample: one multiply-add per synapse, counted like the ANN (2 per MAC).
          if (t === 0) ops.get(d.proj.id)![0]! += 2 * d.conn.reduce((a, b) => a + b, 0);
        } else countOps(d, t);
      }
      const v = V[k]!;
      const nm = pop.neuron;
      const decay = nm.kind === "if" && Number.isFinite(nm.tauSeconds) ? Math.exp(-dt / nm.tauSeconds) : 1;
      for (let i = 0; i < n; i++) v[i] = v[i]! * decay + I[i]!;
      membranes.get(pop.id)?.push(v.map((m) => m * theta));
      if (nm.kind === "if") {
        for (let i = 0; i < n; i++) {
          if (v[i]! >= 1) {
            s[k]![i] = 1;
            v[i] = nm.reset === "subtract" ? v[i]! - 1 : 0;
          }
        }
      }
      recordSpikes(k);
    }
    predictions[t] = predict(t);
  }
  return { spikes, predictions, ops, membranes };

  function recordSpikes(k: number): void {
    const list: number[] = [];
    const sk = s[k]!;
    for (let i = 0; i < sk.length; i++) {
      if (sk[i]) {
        list.push(i);
        counts[k]![i]!++;
      }
    }
    spikes.get(pops[k]!.id)!.push(list);
  }

  function countOps(d: DenseProj, t: number): void {
    const src = s[d.from]!;
    let c = 0;
    for (let i = 0; i < d.inN; i++) if (src[i]) c += d.fanout[i]!;
    ops.get(d.proj.id)![t]! += c;
  }

  function predict(t: number): number {
    const kind = snn.readout.kind;
    if (kind === "membrane") return argmax(V[out]!);
    if (kind === "softmax") {
      const v = V[out]!;
      const m = Math.max(...v);
      const e = v.map((a) => Math.exp(a - m));
      const z = e.reduce((a, b) => a + b, 0);
      const key = stepKey(readoutSeed(snn), opts.sample, t, STREAM_SOFTMAX);
      for (let i = 0; i < v.length; i++) if (uniform(key, i) < e[i]! / z) outCounts[i]!++;
    } else {
      for (let i = 0; i < outCounts.length; i++) outCounts[i] = counts[out]![i]!;
    }
    return outCounts.some((c) => c > 0) ? argmax(outCounts) : -1;
  }
}

/**
 * The gated max-pool, by its definition: a window passes a spike at step t when one of its
 * inputs that spiked at t has the window's highest cumulative spike count (counting step t).
 */
function maxpoolGate(d: DenseProj, sIn: Uint8Array, countsIn: Float64Array, sOut: Uint8Array): void {
  for (let o = 0; o < d.outN; o++) {
    let best = -1;
    for (let i = 0; i < d.inN; i++) if (d.conn[o * d.inN + i] && countsIn[i]! > best) best = countsIn[i]!;
    for (let i = 0; i < d.inN; i++) {
      if (d.conn[o * d.inN + i] && sIn[i] && countsIn[i] === best) {
        sOut[o] = 1;
        break;
      }
    }
  }
}

function argmax(v: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[b]!) b = i;
  return b;
}

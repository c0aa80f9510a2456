// The event-driven time loop of the rate simulator, one sample at a time: each step, each
// population (in topological order) decays, gets only this step's spikes scattered in by the WASM
// kernels, takes its bias (or analog constant current) and is swept once for threshold and reset.
// It fills the sinks it is given; choosing, merging and reporting them is simulate.ts's.
//
// Float order (float32 throughout, membranes in threshold units): V ← V·decay; then, per incoming
// projection in network order, the weights of each spike in increasing source index; then
// V += bias·dt (or the analog constant W·x + bias·dt, summed once per sample); then V ≥ 1 spikes.

import { SpikelabError } from "../../errors.ts";
import * as ops from "../../tensor/ops.ts";
import type { Plan, PopRt, ProjRt } from "./plan.ts";
import { STREAM_POISSON, STREAM_SOFTMAX, stepKey, uniform } from "./random.ts";
import { readoutSeed, thresholdOf } from "./units.ts";

/** What one sample's run writes; every array is optional except predictions and ops. */
export interface SampleSinks {
  /** Predicted class after each step (−1: nothing to read yet). Length ≥ steps. */
  readonly predictions: Int32Array;
  /** Synaptic operations, [projection][step], added to. */
  readonly ops: Float64Array;
  /** Spikes per population, added to. */
  readonly spikeTotals: Float64Array;
  /** Per population, spikes per neuron, added to (the firing-rate recorder). */
  readonly neuronCounts?: readonly (Float64Array | undefined)[];
  /** Per population, this sample's spike trains: pushes (neuron, step). */
  readonly trains?: readonly ({ neuron: number[]; step: number[] } | undefined)[];
  /** Membrane traces (pre-reset, times θ) of chosen neurons: values[step]. */
  readonly traces?: readonly { readonly pop: number; readonly neuron: number; readonly values: Float64Array }[];
}

export function runSample(plan: Plan, image: Float32Array, sample: number, steps: number, sinks: SampleSinks): void {
  const { pops, projs } = plan;
  const theta = thresholdOf(plan.snn);
  for (const p of pops) {
    p.V.fill(0);
    p.count = 0;
    p.counts?.fill(0);
  }
  if (plan.analog) {
    analogCurrents(plan, image);
    // The input current is computed once per sample: one multiply-add per synapse, counted as the ANN counts (2 per MAC).
    for (const pr of projs) if (pr.from === 0) sinks.ops[pr.index * steps]! += 2 * pr.synapses;
  }
  const enc = plan.snn.encoder;
  const poissonP = enc.kind === "poisson" ? enc.maxRateHz * plan.dtSeconds : 0;
  const lit: number[] = [];
  if (enc.kind === "poisson") for (let i = 0; i < image.length; i++) if (image[i]! > 0) lit.push(i);
  const out = plan.out;
  const readout = plan.snn.readout.kind;
  const outCounts = new Float64Array(out.n);
  let outSpiked = false;
  const tracesByPop = new Map<number, { neuron: number; values: Float64Array }[]>();
  for (const tr of sinks.traces ?? []) {
    const l = tracesByPop.get(tr.pop) ?? [];
    l.push(tr);
    tracesByPop.set(tr.pop, l);
  }

  for (let t = 0; t < steps; t++) {
    const input = pops[0]!;
    if (enc.kind === "poisson") {
      const key = stepKey(enc.seed, sample, t, STREAM_POISSON);
      let c = 0;
      for (const i of lit) if (uniform(key, i) < image[i]! * poissonP) input.spikes[c++] = i;
      input.count = c;
      afterSpikes(input, t);
    }
    for (let k = 1; k < pops.length; k++) {
      const p = pops[k]!;
      if (p.kind === "gate") gateStep(p, p.incoming[0]!, t);
      else if (p.kind === "relay") relayStep(p, t);
      else {
        if (p.decay !== 1) scale(p.V, p.decay);
        for (const pr of p.incoming) {
          if (plan.analog && pr.from === 0) continue;
          const src = pops[pr.from]!;
          if (src.count === 0) continue;
          scatter(pr, src, p);
          countOps(pr, src, t);
        }
        const c = plan.constant[k];
        if (c !== undefined) ops.axpy(1, c, p.V);
        else if (p.biasStep !== undefined) ops.axpy(1, p.biasStep, p.V);
        const tr = tracesByPop.get(k);
        if (tr !== undefined) for (const x of tr) x.values[t] = p.V[x.neuron]! * theta;
        p.count = p.kind === "if" ? ops.thresholdReset(p.V, 1, p.reset, p.spikes) : 0;
      }
      afterSpikes(p, t);
    }
    sinks.predictions[t] = predict(t);
  }

  function afterSpikes(p: PopRt, t: number): void {
    const n = p.count;
    if (n === 0) return;
    const s = p.spikes;
    sinks.spikeTotals[p.index]! += n;
    if (p.counts !== undefined) for (let i = 0; i < n; i++) p.counts[s[i]!]!++;
    const nc = sinks.neuronCounts?.[p.index];
    if (nc !== undefined) for (let i = 0; i < n; i++) nc[s[i]!]!++;
    const tr = sinks.trains?.[p.index];
    if (tr !== undefined) for (let i = 0; i < n; i++) {
      tr.neuron.push(s[i]!);
      tr.step.push(t);
    }
    if (p === out) {
      outSpiked = true;
      for (let i = 0; i < n; i++) outCounts[s[i]!]!++;
    }
  }

  function countOps(pr: ProjRt, src: PopRt, t: number): void {
    const f = pr.fanout;
    const s = src.spikes;
    let c = 0;
    for (let i = 0; i < src.count; i++) c += f[s[i]!]!;
    sinks.ops[pr.index * steps + t]! += c;
  }

  function relayStep(p: PopRt, t: number): void {
    let c = 0;
    for (const pr of p.incoming) {
      const src = pops[pr.from]!;
      for (let i = 0; i < src.count; i++) p.spikes[c++] = src.spikes[i]! + pr.offset;
      if (src.count > 0) countOps(pr, src, t);
    }
    p.count = c;
  }

  /** The gated max-pool: a window passes a spike when an input that spiked now has the window's highest count so far. */
  function gateStep(p: PopRt, pr: ProjRt, t: number): void {
    const src = pops[pr.from]!;
    p.count = 0;
    if (src.count === 0) return;
    const g = pr.pool!;
    const counts = src.counts!;
    const passed = p.V; // reused as a per-step "window already passed" mark; gates have no membrane
    passed.fill(0);
    const ihw = g.ih * g.iw, ohw = g.oh * g.ow;
    let c = 0;
    for (let e = 0; e < src.count; e++) {
      const j = src.spikes[e]!;
      const ch = Math.floor(j / ihw), r = j - ch * ihw;
      const iy = Math.floor(r / g.iw), ix = r - iy * g.iw;
      const cj = counts[j]!;
      for (let oy = Math.max(0, Math.ceil((iy + g.ph - g.kh + 1) / g.sh)); oy <= Math.min(g.oh - 1, Math.floor((iy + g.ph) / g.sh)); oy++) {
        for (let ox = Math.max(0, Math.ceil((ix + g.pw - g.kw + 1) / g.sw)); ox <= Math.min(g.ow - 1, Math.floor((ix + g.pw) / g.sw)); ox++) {
          const o = ch * ohw + oy * g.ow + ox;
          if (passed[o] !== 0) continue;
          let best = 0;
          for (let a = 0; a < g.kh; a++) {
            const y = oy * g.sh - g.ph + a;
            if (y < 0 || y >= g.ih) continue;
            for (let b = 0; b < g.kw; b++) {
              const x = ox * g.sw - g.pw + b;
              if (x < 0 || x >= g.iw) continue;
              const v = counts[ch * ihw + y * g.iw + x]!;
              if (v > best) best = v;
            }
          }
          if (cj === best) {
            passed[o] = 1;
            p.spikes[c++] = o;
          }
        }
      }
    }
    if (c > 1) p.spikes.subarray(0, c).sort();
    p.count = c;
    countOps(pr, src, t);
  }

  function predict(t: number): number {
    if (readout === "membrane") return argmax(out.V, out.n);
    if (readout === "softmax") {
      const v = out.V;
      let m = -Infinity;
      for (let i = 0; i < out.n; i++) if (v[i]! > m) m = v[i]!;
      let z = 0;
      for (let i = 0; i < out.n; i++) z += Math.exp(v[i]! - m);
      const key = stepKey(readoutSeed(plan.snn), sample, t, STREAM_SOFTMAX);
      for (let i = 0; i < out.n; i++) {
        if (uniform(key, i) < Math.exp(v[i]! - m) / z) {
          outCounts[i]!++;
          outSpiked = true;
        }
      }
    }
    return outSpiked ? argmax(outCounts, out.n) : -1;
  }
}

function scatter(pr: ProjRt, src: PopRt, dst: PopRt): void {
  switch (pr.kind) {
    case "dense":
      ops.scatterDense(pr.dense!, src.spikes, src.count, dst.V);
      return;
    case "conv":
      ops.scatterConv(pr.conv!, src.spikes, src.count, dst.V);
      return;
    case "identity": {
      const V = dst.V;
      for (let i = 0; i < src.count; i++) V[src.spikes[i]! + pr.offset]! += 1;
      return;
    }
    case "gate":
      throw new Error("scatter: gates are stepped by gateStep");
  }
}

function scale(v: Float32Array, f: number): void {
  for (let i = 0; i < v.length; i++) v[i]! *= f;
}

/** The analog input's constant current per target population: W·x summed over projections from the input, plus bias·dt. */
export function analogCurrents(plan: Plan, image: Float32Array): void {
  for (const p of plan.pops) {
    const c = plan.constant[p.index];
    if (c === undefined) continue;
    c.fill(0);
    const tmp = ops.allocF32(p.n);
    try {
      for (const pr of p.incoming) {
        if (pr.from !== 0) continue;
        if (pr.kind === "dense") ops.denseForward(1, pr.dense!.inF, pr.dense!.outF, image, pr.denseW!, null, tmp);
        else if (pr.kind === "conv") ops.conv2dForward(pr.conv!.g, image, pr.conv!.w, null, tmp);
        else if (pr.kind === "identity") {
          tmp.fill(0);
          for (let i = 0; i < image.length; i++) tmp[pr.offset + i] = image[i]!;
        } else throw new SpikelabError("unsupported", `max pooling directly on the analog input ('${pr.id}') has no spikes to gate`, { hint: "use `input: poisson`, or pool after the first layer" });
        ops.axpy(1, tmp, c);
      }
      if (p.biasStep !== undefined) ops.axpy(1, p.biasStep, c);
    } finally {
      ops.release(tmp);
    }
  }
}

function argmax(v: ArrayLike<number>, n: number): number {
  let b = 0;
  for (let i = 1; i < n; i++) if (v[i]! > v[b]!) b = i;
  return b;
}

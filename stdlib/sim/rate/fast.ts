// The rate simulator's fast path: the plan laid out as records in kernel memory and one WASM
// call per sample (stdlib/tensor/assembly/rate.ts runs every step). Same dynamics, same float
// order and same random numbers as engine.ts, which stays the path for recorded samples (spike
// trains, membrane traces) and the stochastic softmax read-out. No recording here.

import { SpikelabError } from "../../errors.ts";
import * as ops from "../../tensor/ops.ts";
import { kernels } from "../../tensor/wasm.ts";
import { analogCurrents, type SampleSinks } from "./engine.ts";
import type { Plan } from "./plan.ts";

/** The exports of assembly/rate.ts (pointers are byte offsets into kernel memory). */
interface RateExports {
  rateRunSample(pops: number, nPops: number, projs: number, decays: number, steps: number, pred: number, ops: number, totals: number, readout: number, outCounts: number, image: number, lit: number, poissonP: number, seed: number, sample: number): void;
  rateRecordWords(): number;
}

const POP_WORDS = 16;
const PROJ_WORDS = 24;

export interface FastRunner {
  /** Runs one sample; adds ops, spike totals and (if kept) per-neuron counts to `sinks`, writes predictions. */
  run(image: Float32Array, sample: number, steps: number, sinks: SampleSinks): void;
  release(): void;
}

/** A fast runner for `plan`, or undefined when the plan needs the JS engine (softmax read-out). */
export function fastRunner(plan: Plan): FastRunner | undefined {
  const readout = plan.snn.readout.kind;
  if (readout !== "membrane" && readout !== "spikes") return undefined;
  const k = kernels();
  const x = k.exports as unknown as RateExports;
  if (typeof x.rateRunSample !== "function") return undefined;
  if (x.rateRecordWords() !== POP_WORDS * 1000 + PROJ_WORDS) throw new Error("rate fast path: record layout differs from assembly/rate.ts");
  const own: (Float32Array | Int32Array)[] = [];
  const f32 = (n: number): Float32Array => {
    const a = ops.allocF32(Math.max(1, n));
    own.push(a);
    return a;
  };
  const i32 = (n: number): Int32Array => {
    const a = ops.allocI32(Math.max(1, n));
    own.push(a);
    return a;
  };
  const f64 = (n: number): Float64Array => {
    const a = f32(2 * n);
    return new Float64Array(a.buffer, a.byteOffset, n);
  };
  const { pops, projs } = plan;
  const popRec = i32(pops.length * POP_WORDS);
  const projRec = i32(projs.length * PROJ_WORDS);
  const decays = f64(pops.length);
  const neuron = pops.map((p, k) => (k > 0 && p.kind !== "integrator" ? i32(p.n) : undefined));
  // Incoming projections must be contiguous per population, in network order.
  const order = pops.flatMap((p) => p.incoming.map((pr) => pr.index));
  const slot = new Map(order.map((j, s) => [j, s]));
  projs.forEach((pr) => {
    const s = slot.get(pr.index);
    if (s === undefined) return;
    const r = s * PROJ_WORDS;
    const fan = f32(pr.fanout.length);
    fan.set(pr.fanout);
    projRec[r + 0] = pr.kind === "dense" ? 0 : pr.kind === "conv" ? 1 : pr.kind === "identity" ? 2 : 3;
    projRec[r + 1] = pr.from;
    projRec[r + 2] = fan.byteOffset;
    projRec[r + 3] = plan.analog && pr.from === 0 ? 1 : 0;
    if (pr.kind === "dense") {
      projRec[r + 4] = pr.dense!.rows.byteOffset;
      projRec[r + 5] = pr.dense!.outF;
    } else if (pr.kind === "conv") {
      const g = pr.conv!.g;
      projRec[r + 4] = pr.conv!.taps.byteOffset;
      [g.inC, g.inH, g.inW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.groups, g.outH, g.outW].forEach((v, i) => (projRec[r + 5 + i] = v));
    } else if (pr.kind === "identity") {
      projRec[r + 4] = pr.offset;
    } else {
      const g = pr.pool!;
      [g.c, g.ih, g.iw, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw].forEach((v, i) => (projRec[r + 5 + i] = v));
    }
  });
  const cum = pops.map((p) => (p.counts !== undefined ? i32(p.n) : undefined));
  let first = 0;
  pops.forEach((p, k) => {
    const r = k * POP_WORDS;
    popRec[r + 0] = k === 0 ? 0 : p.kind === "if" ? 1 : p.kind === "integrator" ? 2 : p.kind === "relay" ? 3 : 4;
    popRec[r + 1] = p.n;
    popRec[r + 2] = p.reset === "subtract" ? 1 : 0;
    popRec[r + 3] = p.V.byteOffset;
    popRec[r + 4] = p.spikes.byteOffset;
    popRec[r + 6] = p.biasStep?.byteOffset ?? 0;
    popRec[r + 7] = plan.constant[k]?.byteOffset ?? 0;
    popRec[r + 8] = cum[k]?.byteOffset ?? 0;
    popRec[r + 10] = first;
    popRec[r + 11] = p.incoming.length;
    first += p.incoming.length;
    decays[k] = p.decay;
  });
  const inN = pops[0]!.n;
  const image = f32(inN);
  const lit = i32(inN);
  const outCounts = i32(plan.out.n);
  const totals = f64(pops.length);
  let steps = 0;
  let pred = i32(1);
  let opsBuf = f64(1);
  const enc = plan.snn.encoder;
  const poissonP = enc.kind === "poisson" ? enc.maxRateHz * plan.dtSeconds : 0;
  const seed = enc.kind === "poisson" ? enc.seed : 0;
  if (poissonP > 1) throw new SpikelabError("param", `Poisson input asks for ${poissonP} spikes per step`);

  return {
    run(img, sample, T, sinks) {
      if (T !== steps) {
        steps = T;
        pred = i32(T);
        opsBuf = f64(projs.length * T);
      }
      if (plan.analog) {
        analogCurrents(plan, img);
        for (const pr of projs) if (pr.from === 0) sinks.ops[pr.index * T]! += 2 * pr.synapses;
      } else image.set(img);
      opsBuf.fill(0);
      totals.fill(0);
      const counting = sinks.neuronCounts !== undefined;
      neuron.forEach((c, k) => (popRec[k * POP_WORDS + 9] = counting && c !== undefined ? c.byteOffset : 0));
      x.rateRunSample(popRec.byteOffset, pops.length, projRec.byteOffset, decays.byteOffset, T, pred.byteOffset, opsBuf.byteOffset, totals.byteOffset, plan.snn.readout.kind === "membrane" ? 0 : 1, outCounts.byteOffset, image.byteOffset, lit.byteOffset, poissonP, seed >>> 0, sample >>> 0);
      for (let t = 0; t < T; t++) sinks.predictions[t] = pred[t]!;
      // Kernel order is by population; sinks are by projection index.
      for (const [j, s] of slot) for (let t = 0; t < T; t++) sinks.ops[j * T + t]! += opsBuf[s * T + t]!;
      for (let k = 0; k < pops.length; k++) sinks.spikeTotals[k]! += totals[k]!;
      if (sinks.neuronCounts !== undefined) {
        neuron.forEach((c, k) => {
          const dst = sinks.neuronCounts![k];
          if (c === undefined || dst === undefined) return;
          for (let i = 0; i < c.length; i++) dst[i]! += c[i]!;
        });
      }
    },
    release() {
      for (const a of own) ops.release(a);
      own.length = 0;
    },
  };
}

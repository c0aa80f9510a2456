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
  // Populations fed only by ordinary convs with many output channels keep their membrane as
  // [H][W][C]: a footprint position is then one contiguous run over the channels (SIMD), while the
  // sweep still hands on [C][H][W] spike indices in increasing order (same numbers, same order).
  const hwc = pops.map((p, k) => {
    if (k === 0 || p.kind !== "if" || k === pops.length - 1 || p.incoming.length === 0) return 0;
    const c = plan.snn.populations[k]!.shape[0]!;
    const ok = p.incoming.every((pr) => pr.kind === "conv" && pr.conv!.g.groups === 1 && !(plan.analog && pr.from === 0));
    return ok && plan.snn.populations[k]!.shape.length === 3 && c >= 8 ? c : 0;
  });
  const toHwc = (chw: Float32Array, c: number, out: Float32Array): void => {
    const hw = chw.length / c;
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < hw; i++) out[i * c + ch] = chw[ch * hw + i]!;
  };
  const popRec = i32(pops.length * POP_WORDS);
  const projRec = i32(projs.length * PROJ_WORDS);
  const decays = f64(pops.length);
  const neuron = pops.map((p, k) => (k > 0 && p.kind !== "integrator" ? i32(p.n) : undefined));
  // Incoming projections must be contiguous per population, in network order.
  const order = pops.flatMap((p) => p.incoming.map((pr) => pr.index));
  const slot = new Map(order.map((j, s) => [j, s]));
  const targetOf = (j: number): number => pops.findIndex((p) => p.incoming.some((x) => x.index === j));
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
    } else if (pr.kind === "conv" && hwc[targetOf(pr.index)]! > 0) {
      const g = pr.conv!.g;
      // taps [inC][kH][kW][outC] from w [outC][inC][kH][kW]
      const taps = f32(g.outC * g.inC * g.kH * g.kW);
      const w = pr.conv!.w;
      for (let o = 0; o < g.outC; o++) for (let c = 0; c < g.inC; c++) for (let y = 0; y < g.kH; y++) for (let x = 0; x < g.kW; x++) {
        taps[((c * g.kH + y) * g.kW + x) * g.outC + o] = w[((o * g.inC + c) * g.kH + y) * g.kW + x]!;
      }
      projRec[r + 0] = 4;
      projRec[r + 4] = taps.byteOffset;
      [g.inC, g.inH, g.inW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW, g.groups, g.outH, g.outW].forEach((v, i) => (projRec[r + 5 + i] = v));
    } else if (pr.kind === "conv" && plan.snn.projections[pr.index]!.geometry.kind === "avgpool" && !(plan.analog && pr.from === 0)) {
      // Same gate-geometry record as max-pool: c, ih, iw, oh, ow, kh, kw, sh, sw, ph, pw.
      const g = pr.conv!.g;
      if (g.kH <= g.strideH && g.kW <= g.strideW) {
        // Each input in at most one window: a lookup table replaces the index arithmetic.
        const table = i32(g.inC * g.inH * g.inW).fill(-1);
        for (let c = 0; c < g.inC; c++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
          for (let a = 0; a < g.kH; a++) for (let b = 0; b < g.kW; b++) {
            const y = oy * g.strideH - g.padH + a, x = ox * g.strideW - g.padW + b;
            if (y >= 0 && y < g.inH && x >= 0 && x < g.inW) table[(c * g.inH + y) * g.inW + x] = (c * g.outH + oy) * g.outW + ox;
          }
        }
        projRec[r + 0] = 6;
        projRec[r + 4] = table.byteOffset;
        new Float32Array(projRec.buffer, projRec.byteOffset + (r + 5) * 4, 1)[0] = 1 / (g.kH * g.kW);
      } else {
        projRec[r + 0] = 5;
        [g.inC, g.inH, g.inW, g.outH, g.outW, g.kH, g.kW, g.strideH, g.strideW, g.padH, g.padW].forEach((v, i) => (projRec[r + 5 + i] = v));
      }
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
    let bias = p.biasStep;
    if (bias !== undefined && hwc[k]! > 0) {
      const b = f32(p.n);
      toHwc(bias, hwc[k]!, b);
      bias = b;
    }
    popRec[r + 6] = bias?.byteOffset ?? 0;
    popRec[r + 12] = hwc[k]!;
    popRec[r + 13] = hwc[k]! > 0 ? i32(p.n + hwc[k]!).byteOffset : 0;
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

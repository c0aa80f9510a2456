// Weight-sum scaling of the canonical DAG (PAPERS.md §3, pre-processing 3): every hidden
// neuron's weight sum S_i = Σ_j W_ij over all its inputs is brought into [lo, hi] (hi < 1, so
// J = W/(1 − S) exists) by a positive factor on its row and bias, undone on every reader's
// incoming weights (max pools pass the factor through). ReLU is positively homogeneous, so the
// network's logits do not change. No data, no spikes.

import { chw, inputChannels, type LinearInput, type LinearStage, type Stage } from "./stages.ts";
import { scaleRows } from "./linear.ts";

export interface ScaledChain {
  readonly stages: readonly Stage[];
  /** Per linear stage (in order), how many output channels were rescaled. */
  readonly rescaled: readonly number[];
}

/** Output channels of a linear stage: one weight set each (a vector's channels are its neurons). */
export function weightSets(s: LinearStage): number {
  return chw(s.outShape)[0];
}

/** S per output channel: the sum over all inputs' rows (the whole kernel: padded taps count, they are spikes with x = 0). */
export function weightSums(s: LinearStage): Float64Array {
  const out = new Float64Array(weightSets(s));
  for (const inp of s.inputs) {
    const k = inputChannels(inp);
    const per = inp.weight.length / k;
    for (let o = 0; o < k; o++) {
      let sum = 0;
      for (let j = 0; j < per; j++) sum += inp.weight[o * per + j]!;
      out[inp.offset + o] = out[inp.offset + o]! + sum;
    }
  }
  return out;
}

/** Divides the weights reading source channel c by comp[c] (the source's scale factor). */
function compensate(inp: LinearInput, comp: Float64Array): LinearInput {
  const w = inp.weight.slice();
  const g = inp.geometry;
  if (g.kind === "dense") {
    const outF = inp.weightShape[0]!;
    const inF = inp.weight.length / outF;
    // After a flatten the input is a vector, but the factors are still per channel of the image before it.
    const hw = inF / comp.length;
    if (!Number.isInteger(hw)) throw new Error(`compensate: input reads ${inF} values, not a multiple of ${comp.length} channels`);
    for (let o = 0; o < outF; o++) for (let j = 0; j < inF; j++) w[o * inF + j] = w[o * inF + j]! / comp[Math.floor(j / hw)]!;
  } else if (g.kind === "conv") {
    const [inC] = chw(inp.inShape);
    const outC = inp.weightShape[0]!;
    const icg = inC / g.groups;
    const ocg = outC / g.groups;
    const taps = g.kernel[0] * g.kernel[1];
    for (let oc = 0; oc < outC; oc++) {
      for (let ic = 0; ic < icg; ic++) {
        const f = comp[Math.floor(oc / ocg) * icg + ic]!;
        const base = (oc * icg + ic) * taps;
        for (let t = 0; t < taps; t++) w[base + t] = w[base + t]! / f;
      }
    }
  } else {
    // Weight k covers a run of source elements inside one source channel.
    const k = inp.weight.length;
    for (let o = 0; o < k; o++) w[o] = w[o]! / comp[Math.floor((o * comp.length) / k)]!;
  }
  return { ...inp, weight: w };
}

/** Scales each hidden weight set into [lo, hi] and compensates every reader; the read-out is only compensated. */
export function scaleWeightSums(stages: readonly Stage[], lo: number, hi: number): ScaledChain {
  const out: Stage[] = [];
  const rescaled: number[] = [];
  const comp: (Float64Array | undefined)[] = [];
  const compOf = (src: number): Float64Array | undefined => (src < 0 ? undefined : comp[src]);
  for (const s0 of stages) {
    if (s0.kind === "maxpool") {
      // A positive per-channel factor commutes with max and min: it passes through.
      out.push(s0);
      comp.push(compOf(s0.src));
      continue;
    }
    const inputs = s0.inputs.map((inp) => {
      const c = compOf(inp.src);
      return c === undefined ? { ...inp, weight: inp.weight.slice() } : compensate(inp, c);
    });
    let s: LinearStage = { ...s0, inputs };
    if (!s.relu) {
      out.push(s);
      comp.push(undefined);
      rescaled.push(0);
      continue;
    }
    const sums = weightSums(s);
    const f = new Float64Array(sums.length).fill(1);
    let count = 0;
    for (let o = 0; o < sums.length; o++) {
      const S = sums[o]!;
      if (S > hi) f[o] = hi / S;
      else if (S < lo) f[o] = lo / S;
      if (f[o] !== 1) count++;
    }
    if (count > 0) {
      const bias = s.bias.slice();
      const perB = bias.length / sums.length;
      for (let i = 0; i < bias.length; i++) bias[i] = bias[i]! * f[Math.floor(i / perB)]!;
      s = { ...s, inputs: scaleRows(s.inputs, (c) => f[c]!), bias };
    }
    comp.push(count > 0 ? f : undefined);
    rescaled.push(count);
    out.push(s);
  }
  return { stages: out, rescaled };
}

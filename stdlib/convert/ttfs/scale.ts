// Weight-sum scaling of the canonical chain (PAPERS.md §3, pre-processing 3): every hidden
// neuron's weight sum S_i = Σ_j W_ij is brought into [lo, hi] (hi < 1, so J = W/(1 − S) exists)
// by a positive factor on its row and bias, undone on the next layer's incoming weights.
// ReLU is positively homogeneous, so the network's logits do not change. No data, no spikes.

import { chw, type LinearStage, type Stage } from "./stages.ts";

export interface ScaledChain {
  readonly stages: readonly Stage[];
  /** Per linear stage (in order), how many output channels were rescaled. */
  readonly rescaled: readonly number[];
}

/** Output channels of a linear stage that share one weight set (dense: every neuron). */
export function weightSets(s: LinearStage): number {
  return s.geometry.kind === "dense" ? s.bias.length : s.weightShape[0]!;
}

/** S per weight set: the sum over the whole kernel or row (padded taps count: they are spikes with x = 0). */
export function weightSums(s: LinearStage): Float64Array {
  const sets = weightSets(s);
  const per = s.weight.length / sets;
  const out = new Float64Array(sets);
  for (let o = 0; o < sets; o++) {
    let sum = 0;
    for (let k = 0; k < per; k++) sum += s.weight[o * per + k]!;
    out[o] = sum;
  }
  return out;
}

/** Divides the weights reading input channel c by comp[c] (the previous layer's scale factor). */
function compensate(s: LinearStage, comp: Float64Array): LinearStage {
  const w = s.weight.slice();
  if (s.geometry.kind === "dense") {
    const inF = s.weight.length / s.bias.length;
    // After a flatten the input is a vector, but the factors are still per channel of the image before it.
    const hw = inF / comp.length;
    if (!Number.isInteger(hw)) throw new Error(`compensate: ${s.id} reads ${inF} values, not a multiple of ${comp.length} channels`);
    for (let o = 0; o < s.bias.length; o++) for (let j = 0; j < inF; j++) w[o * inF + j] = w[o * inF + j]! / comp[Math.floor(j / hw)]!;
  } else {
    const [inC] = chw(s.inShape);
    const outC = s.weightShape[0]!;
    const icg = inC / s.geometry.groups;
    const ocg = outC / s.geometry.groups;
    const taps = s.geometry.kernel[0] * s.geometry.kernel[1];
    for (let oc = 0; oc < outC; oc++) {
      for (let ic = 0; ic < icg; ic++) {
        const f = comp[Math.floor(oc / ocg) * icg + ic]!;
        const base = (oc * icg + ic) * taps;
        for (let t = 0; t < taps; t++) w[base + t] = w[base + t]! / f;
      }
    }
  }
  return { ...s, weight: w };
}

/** Scales each hidden weight set into [lo, hi] and compensates downstream; the last stage is only compensated. */
export function scaleWeightSums(stages: readonly Stage[], lo: number, hi: number): ScaledChain {
  const out: Stage[] = [];
  const rescaled: number[] = [];
  let comp: Float64Array | undefined;
  for (const s0 of stages) {
    if (s0.kind === "maxpool") {
      // A positive per-channel factor commutes with max and min: it passes through.
      out.push(s0);
      continue;
    }
    let s = comp === undefined ? { ...s0, weight: s0.weight.slice() } : compensate(s0, comp);
    comp = undefined;
    if (!s.relu) {
      out.push(s);
      rescaled.push(0);
      continue;
    }
    const sums = weightSums(s);
    const sets = sums.length;
    const f = new Float64Array(sets).fill(1);
    let count = 0;
    for (let o = 0; o < sets; o++) {
      const S = sums[o]!;
      if (S > hi) f[o] = hi / S;
      else if (S < lo) f[o] = lo / S;
      if (f[o] !== 1) count++;
    }
    if (count > 0) {
      const w = s.weight;
      const per = w.length / sets;
      for (let o = 0; o < sets; o++) for (let k = 0; k < per; k++) w[o * per + k] = w[o * per + k]! * f[o]!;
      const bias = s.bias.slice();
      const perB = bias.length / sets;
      for (let i = 0; i < bias.length; i++) bias[i] = bias[i]! * f[Math.floor(i / perB)]!;
      s = { ...s, bias };
      comp = f;
    }
    rescaled.push(count);
    out.push(s);
  }
  return { stages: out, rescaled };
}

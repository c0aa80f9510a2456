// X_n: the largest output of each canonical stage over a data slice (PAPERS.md §3, step 4),
// measured with the float32 WASM kernels of stdlib/tensor/ops.ts in batches. X_n only sizes the
// windows B_n = (1 + ζ)·X_n, so float32 (relative error ~1e-6 against a margin ζ = 0.5) is
// plenty; the mapping itself stays float64. It must not know about spikes.

import * as ops from "../../tensor/ops.ts";
import { sizeOf } from "../../tensor/tensor.ts";
import { chw, convOut, type Stage } from "./stages.ts";

const BATCH = 64;

/** Per stage, the largest output value over samples [start, end) of `images` (sample-major CHW, `n` values each). */
export function stageMaxima32(stages: readonly Stage[], images: Float32Array, n: number, start: number, end: number, onBatch?: (done: number) => void): Float64Array {
  const max = new Float64Array(stages.length).fill(-Infinity);
  const w32 = stages.map((s) => (s.kind === "linear" ? Float32Array.from(s.weight) : new Float32Array(0)));
  const b32 = stages.map((s) => (s.kind === "linear" ? Float32Array.from(s.bias) : new Float32Array(0)));
  for (let s0 = start; s0 < end; s0 += BATCH) {
    const b = Math.min(BATCH, end - s0);
    let cur = images.subarray(s0 * n, (s0 + b) * n);
    let shape = stages[0]!.inShape;
    stages.forEach((st, k) => {
      const [c, h, w] = chw(shape);
      const outN = sizeOf(st.outShape);
      const y = new Float32Array(b * outN);
      if (st.kind === "maxpool") {
        // A channel with `latest` takes the minimum: −max(−x).
        const flip = st.latest.some((v) => v === 1);
        const src = flip ? cur.slice() : cur;
        const hw = h * w;
        if (flip) for (let i = 0; i < b; i++) for (let ch = 0; ch < c; ch++) if (st.latest[ch] === 1) for (let j = 0; j < hw; j++) src[(i * c + ch) * hw + j] = -src[(i * c + ch) * hw + j]!;
        const g = ops.pool2dGeometry({ batch: b, channels: c, inH: h, inW: w, kernel: st.kernel, stride: st.stride, padding: st.padding });
        ops.maxPool2dForward(g, src, y);
        const ohw = g.outH * g.outW;
        if (flip) for (let i = 0; i < b; i++) for (let ch = 0; ch < c; ch++) if (st.latest[ch] === 1) for (let j = 0; j < ohw; j++) y[(i * c + ch) * ohw + j] = -y[(i * c + ch) * ohw + j]!;
      } else {
        if (st.geometry.kind === "dense") ops.denseForward(b, c * h * w, outN, cur, w32[k]!, null, y);
        else {
          const outC = st.weightShape[0]!;
          const [, oh, ow] = convOut(shape, outC, st.geometry);
          const g = ops.conv2dGeometry({ batch: b, inC: c, inH: h, inW: w, outC, kernel: st.geometry.kernel, stride: st.geometry.stride, padding: st.geometry.padding, groups: st.geometry.groups });
          if (g.outH !== oh || g.outW !== ow) throw new Error(`stageMaxima32: ${st.id} geometry mismatch`);
          ops.conv2dForward(g, cur, w32[k]!, null, y);
        }
        // Biases are per neuron (zero padding makes folded biases position-dependent).
        const bias = b32[k]!;
        for (let i = 0; i < b; i++) {
          const o = i * outN;
          for (let j = 0; j < outN; j++) {
            const v = y[o + j]! + bias[j]!;
            y[o + j] = st.relu && v < 0 ? 0 : v;
          }
        }
      }
      let m = max[k]!;
      for (let j = 0; j < y.length; j++) if (y[j]! > m) m = y[j]!;
      max[k] = m;
      cur = y;
      shape = st.outShape;
    });
    onBatch?.(s0 + b - start);
  }
  return max;
}

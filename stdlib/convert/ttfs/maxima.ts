// X_n: the largest output of each canonical stage over a data slice (PAPERS.md §3, step 4),
// measured with the float32 WASM kernels of stdlib/tensor/ops.ts in batches over the stage DAG.
// X_n only sizes the windows B_n = (1 + ζ)·X_n, so float32 (relative error ~1e-6 against a
// margin ζ = 0.5) is plenty; the mapping itself stays float64. It must not know about spikes.

import * as ops from "../../tensor/ops.ts";
import { sizeOf } from "../../tensor/tensor.ts";
import { chw, convOut, coversAll, inputChannels, type LinearInput, type PoolStage, type Stage } from "./stages.ts";

const BATCH = 64;

/** y (b samples of outN values) += one input's contribution over a batch of `b`, through `tmp`. */
function addInput32(inp: LinearInput, w: Float32Array, x: Float32Array, b: number, outShape: readonly number[], y: Float32Array, direct: boolean): void {
  const [, oh, ow] = chw(outShape);
  const hw = oh * ow;
  const outN = sizeOf(outShape);
  const inN = sizeOf(inp.inShape);
  const k = inputChannels(inp);
  const g = inp.geometry;
  if (g.kind === "identity") {
    const per = inN / k;
    const base = inp.offset * hw;
    for (let i = 0; i < b; i++) for (let j = 0; j < inN; j++) y[i * outN + base + j] = y[i * outN + base + j]! + w[Math.floor(j / per)]! * x[i * inN + j]!;
    return;
  }
  const n = k * hw;
  const t = direct ? y : new Float32Array(b * n);
  if (g.kind === "dense") ops.denseForward(b, inN, k, x, w, null, t);
  else {
    const [c, h, wd] = chw(inp.inShape);
    const geo = ops.conv2dGeometry({ batch: b, inC: c, inH: h, inW: wd, outC: k, kernel: g.kernel, stride: g.stride, padding: g.padding, groups: g.groups });
    const [, eh, ew] = convOut(inp.inShape, k, g);
    if (geo.outH !== eh || geo.outW !== ew) throw new Error("stageMaxima32: conv geometry mismatch");
    ops.conv2dForward(geo, x, w, null, t);
  }
  if (direct) return;
  const base = inp.offset * hw;
  for (let i = 0; i < b; i++) for (let j = 0; j < n; j++) y[i * outN + base + j] = y[i * outN + base + j]! + t[i * n + j]!;
}

/** Max pooling of a batch (a channel with `latest` takes the minimum: −max(−x)). */
function pool32(st: PoolStage, x: Float32Array, b: number, y: Float32Array): void {
  const [c, h, w] = chw(st.inShape);
  const flip = st.latest.some((v) => v === 1);
  const src = flip ? x.slice() : x;
  const hw = h * w;
  if (flip) for (let i = 0; i < b; i++) for (let ch = 0; ch < c; ch++) if (st.latest[ch] === 1) for (let j = 0; j < hw; j++) src[(i * c + ch) * hw + j] = -src[(i * c + ch) * hw + j]!;
  const g = ops.pool2dGeometry({ batch: b, channels: c, inH: h, inW: w, kernel: st.kernel, stride: st.stride, padding: st.padding });
  ops.maxPool2dForward(g, src, y);
  const ohw = g.outH * g.outW;
  if (flip) for (let i = 0; i < b; i++) for (let ch = 0; ch < c; ch++) if (st.latest[ch] === 1) for (let j = 0; j < ohw; j++) y[(i * c + ch) * ohw + j] = -y[(i * c + ch) * ohw + j]!;
}

/** Per stage, the largest output value over samples [start, end) of `images` (sample-major CHW, `n` values each). */
export function stageMaxima32(stages: readonly Stage[], images: Float32Array, n: number, start: number, end: number, onBatch?: (done: number) => void): Float64Array {
  const max = new Float64Array(stages.length).fill(-Infinity);
  const w32 = stages.map((s) => (s.kind === "linear" ? s.inputs.map((i) => Float32Array.from(i.weight)) : []));
  const b32 = stages.map((s) => (s.kind === "linear" ? Float32Array.from(s.bias) : new Float32Array(0)));
  for (let s0 = start; s0 < end; s0 += BATCH) {
    const b = Math.min(BATCH, end - s0);
    const x = images.subarray(s0 * n, (s0 + b) * n);
    const outs: Float32Array[] = [];
    const read = (src: number): Float32Array => (src < 0 ? x : outs[src]!);
    stages.forEach((st, k) => {
      const outN = sizeOf(st.outShape);
      const y = new Float32Array(b * outN);
      if (st.kind === "maxpool") pool32(st, read(st.src), b, y);
      else {
        const direct = st.inputs.length === 1 && coversAll(st.inputs[0]!, st.outShape);
        st.inputs.forEach((inp, q) => addInput32(inp, w32[k]![q]!, read(inp.src), b, st.outShape, y, direct));
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
      outs.push(y);
    });
    onBatch?.(s0 + b - start);
  }
  return max;
}

// The source ANN's own predictions on the samples a TTFS run covers, through stdlib/ann (an
// independent code path from the conversion). The float32 forward (as the network is deployed)
// runs on every sample; the float64 forward decides wherever float32 could be wrong — a close
// call between the top two logits — or disagrees with the spiking network. It must not know
// about spikes.

import { forward, forward64 } from "../../ann/forward.ts";
import type { Network } from "../../ir/network.ts";
import { argmax } from "../../convert/ttfs/stages.ts";

export interface AnnPredictions {
  /** The ANN in float64 (float32 where that cannot differ: the top logit ahead by more than CLOSE). */
  readonly float64: Int32Array;
  readonly float32: Int32Array;
  /** Samples the float64 forward was run on. */
  readonly checked: number;
}

/** A top-two gap below this (relative to the largest |logit|, at least 1) sends a sample to float64; float32 logits are good to ~1e-6. */
export const CLOSE = 1e-3;

export function annPredictions(net: Network, images: Float32Array, count: number, inputRange: readonly [number, number], snn?: Int32Array): AnnPredictions {
  const inShape = net.nodes[0]!.shape;
  const n = images.length / Math.max(1, count);
  const [p, q] = inputRange;
  const identity = p === 0 && q === 1;
  const y32 = forward(net, { shape: [count, ...inShape], data: identity ? images : Float32Array.from(images, (u) => p + (q - p) * u) });
  const classes = y32.data.length / Math.max(1, count);
  const float32 = new Int32Array(count);
  const float64 = new Int32Array(count);
  const close: number[] = [];
  for (let i = 0; i < count; i++) {
    const best = argmax(y32.data, i * classes, classes);
    float32[i] = best;
    float64[i] = best;
    let second = -Infinity, scale = 1;
    for (let c = 0; c < classes; c++) {
      const v = y32.data[i * classes + c]!;
      scale = Math.max(scale, Math.abs(v));
      if (c !== best && v > second) second = v;
    }
    if (y32.data[i * classes + best]! - second < CLOSE * scale || (snn !== undefined && snn[i] !== best)) close.push(i);
  }
  if (close.length > 0) {
    // float64 maps the images exactly as the conversion folded the input range.
    const x = new Float64Array(close.length * n);
    close.forEach((s, k) => {
      for (let j = 0; j < n; j++) x[k * n + j] = p + (q - p) * images[s * n + j]!;
    });
    const y64 = forward64(net, { shape: [close.length, ...inShape], data: x });
    close.forEach((s, k) => {
      float64[s] = argmax(y64.data, k * classes, classes);
    });
  }
  return { float64, float32, checked: close.length };
}

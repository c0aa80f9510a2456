// The source ANN's own predictions on the samples a TTFS run covers, through stdlib/ann (an
// independent code path from the conversion): float64 for the exactness claim, float32 as the
// network is deployed. Images are mapped to the range the ANN expects (input_range [p, q]).
// It must not know about spikes.

import { forward, forward64 } from "../../ann/forward.ts";
import type { Network } from "../../ir/network.ts";
import { argmax } from "../../convert/ttfs/stages.ts";

export interface AnnPredictions {
  readonly float64: Int32Array;
  readonly float32: Int32Array;
}

export function annPredictions(net: Network, images: Float32Array, count: number, inputRange: readonly [number, number]): AnnPredictions {
  const shape = [count, ...net.nodes[0]!.shape];
  const [p, q] = inputRange;
  const identity = p === 0 && q === 1;
  // float64 maps exactly as the conversion folded it; float32 as a user would feed the network.
  const y64 = forward64(net, { shape, data: identity ? images : Float64Array.from(images, (u) => p + (q - p) * u) });
  const y32 = forward(net, { shape, data: identity ? images : Float32Array.from(images, (u) => p + (q - p) * u) });
  const classes = y64.data.length / count;
  const float64 = new Int32Array(count);
  const float32 = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    float64[i] = argmax(y64.data, i * classes, classes);
    float32[i] = argmax(y32.data, i * classes, classes);
  }
  return { float64, float32 };
}

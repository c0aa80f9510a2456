// Small random ReLU networks for the exact-TTFS tests: every parameter random (biases, batch-norm
// statistics with some negative scales), so folding, padding and pooling paths are all exercised.
import { avgpool, batchnorm, conv, dense, dropout, maxpool, sequential, type Layer } from "../../stdlib/ann/sequential.ts";
import { initialize } from "../../stdlib/ann/init.ts";
import { Rng } from "../../stdlib/data/rng.ts";
import type { Dataset } from "../../stdlib/data/dataset.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import type { Tensor } from "../../stdlib/tensor/tensor.ts";

/** A copy of `net` with He-initialised weights and random biases and batch-norm statistics. */
export function randomNet(net: Network, seed: number): Network {
  const init = initialize(net, { seed });
  const rng = new Rng(seed + 1000);
  return {
    ...init,
    nodes: init.nodes.map((n) => {
      const params: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(n.params)) {
        const d = t.data.slice();
        for (let i = 0; i < d.length; i++) {
          if (k === "bias") d[i] = 0.1 * rng.normal();
          else if (k === "gamma") d[i] = rng.normal();
          else if (k === "beta") d[i] = 0.2 * rng.normal();
          else if (k === "mean") d[i] = 0.3 * rng.normal();
          else if (k === "var") d[i] = 0.5 + rng.uniform();
        }
        params[k] = { shape: t.shape, data: d };
      }
      return { ...n, params };
    }),
  };
}

export const MLP: readonly Layer[] = [dense(40), "relu", dense(30), "relu", dense(5)];

/** Every folding path: BN after ReLU into a padded conv, avg pool with padding, BN before a max pool and after it, strides, dropout, softmax. */
export const CNN: readonly Layer[] = [
  conv(4, 3, { pad: 1 }), "relu", batchnorm(), avgpool(3, { stride: 2, pad: 1 }),
  conv(6, 3, { pad: 1 }), maxpool(2), batchnorm(), "relu", batchnorm(), maxpool(2, { stride: 1 }),
  conv(5, 3, { stride: 2, pad: 1 }), "relu",
  "flatten", batchnorm(), dropout(0.5), dense(20), "relu", dense(5), "softmax",
];

export function mlp(seed: number): Network {
  return randomNet(sequential("mlp", [144], MLP), seed);
}

export function cnn(seed: number): Network {
  return randomNet(sequential("cnn", [1, 12, 12], CNN), seed);
}

/** A dataset object from explicit samples (values in [0, 1]). */
export function samples(values: readonly (readonly number[])[], shape: readonly [number, number, number]): Dataset {
  return {
    name: "hand",
    split: "train",
    shape,
    count: values.length,
    images: Float32Array.from(values.flat()),
    labels: new Uint8Array(values.length),
    classes: ["a", "b"],
    offset: 0,
  };
}

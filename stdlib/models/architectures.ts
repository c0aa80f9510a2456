// The stdlib's trained MNIST networks: architecture and training recipe of each, in one table
// that `npm run train-models` follows and the model cards repeat. Weights live beside this file
// (NAME.spikelab + NAME.card.json). It must not train or read files itself.

import type { Network } from "../ir/network.ts";
import { avgpool, batchnorm, conv, dense, maxpool, sequential, type Layer } from "../ann/sequential.ts";
import type { TrainOptions } from "../ann/train.ts";

export interface ModelRecipe {
  readonly name: string;
  readonly description: string;
  /** One line per layer, for the card. */
  readonly architecture: string;
  readonly build: () => Network;
  readonly train: Omit<TrainOptions, "validation">;
  /** The accuracy on all 10,000 MNIST test images the model must reach (the bar), if any. */
  readonly minTestAccuracy?: number;
}

const MNIST: readonly [number, number, number] = [1, 28, 28];

function lenet(act: "relu" | "silu", pool: "avg" | "max", bn: boolean): Layer[] {
  const p = pool === "avg" ? avgpool(2) : maxpool(2);
  const norm = (): Layer[] => (bn ? [batchnorm()] : []);
  return [
    conv(6, 5, { pad: 2 }), ...norm(), act, p,
    conv(16, 5), ...norm(), act, pool === "avg" ? avgpool(2) : maxpool(2),
    "flatten",
    dense(120), ...norm(), act,
    dense(84), ...norm(), act,
    dense(10),
  ];
}

const LENET_TRAIN = { epochs: 15, batch: 64, optimizer: "adam", lr: 1e-3, schedule: "cosine", seed: 1 } as const;
const MLP_TRAIN = { epochs: 15, batch: 64, optimizer: "adam", lr: 1e-3, schedule: "cosine", seed: 1 } as const;

export const RECIPES: readonly ModelRecipe[] = [
  {
    name: "mlp",
    description: "784-300-100-10 ReLU MLP (LeCun et al. 1998's classic fully connected net).",
    architecture: "input 1x28x28 → flatten → dense 300 → relu → dense 100 → relu → dense 10",
    build: () => sequential("mlp", MNIST, ["flatten", dense(300), "relu", dense(100), "relu", dense(10)]),
    train: MLP_TRAIN,
    minTestAccuracy: 0.978,
  },
  {
    name: "mlp600",
    description: "784-600-10 ReLU MLP: the exact-TTFS paper's reference network (Stanojevic et al. 2022).",
    architecture: "input 1x28x28 → flatten → dense 600 → relu → dense 10",
    build: () => sequential("mlp600", MNIST, ["flatten", dense(600), "relu", dense(10)]),
    train: MLP_TRAIN,
  },
  {
    name: "lenet_avg",
    description: "LeNet-5 style CNN with average pooling and no batch norm (the rate-conversion papers' kind of net).",
    architecture: "input 1x28x28 → conv 6@5x5 pad 2 → relu → avgpool 2 → conv 16@5x5 → relu → avgpool 2 → flatten → dense 120 → relu → dense 84 → relu → dense 10",
    build: () => sequential("lenet_avg", MNIST, lenet("relu", "avg", false)),
    train: LENET_TRAIN,
    minTestAccuracy: 0.99,
  },
  {
    name: "lenet_bn_max",
    description: "The same LeNet with batch norm before every ReLU and max pooling (for BN folding and spiking max-pool).",
    architecture: "input 1x28x28 → conv 6@5x5 pad 2 → batchnorm → relu → maxpool 2 → conv 16@5x5 → batchnorm → relu → maxpool 2 → flatten → dense 120 → batchnorm → relu → dense 84 → batchnorm → relu → dense 10",
    build: () => sequential("lenet_bn_max", MNIST, lenet("relu", "max", true)),
    train: LENET_TRAIN,
    minTestAccuracy: 0.99,
  },
  {
    name: "lenet_silu",
    description: "The LeNet with average pooling and SiLU (swish) activations, for AMOS gate fitting.",
    architecture: "input 1x28x28 → conv 6@5x5 pad 2 → silu → avgpool 2 → conv 16@5x5 → silu → avgpool 2 → flatten → dense 120 → silu → dense 84 → silu → dense 10",
    build: () => sequential("lenet_silu", MNIST, lenet("silu", "avg", false)),
    train: LENET_TRAIN,
  },
];

export function recipe(name: string): ModelRecipe | undefined {
  return RECIPES.find((r) => r.name === name);
}

// The trained stdlib networks as the rest of spikelab sees them: a list of model cards and
// `loadStdlibModel(name)` (cached per process). Files: stdlib/models/NAME.spikelab (weights)
// and NAME.card.json (how it was trained, what it scores). It must not train anything.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SpikelabError } from "../errors.ts";
import type { Network } from "../ir/network.ts";
import { loadNetwork } from "../io/netfile.ts";
import { RECIPES } from "./architectures.ts";

export interface ModelCard {
  readonly name: string;
  readonly description: string;
  readonly architecture: string;
  readonly data: { readonly train: string; readonly test: string };
  readonly parameters: number;
  /** ANN operations per sample (2 per MAC + 1 per biased neuron). */
  readonly annOps: number;
  readonly epochs: number;
  readonly batch: number;
  readonly seed: number;
  readonly optimizer: { readonly kind: string; readonly lr: number; readonly schedule: string; readonly weightDecay: number };
  readonly init: string;
  readonly history: readonly { readonly epoch: number; readonly loss: number; readonly accuracy: number; readonly seconds: number }[];
  /** On all 10,000 MNIST test images. */
  readonly testAccuracy: number;
  readonly testCorrect: number;
  /** Every misclassified test image: [index, predicted class]; with the labels this fixes all predictions. */
  readonly testErrors: readonly (readonly [number, number])[];
  /** The slice `npm test` re-evaluates, and its accuracy. */
  readonly slice: { readonly start: number; readonly end: number; readonly accuracy: number; readonly correct: number };
  readonly trainingSeconds: number;
  readonly file: string;
  readonly bytes: number;
  readonly trainedWith: { readonly node: string; readonly cpu: string; readonly date: string };
}

/** The folder holding the weight files and cards. */
export const MODELS_DIR = fileURLToPath(new URL(".", import.meta.url));

export const weightFile = (name: string): string => join(MODELS_DIR, `${name}.spikelab`);
export const cardFile = (name: string): string => join(MODELS_DIR, `${name}.card.json`);

/** Cards of every trained stdlib model, in the recipes' order. */
export function listStdlibModels(): ModelCard[] {
  const names = new Set(readdirSync(MODELS_DIR).filter((f) => f.endsWith(".card.json")).map((f) => f.slice(0, -".card.json".length)));
  const order = RECIPES.map((r) => r.name).filter((n) => names.has(n));
  for (const n of [...names].sort()) if (!order.includes(n)) order.push(n);
  return order.map(readCard);
}

export function readCard(name: string): ModelCard {
  const file = cardFile(name);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ModelCard;
  } catch (e) {
    throw new SpikelabError("io", `${file}: cannot read the model card (${(e as Error).message})`, { hint: "run `npm run train-models` to write it again" });
  }
}

const loaded = new Map<string, { network: Network; card: ModelCard }>();

/** A trained stdlib network by name, with its card. The network is shared: treat it as read-only. */
export function loadStdlibModel(name: string): { network: Network; card: ModelCard } {
  const hit = loaded.get(name);
  if (hit) return hit;
  const known = RECIPES.map((r) => r.name);
  if (!known.includes(name) && !existsSync(cardFile(name))) {
    throw new SpikelabError("name", `no stdlib model '${name}'`, { hint: `the stdlib models are: ${known.join(", ")}` });
  }
  if (!existsSync(weightFile(name))) {
    throw new SpikelabError("io", `${weightFile(name)}: the stdlib model '${name}' has not been trained`, { hint: "run `npm run train-models`" });
  }
  const { network } = loadNetwork(weightFile(name));
  const r = { network, card: readCard(name) };
  loaded.set(name, r);
  return r;
}

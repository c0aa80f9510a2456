// `npm run train-models [-- NAME ...]`: trains the stdlib networks of architectures.ts with this
// engine on MNIST's 60,000 training images, scores them on all 10,000 test images, and writes
// NAME.spikelab + NAME.card.json beside this file. Long: run it with `nice`, in the background.

import { cpus } from "node:os";
import { statSync, writeFileSync } from "node:fs";
import { mnist } from "../data/mnist.ts";
import { slice } from "../data/dataset.ts";
import { paramCount } from "../ir/shapes.ts";
import { evaluate } from "../ann/evaluate.ts";
import { annOps } from "../ann/opcount.ts";
import { train } from "../ann/train.ts";
import { saveNetwork } from "../io/netfile.ts";
import { RECIPES, type ModelRecipe } from "./architectures.ts";
import { cardFile, weightFile, type ModelCard } from "./registry.ts";

/** The slice `npm test` re-evaluates (the full set is `npm run verify`'s). */
export const TEST_SLICE = { start: 0, end: 1000 } as const;

async function trainOne(r: ModelRecipe): Promise<ModelCard> {
  const trainSet = mnist("train");
  const testSet = mnist("test");
  const o = r.train;
  process.stderr.write(`${r.name}: ${r.architecture}\n`);
  const result = await train(r.build(), trainSet, o, {
    progress: (p) => {
      if (Number.isInteger(p.done)) process.stderr.write(`  epoch ${p.done}/${p.total}: loss ${p.figures?.loss?.toFixed(4)}, train accuracy ${((p.figures?.accuracy ?? 0) * 100).toFixed(2)} %\n`);
    },
  });
  const net = result.network;
  const ev = await evaluate(net, testSet);
  const errors: [number, number][] = [];
  for (let i = 0; i < ev.count; i++) if (ev.predictions[i] !== testSet.labels[i]) errors.push([i, ev.predictions[i]!]);
  const sl = await evaluate(net, slice(testSet, TEST_SLICE.start, TEST_SLICE.end));
  const file = weightFile(r.name);
  const card: Omit<ModelCard, "bytes"> = {
    name: r.name,
    description: r.description,
    architecture: r.architecture,
    data: { train: "mnist.train (all 60,000 images, pixels in [0, 1], no augmentation)", test: "mnist.test (all 10,000 images)" },
    parameters: paramCount(net),
    annOps: annOps(net),
    epochs: o.epochs,
    batch: o.batch ?? 64,
    seed: o.seed ?? 0,
    optimizer: { kind: o.optimizer ?? "adam", lr: o.lr ?? 1e-3, schedule: o.schedule ?? "constant", weightDecay: o.weightDecay ?? 0 },
    init: "He normal for layers feeding a ReLU, Glorot uniform otherwise; zero biases",
    history: result.history.map((h) => ({ epoch: h.epoch, loss: h.loss, accuracy: h.accuracy, seconds: h.seconds })),
    testAccuracy: ev.accuracy,
    testCorrect: ev.correct,
    testErrors: errors,
    slice: { start: TEST_SLICE.start, end: TEST_SLICE.end, accuracy: sl.accuracy, correct: sl.correct },
    trainingSeconds: result.seconds,
    file: `${r.name}.spikelab`,
    trainedWith: { node: process.version, cpu: cpus()[0]?.model ?? "unknown", date: new Date().toISOString() },
  };
  saveNetwork(file, net, { card: r.name, testAccuracy: ev.accuracy, epochs: o.epochs, seed: o.seed ?? 0 });
  const full: ModelCard = { ...card, bytes: statSync(file).size };
  writeFileSync(cardFile(r.name), JSON.stringify(full, null, 2) + "\n");
  process.stderr.write(`${r.name}: test accuracy ${(ev.accuracy * 100).toFixed(2)} % (${ev.correct}/10000), ${result.seconds.toFixed(0)} s, ${full.bytes} bytes\n`);
  return full;
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !RECIPES.some((r) => r.name === n));
if (unknown.length > 0) {
  console.error(`unknown model(s): ${unknown.join(", ")}; the stdlib models are: ${RECIPES.map((r) => r.name).join(", ")}`);
  process.exit(2);
}
let short = 0;
for (const r of RECIPES.filter((x) => wanted.length === 0 || wanted.includes(x.name))) {
  const card = await trainOne(r);
  if (r.minTestAccuracy !== undefined && card.testAccuracy < r.minTestAccuracy) {
    console.error(`${r.name}: ${(card.testAccuracy * 100).toFixed(2)} % is below the required ${(r.minTestAccuracy * 100).toFixed(1)} %`);
    short++;
  }
}
process.exit(short > 0 ? 1 : 0);

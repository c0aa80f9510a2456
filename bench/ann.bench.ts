// ANN figures of issue 3: LeNet inference images/s on the 10,000 MNIST test images in this
// thread and over 2 workers, seconds per LeNet training epoch on all 60,000 training images,
// MNIST load time, and the process's peak RSS. Best of several runs (the cores are shared).
import { mnist } from "../stdlib/data/mnist.ts";
import { clearDatasetCache } from "../stdlib/data/store.ts";
import type { Network } from "../stdlib/ir/network.ts";
import { predict } from "../stdlib/ann/evaluate.ts";
import { train } from "../stdlib/ann/train.ts";
import { initialize } from "../stdlib/ann/init.ts";
import { createPool } from "../stdlib/tensor/pool.ts";
import { recipe } from "../stdlib/models/architectures.ts";
import { loadStdlibModel } from "../stdlib/models/registry.ts";

async function best(runs: number, f: () => Promise<unknown>): Promise<number> {
  let t = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    t = Math.min(t, (performance.now() - t0) / 1000);
  }
  return t;
}

function lenet(): Network {
  try {
    return loadStdlibModel("lenet_avg").network;
  } catch {
    return initialize(recipe("lenet_avg")!.build(), { seed: 1 });
  }
}

export default async (): Promise<Record<string, number>> => {
  clearDatasetCache();
  const t0 = performance.now();
  const test = mnist("test");
  const trainSet = mnist("train");
  const loadMs = performance.now() - t0;
  const net = lenet();
  await predict(net, test); // warm-up: JIT and kernel memory
  const one = await best(3, () => predict(net, test));
  const pool = createPool(2);
  let two: number;
  try {
    await predict(net, test, { pool });
    two = await best(3, () => predict(net, test, { pool }));
  } finally {
    await pool.close();
  }
  const r = await train(recipe("lenet_avg")!.build(), trainSet, { epochs: 1, batch: 64, optimizer: "adam", lr: 1e-3, seed: 1 });
  return {
    mnist_load_train_and_test_ms: Math.round(loadMs),
    lenet_infer_images_per_s_1_worker: Math.round(test.count / one),
    lenet_infer_images_per_s_2_workers: Math.round(test.count / two),
    lenet_train_s_per_epoch: +r.seconds.toFixed(1),
    ann_peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
};

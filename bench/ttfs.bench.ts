// Exact-TTFS figures of issue 4: the LeNet (average pooling) simulated on all 10,000 MNIST test
// images with 1 and 2 workers (images/s, synaptic operations/s), against the same network's ANN
// inference (float32 predict) measured the same way here, best of several runs (the cores are shared).
// Also the PyTorch residual network (test/fixtures/onnx/residual.onnx: a join layer and a relay
// population), the same way.
import { predict } from "../stdlib/ann/evaluate.ts";
import { initialize } from "../stdlib/ann/init.ts";
import { slice } from "../stdlib/data/dataset.ts";
import { mnist } from "../stdlib/data/mnist.ts";
import type { Network } from "../stdlib/ir/network.ts";
import { ruleSet } from "../stdlib/ir/rules.ts";
import { recipe } from "../stdlib/models/architectures.ts";
import { loadStdlibModel } from "../stdlib/models/registry.ts";
import { loadOnnx } from "../stdlib/io/onnx.ts";
import { createPool, type WorkerPool } from "../stdlib/tensor/pool.ts";
import { ttfsSchema } from "../stdlib/convert/ttfs/schema.ts";
import { convertTtfs } from "../stdlib/convert/ttfs/convert.ts";
import { simulateTtfs } from "../stdlib/sim/ttfs/simulate.ts";

async function best(runs: number, f: () => Promise<unknown>): Promise<number> {
  let t = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    t = Math.min(t, (performance.now() - t0) / 1000);
  }
  return t;
}

function lenet(): { net: Network; trained: boolean } {
  try {
    return { net: loadStdlibModel("lenet_avg").network, trained: true };
  } catch {
    return { net: initialize(recipe("lenet_avg")!.build(), { seed: 1 }), trained: false };
  }
}

export default async (): Promise<Record<string, number>> => {
  const test = mnist("test");
  const { net, trained } = lenet();
  const snn = await convertTtfs(net, ruleSet(ttfsSchema, "stanojevic2022"), slice(mnist("train"), 0, 10000));
  // The simulation alone (ann: false); the same with the ANN run for agreement is reported too.
  const sim = (pool?: WorkerPool, ann = false) => simulateTtfs(snn, test, { check: false, ann, record: [0, 0], ...(pool ? {} : { workers: 1 }) }, pool ? { pool } : {});
  const first = await sim(undefined, true); // warm-up: JIT, kernel memory, the conv kernels' choice
  const ttfs1 = await best(3, () => sim());
  const ttfs1ann = await best(2, () => sim(undefined, true));
  const ann1 = await best(3, () => predict(net, test));
  const pool = createPool(2);
  let ttfs2: number, ann2: number;
  try {
    await sim(pool);
    ttfs2 = await best(3, () => sim(pool));
    await predict(net, test, { pool });
    ann2 = await best(3, () => predict(net, test, { pool }));
  } finally {
    await pool.close();
  }
  const ips = (s: number): number => Math.round(test.count / s);
  // The residual network: speed through a join and a relay population.
  const res = loadOnnx(new URL("../test/fixtures/onnx/residual.onnx", import.meta.url).pathname, { name: "residual" });
  const resSnn = await convertTtfs(res, ruleSet(ttfsSchema, "stanojevic2022"), slice(mnist("train"), 0, 10000));
  const resSim = (pool?: WorkerPool) => simulateTtfs(resSnn, test, { check: false, ann: false, record: [0, 0], ...(pool ? {} : { workers: 1 }) }, pool ? { pool } : {});
  const resFirst = await simulateTtfs(resSnn, test, { check: false, record: [0, 0], workers: 1 });
  const res1 = await best(3, () => resSim());
  const resAnn1 = await best(3, () => predict(res, test));
  const pool2 = createPool(2);
  let res2: number;
  try {
    await resSim(pool2);
    res2 = await best(3, () => resSim(pool2));
  } finally {
    await pool2.close();
  }
  return {
    ttfs_lenet_trained_weights: trained ? 1 : 0,
    ttfs_lenet_images_per_s_1_worker: ips(ttfs1),
    ttfs_lenet_images_per_s_2_workers: ips(ttfs2),
    ttfs_lenet_images_per_s_1_worker_with_ann_agreement: ips(ttfs1ann),
    ttfs_lenet_synaptic_ops_per_s_1_worker: Math.round(first.synapticOpsTotal * ips(ttfs1)),
    ttfs_lenet_synaptic_ops_per_s_2_workers: Math.round(first.synapticOpsTotal * ips(ttfs2)),
    ttfs_lenet_synaptic_ops_per_image: first.synapticOpsTotal,
    ttfs_lenet_ann_images_per_s_1_worker: ips(ann1),
    ttfs_lenet_ann_images_per_s_2_workers: ips(ann2),
    ttfs_lenet_speed_vs_ann_1_worker: +(ann1 / ttfs1).toFixed(3),
    ttfs_lenet_speed_vs_ann_2_workers: +(ann2 / ttfs2).toFixed(3),
    ttfs_lenet_agreement: first.agreement,
    ttfs_residual_images_per_s_1_worker: ips(res1),
    ttfs_residual_images_per_s_2_workers: ips(res2),
    ttfs_residual_ann_images_per_s_1_worker: ips(resAnn1),
    ttfs_residual_speed_vs_ann_1_worker: +(resAnn1 / res1).toFixed(3),
    ttfs_residual_synaptic_ops_per_image: resFirst.synapticOpsTotal,
    ttfs_residual_agreement: resFirst.agreement,
  };
};

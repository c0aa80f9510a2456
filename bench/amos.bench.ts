// AMOS / FS speed: fitting time per gate and K (the schema's default settings: 100,000-point grid,
// 16 restarts, 2,000 Adam steps; the cache is bypassed), and network simulation images/s for the
// stdlib LeNet with AMOS-ReLU K = 10 on 2,000 MNIST test images, in one thread and on 2 workers.
import { slice } from "../stdlib/data/dataset.ts";
import { mnist } from "../stdlib/data/mnist.ts";
import { convertAmos } from "../stdlib/convert/amos/convert.ts";
import { fitCircuit } from "../stdlib/convert/amos/fit.ts";
import { gate } from "../stdlib/convert/amos/gates.ts";
import { amosSchema } from "../stdlib/convert/amos/schema.ts";
import { ruleSet } from "../stdlib/ir/rules.ts";
import { loadStdlibModel } from "../stdlib/models/registry.ts";
import { simulateAmos } from "../stdlib/sim/amos/simulate.ts";
import { createPool } from "../stdlib/tensor/pool.ts";

const FITS: readonly { gate: "sigmoid" | "silu"; range: [number, number]; K: number }[] = [
  { gate: "sigmoid", range: [-10, 10], K: 4 },
  { gate: "sigmoid", range: [-10, 10], K: 8 },
  { gate: "sigmoid", range: [-10, 10], K: 12 },
  { gate: "silu", range: [-8, 12], K: 8 },
  { gate: "silu", range: [-8, 12], K: 16 },
];

export default async (): Promise<Record<string, number>> => {
  const out: Record<string, number> = {};
  const d = amosSchema.params;
  const def = (name: string): number => d.find((p) => p.name === name)!.default as number;
  for (const f of FITS) {
    const r = await fitCircuit(gate({ kind: f.gate }), { K: f.K, range: f.range, points: def("fit_points"), restarts: def("fit_restarts"), iterations: def("fit_iterations"), lr: def("fit_lr"), seed: 1 });
    out[`amos_fit_${f.gate}_K${f.K}_seconds`] = Number(r.seconds.toFixed(2));
    out[`amos_fit_${f.gate}_K${f.K}_mse`] = r.mse;
  }

  const net = loadStdlibModel("lenet_avg").network;
  const rules = ruleSet(amosSchema, "bench", { K: 10, calib_data: { kind: "data", dataset: "mnist", split: "train", start: 0, end: 10000 } });
  const snn = await convertAmos(net, rules);
  const data = slice(mnist("test"), 0, 2000);
  await simulateAmos(snn, slice(data, 0, 200), { workers: 1 }); // warm up the kernels
  let t0 = performance.now();
  const r1 = await simulateAmos(snn, data, { workers: 1 });
  out.amos_lenet_K10_images_per_s_1thread = Math.round(data.count / ((performance.now() - t0) / 1000));
  const pool = createPool(2);
  try {
    await simulateAmos(snn, slice(data, 0, 400), { workers: 2 }, { pool }); // start the workers and load their modules
    t0 = performance.now();
    await simulateAmos(snn, data, { workers: 2 }, { pool });
    out.amos_lenet_K10_images_per_s_2workers = Math.round(data.count / ((performance.now() - t0) / 1000));
  } finally {
    await pool.close();
  }
  out.amos_lenet_K10_spikes_per_image = Math.round(Number(r1.info.spikes_per_image));
  out.amos_lenet_K10_synaptic_ops_per_image = Math.round(r1.synapticOpsTotal);
  return out;
};

// Issue 8's acceptance run (npm run verify interop): the PyTorch-made ONNX models reach, on all
// 10,000 MNIST test images, the ANN accuracy PyTorch recorded in models.json (within 5 images:
// float32 sums in another order may flip near-ties), agree with onnxruntime on 1,000 images, and
// convert with all three families: rate (10,000 images, 100 steps), exact TTFS (10,000 images,
// 100 % agreement required; the residual add as a join layer with its shortcut relayed; decoded
// activations checked on 100) and AMOS (1,000). Throws when a bound fails.

import { readFileSync } from "node:fs";
import { evaluate } from "../../stdlib/ann/evaluate.ts";
import { slice } from "../../stdlib/data/dataset.ts";
import { mnist } from "../../stdlib/data/mnist.ts";
import { simulateAmos } from "../../stdlib/sim/amos/simulate.ts";
import { simulateRate } from "../../stdlib/sim/rate/simulate.ts";
import { simulateTtfs } from "../../stdlib/sim/ttfs/simulate.ts";
import { createPool } from "../../stdlib/tensor/pool.ts";
import { agreeWithOrt } from "../io/ort.ts";
import { FIXTURES, pytorchModel, record, toAmos, toRate, toTtfs } from "../io/pytorch-fixtures.ts";

export default async function verify(): Promise<Record<string, number | string>> {
  const rec = record();
  const testSet = mnist("test");
  const pool = createPool();
  const figures: Record<string, number | string> = {};
  const failures: string[] = [];
  try {
    for (const name of ["bn_maxpool", "residual"] as const) {
      const net = pytorchModel(name);
      const m = rec.models[name];
      const ev = await evaluate(net, testSet, { pool });
      const correct = Math.round(ev.accuracy * testSet.count);
      figures[`${name}.pytorch_accuracy`] = m.test_accuracy;
      figures[`${name}.spikelab_accuracy`] = ev.accuracy;
      if (Math.abs(correct - m.test_correct) > 5) failures.push(`${name}: spikelab ${correct} correct of 10,000, PyTorch ${m.test_correct}`);
      figures[`${name}.max_abs_diff_vs_onnxruntime_1000`] = await agreeWithOrt(net, readFileSync(`${FIXTURES}${m.file}`), slice(testSet, 0, 1000).images.slice(), 1000);
      const rate = await simulateRate(await toRate(net, 10000, {}, { pool }), testSet, { steps: 100, counts: false }, { pool });
      figures[`${name}.rate_100_steps_accuracy`] = rate.accuracy;
      figures[`${name}.rate_ann_accuracy`] = rate.annAccuracy;
      if (rate.accuracy < rate.annAccuracy - 0.01) failures.push(`${name}: rate SNN ${rate.accuracy} vs ANN ${rate.annAccuracy} at 100 steps`);
      const amos = await simulateAmos(await toAmos(net, 10000), slice(testSet, 0, 1000), {});
      figures[`${name}.amos_K10_accuracy_1000`] = amos.accuracy;
      figures[`${name}.amos_agreement_1000`] = amos.agreement;
      if (amos.agreement < 0.98) failures.push(`${name}: AMOS agreement ${amos.agreement}`);
      const snn = await toTtfs(net, 10000, { pool });
      const ttfs = await simulateTtfs(snn, testSet, { check: false, record: [0, 0] }, { pool });
      const probe = await simulateTtfs(snn, slice(testSet, 0, 100), { check: true, record: [0, 2] }, { pool });
      const once = probe.records.every((r) => new Set(r.neuron).size === r.neurons);
      figures[`${name}.ttfs_agreement_10k`] = ttfs.agreement;
      figures[`${name}.ttfs_accuracy`] = ttfs.accuracy;
      figures[`${name}.ttfs_ann_accuracy`] = ttfs.annAccuracy;
      figures[`${name}.ttfs_max_decoding_error_100`] = probe.info.max_decoding_error as number;
      figures[`${name}.ttfs_spikes_per_neuron`] = ttfs.spikesPerNeuron;
      figures[`${name}.ttfs_latency_time_units`] = ttfs.latency.value;
      figures[`${name}.ttfs_synaptic_ops_per_image`] = ttfs.synapticOpsTotal;
      figures[`${name}.ttfs_relay_neurons`] = snn.info.relay_neurons as number;
      if (ttfs.agreement !== 1) failures.push(`${name}: TTFS agreement ${ttfs.agreement}, the exact mapping needs 1`);
      if (!((probe.info.max_decoding_error as number) < 1e-9)) failures.push(`${name}: TTFS decoding error ${probe.info.max_decoding_error}`);
      if (ttfs.spikesPerNeuron !== 1 || !once || ttfs.info.early_spikes_total !== 0) failures.push(`${name}: TTFS not exactly one spike per neuron in its window`);
    }
  } finally {
    await pool.close();
  }
  if (failures.length > 0) throw new Error(failures.join("; "));
  return figures;
}

// Issue 4's acceptance runs: the stdlib MLPs and LeNets converted by the exact mapping
// (stanojevic2022: ζ = 0.5, windows from all 60,000 training images) and simulated on all
// 10,000 MNIST test images: SNN prediction = ANN prediction everywhere (against the ANN's own
// float64 forward on every image, an independent code path), decoded activations = float64
// ReLU activations within 1e-9 on a 100-image slice, every neuron exactly one spike; and with
// ζ = −0.5 the agreement must leave 100 %.
import { forward64 } from "../../stdlib/ann/forward.ts";
import { slice } from "../../stdlib/data/dataset.ts";
import { mnist } from "../../stdlib/data/mnist.ts";
import { ruleSet } from "../../stdlib/ir/rules.ts";
import { loadStdlibModel } from "../../stdlib/models/registry.ts";
import { createPool } from "../../stdlib/tensor/pool.ts";
import { ttfsSchema } from "../../stdlib/convert/ttfs/schema.ts";
import { convertTtfs } from "../../stdlib/convert/ttfs/convert.ts";
import { argmax } from "../../stdlib/convert/ttfs/stages.ts";
import { simulateTtfs } from "../../stdlib/sim/ttfs/simulate.ts";

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

export default async (): Promise<Record<string, number | string>> => {
  const trainSet = mnist("train");
  const test = mnist("test");
  const out: Record<string, number | string> = {};
  const pool = createPool(2);
  try {
    for (const name of ["mlp", "mlp600", "lenet_avg", "lenet_bn_max"]) {
      const net = loadStdlibModel(name).network;
      const snn = await convertTtfs(net, ruleSet(ttfsSchema, "stanojevic2022"), trainSet, { pool });
      const t0 = performance.now();
      const all = await simulateTtfs(snn, test, { check: false, record: [0, 0] }, { pool });
      const seconds = (performance.now() - t0) / 1000;
      // The ANN in float64 on every image, batch by batch.
      let agree64 = 0;
      for (let s = 0; s < test.count; s += 500) {
        const part = slice(test, s, s + 500);
        const y = forward64(net, { shape: [part.count, ...net.nodes[0]!.shape], data: part.images });
        const classes = y.data.length / part.count;
        for (let i = 0; i < part.count; i++) if (argmax(y.data, i * classes, classes) === all.predictions[s + i]) agree64++;
      }
      const probe = await simulateTtfs(snn, slice(test, 0, 100), { check: true, record: [0, 2] }, { pool });
      const once = probe.records.every((r) => new Set(r.neuron).size === r.neurons && r.time.length === r.neurons);
      out[`${name}_agreement_10k`] = all.agreement;
      out[`${name}_agreement_float64_ann_all_10k`] = agree64 / test.count;
      out[`${name}_snn_accuracy`] = all.accuracy;
      out[`${name}_ann_accuracy`] = all.annAccuracy;
      out[`${name}_max_decoding_error_100`] = probe.info.max_decoding_error as number;
      out[`${name}_max_logit_error_100`] = probe.info.max_logit_error as number;
      out[`${name}_spikes_per_neuron`] = all.spikesPerNeuron;
      out[`${name}_hidden_neurons`] = all.info.hidden_neurons as number;
      out[`${name}_informative_fraction`] = (all.info.informative_fraction as number[]).map((v) => (Number.isFinite(v) ? v.toFixed(3) : "-")).join(" ");
      out[`${name}_latency_time_units`] = all.latency.value;
      out[`${name}_synaptic_ops_per_image`] = all.synapticOpsTotal;
      out[`${name}_ann_ops_per_image`] = all.annOps;
      out[`${name}_folding_error`] = snn.info.foldingError as number;
      out[`${name}_images_per_s_2_workers`] = Math.round(test.count / seconds);
      check(all.agreement === 1, `${name}: agreement ${all.agreement} on 10,000 images`);
      check(agree64 === test.count, `${name}: ${test.count - agree64} images differ from the float64 ANN`);
      check((probe.info.max_decoding_error as number) < 1e-9, `${name}: decoding error ${probe.info.max_decoding_error}`);
      check(all.spikesPerNeuron === 1 && once && all.info.early_spikes_total === 0, `${name}: not exactly one spike per neuron in its window`);
    }
    const short = await simulateTtfs(await convertTtfs(loadStdlibModel("lenet_avg").network, ruleSet(ttfsSchema, "t", { zeta: -0.5 }), trainSet, { pool }), test, { check: false }, { pool });
    out.lenet_avg_zeta_minus_0_5_agreement_10k = short.agreement;
    out.lenet_avg_zeta_minus_0_5_early_spikes_per_image = (short.info.early_spikes_total as number) / test.count;
    check(short.agreement < 1, `zeta -0.5 left agreement at ${short.agreement}`);
    for (const jitter of [0.02, 0.1]) {
      const j = await simulateTtfs(await convertTtfs(loadStdlibModel("lenet_avg").network, ruleSet(ttfsSchema, "t", { jitter }), trainSet, { pool }), test, { check: false }, { pool });
      out[`lenet_avg_jitter_${jitter}_agreement_10k`] = j.agreement;
    }
  } finally {
    await pool.close();
  }
  return out;
};

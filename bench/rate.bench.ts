// Rate-family speed (issue 9): the stdlib LeNet with average pooling, converted with the
// rueckauer2017 defaults, on all 10,000 MNIST test images for 100 steps, with 1 and 2 workers:
// wall time, images/s, synaptic operations per second per core, peak RSS during the run; plus how long an
// interrupt takes to stop a run. Targets: ≥ 2·10⁹ syn-ops/s per core, ≤ 14 s on 2 cores.
// RATE_BENCH_IMAGES=N shortens the run (the figures' names keep saying what was run).
// CPU seconds are reported beside wall seconds: on a shared machine wall time measures the others.

import { loadStdlibModel } from "../stdlib/models/registry.ts";
import { mnist } from "../stdlib/data/mnist.ts";
import { slice } from "../stdlib/data/dataset.ts";
import { convertRate } from "../stdlib/convert/rate/convert.ts";
import { rateSchema } from "../stdlib/convert/rate/schema.ts";
import { ruleSet } from "../stdlib/ir/rules.ts";
import { simulateRate } from "../stdlib/sim/rate/simulate.ts";
import { createPool } from "../stdlib/tensor/pool.ts";

export default async function bench(): Promise<Record<string, number>> {
  const images = Number(process.env.RATE_BENCH_IMAGES ?? 10000);
  const steps = 100;
  const { network } = loadStdlibModel("lenet_avg");
  const snn = await convertRate(network, ruleSet(rateSchema, "rueckauer2017", { norm_data: { kind: "data", dataset: "mnist", split: "train", start: 0, end: 10000 } }));
  const data = slice(mnist("test"), 0, images);
  const out: Record<string, number> = {};
  for (const workers of [1, 2]) {
    const pool = createPool(workers);
    try {
      // Warm-up: workers start, load the kernels and build their plans outside the timing.
      await simulateRate(snn, slice(data, 0, 8 * workers), { steps: 2 }, { pool });
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const rss = sampleRss();
      const r = await simulateRate(snn, data, { steps, counts: false, compare: 0 }, { pool });
      const s = (performance.now() - t0) / 1000;
      const cu = process.cpuUsage(c0);
      out[`rate_peak_rss_mb_${workers}w`] = round(rss.stop() / 2 ** 20, 0);
      // CPU seconds of the whole process (workers included): on a shared machine the wall time
      // says how busy the others were; CPU time says what this run costs.
      const cpu = (cu.user + cu.system) / 1e6;
      const ops = r.synapticOpsTotal * r.samples;
      out[`rate_lenet_${images}x${steps}_seconds_${workers}w`] = round(s, 2);
      out[`rate_lenet_images_per_s_${workers}w`] = round(r.samples / s, 0);
      out[`rate_lenet_synops_per_s_per_core_${workers}w`] = round(ops / s / workers, -6);
      out[`rate_lenet_cpu_seconds_${workers}w`] = round(cpu, 2);
      out[`rate_lenet_synops_per_cpu_s_${workers}w`] = round(ops / cpu, -6);
      if (workers === 2) {
        out.rate_lenet_synops_per_image = round(r.synapticOpsTotal, 0);
        out.rate_lenet_ops_ratio_to_ann = round(r.synapticOpsTotal / r.annOps, 2);
        out.rate_lenet_accuracy_100 = r.accuracy;
      }
      // Interrupt latency: abort a long run after 300 ms and time until simulate returns.
      const ac = new AbortController();
      let abortedAt = 0;
      setTimeout(() => {
        abortedAt = performance.now();
        ac.abort();
      }, 300);
      await simulateRate(snn, data, { steps, counts: false, compare: 0 }, { pool, signal: ac.signal });
      out[`rate_interrupt_ms_${workers}w`] = round(performance.now() - abortedAt, 0);
    } finally {
      await pool.close();
    }
  }
  return out;
}

/** The process's resident set size, sampled every 10 ms (the simulation runs in workers, so this
 * thread is free to sample) until stop(), which returns the largest value seen, in bytes. */
function sampleRss(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

// Issue 9's acceptance runs on all 10,000 MNIST test images (npm run verify rate): the stdlib
// LeNet with average pooling under rueckauer2017 within 0.1 points of its ANN by 100 steps, the
// batch-norm + max-pool LeNet within 0.5 points; reset to zero vs subtraction for both read-outs
// on both nets; error vs operations with pooling as neurons and folded; Diehl 2015's max-norm.
// Prints accuracy at chosen steps and writes the curves as SVG to RATE_VERIFY_OUT (default
// .cache/rate-verify). Throws when a bound fails.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadStdlibModel } from "../../stdlib/models/registry.ts";
import { mnist } from "../../stdlib/data/mnist.ts";
import { slice } from "../../stdlib/data/dataset.ts";
import { convertRate } from "../../stdlib/convert/rate/convert.ts";
import { rateSchema } from "../../stdlib/convert/rate/schema.ts";
import { ruleSet, type DataRef, type ParamValue } from "../../stdlib/ir/rules.ts";
import type { SimResult } from "../../stdlib/ir/results.ts";
import { simulateRate } from "../../stdlib/sim/rate/simulate.ts";
import { cheapestWithin, errorVsOps } from "../../stdlib/sim/metrics.ts";
import { resultAccuracy, resultOps } from "../../stdlib/sim/figures.ts";
import { figureSvg } from "../../stdlib/plot/svg.ts";
import { createPool } from "../../stdlib/tensor/pool.ts";

const NORM: DataRef = { kind: "data", dataset: "mnist", split: "train", start: 0, end: 10000 };
const MARKS = [5, 10, 20, 30, 50, 100, 150, 200];

export default async function verify(): Promise<Record<string, number | string>> {
  const images = Number(process.env.RATE_VERIFY_IMAGES ?? 10000);
  const outDir = process.env.RATE_VERIFY_OUT ?? ".cache/rate-verify";
  mkdirSync(outDir, { recursive: true });
  const data = slice(mnist("test"), 0, images);
  const pool = createPool();
  const figures: Record<string, number | string> = {};
  const failures: string[] = [];
  const run = async (model: string, name: string, overrides: Record<string, ParamValue>, steps: number): Promise<SimResult> => {
    const { network } = loadStdlibModel(model);
    const snn = await convertRate(network, ruleSet(rateSchema, name, { norm_data: NORM, ...overrides }));
    const t0 = performance.now();
    const r = await simulateRate(snn, data, { steps, counts: false, compare: 200 }, { pool });
    const key = `${model}.${name}`;
    figures[`${key}.ann`] = r.annAccuracy;
    for (const t of MARKS) if (t <= steps) figures[`${key}.acc@${t}`] = r.overTime!.accuracy[t - 1]!;
    figures[`${key}.ops_ratio@${steps}`] = r.synapticOpsTotal / r.annOps;
    figures[`${key}.seconds`] = Math.round((performance.now() - t0) / 100) / 10;
    return r;
  };
  const save = (file: string, svg: string): void => writeFileSync(join(outDir, file), svg);
  const mains = new Map<string, SimResult>();
  try {
    for (const [model, bound] of [["lenet_avg", 0.001], ["lenet_bn_max", 0.005]] as const) {
      const curves: SimResult[] = [];
      for (const reset of ["subtract", "zero"] as const) {
        for (const output of ["membrane", "spikes"] as const) {
          const main = reset === "subtract" && output === "membrane";
          const r = await run(model, `${reset}_${output}`, { reset, output }, main ? 200 : 100);
          curves.push({ ...r, network: `reset ${reset}, read-out ${output}` });
          if (main) {
            mains.set(model, r);
            const gap = r.annAccuracy - r.overTime!.accuracy[99]!;
            figures[`${model}.gap@100_points`] = Math.round(gap * 1e4) / 100;
            if (gap > bound + 1e-12) failures.push(`${model}: ${(100 * gap).toFixed(2)} points below its ANN at 100 steps (bound ${100 * bound})`);
            figures[`${model}.correlation`] = Object.entries(r.info).filter(([k]) => k.startsWith("correlation:")).map(([k, v]) => `${k.slice(12)} ${Number(v).toFixed(4)}`).join(", ");
          }
        }
      }
      save(`${model}-accuracy.svg`, figureSvg(resultAccuracy(curves)));
      save(`${model}-error.svg`, figureSvg(resultAccuracy(curves, { as: "error" })));
    }
    // Operations: average pooling as its own neurons vs folded into the next conv; max-norm (Diehl 2015).
    const neurons = mains.get("lenet_avg")!;
    const fold = await run("lenet_avg", "subtract_membrane_fold", { avgpool: "fold" }, 200);
    const diehl = await run("lenet_avg", "diehl2015", { normalize: "max", reset: "zero", output: "spikes" }, 200);
    const ops: SimResult[] = [
      { ...neurons, network: "pooling as neurons" },
      { ...fold, network: "pooling folded into conv" },
      { ...diehl, network: "Diehl 2015 (max-norm, reset to zero)" },
    ];
    save("lenet_avg-ops.svg", figureSvg(resultOps(ops)));
    for (const r of ops) {
      const curve = errorVsOps(r.overTime!.time, r.overTime!.accuracy, r.overTime!.synapticOps, r.annOps);
      for (const margin of [0.001, 0.005, 0.02, 0.03, 0.05]) {
        const p = cheapestWithin(curve, 1 - r.annAccuracy, margin);
        figures[`${r.network}: ops/ANN at error ≤ ANN + ${100 * margin} pt`] = p === undefined ? "never" : `${p.ratio.toFixed(2)} (step ${p.time})`;
      }
    }
  } finally {
    await pool.close();
  }
  figures.svg_dir = outDir;
  if (failures.length > 0) throw new Error(failures.join("; "));
  return figures;
}

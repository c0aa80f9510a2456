// Every trained stdlib model, reloaded from its file and re-evaluated on all 10,000 MNIST test
// images over a 2-worker pool: accuracy and every prediction must equal its card's exactly, and
// the bars (MLP ≥ 97.8 %, LeNets ≥ 99.0 %) must hold.
import { mnist } from "../../stdlib/data/mnist.ts";
import { evaluate } from "../../stdlib/ann/evaluate.ts";
import { createPool } from "../../stdlib/tensor/pool.ts";
import { RECIPES } from "../../stdlib/models/architectures.ts";
import { loadStdlibModel } from "../../stdlib/models/registry.ts";

export default async (): Promise<Record<string, number | string>> => {
  const test = mnist("test");
  const pool = createPool(2);
  const figures: Record<string, number | string> = {};
  const problems: string[] = [];
  try {
    for (const r of RECIPES) {
      const { network, card } = loadStdlibModel(r.name);
      const ev = await evaluate(network, test, { pool });
      figures[`${r.name}_test_accuracy_percent`] = +(ev.accuracy * 100).toFixed(2);
      if (ev.correct !== card.testCorrect) problems.push(`${r.name}: ${ev.correct} correct, the card says ${card.testCorrect}`);
      const wrong = new Map(card.testErrors.map(([i, p]) => [i, p]));
      for (let i = 0; i < test.count; i++) {
        const want = wrong.get(i) ?? test.labels[i]!;
        if (ev.predictions[i] !== want) {
          problems.push(`${r.name}: test image ${i} predicted ${ev.predictions[i]}, the card says ${want}`);
          break;
        }
      }
      if (r.minTestAccuracy !== undefined && ev.accuracy < r.minTestAccuracy) problems.push(`${r.name}: ${(ev.accuracy * 100).toFixed(2)} % is below ${(r.minTestAccuracy * 100).toFixed(1)} %`);
    }
  } finally {
    await pool.close();
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
  return figures;
};

// The committed stdlib models reload from their files and reproduce their cards on a slice of
// the MNIST test set exactly (same correct count, same mistakes, same predicted classes). The
// full 10,000-image check is in test/verify/stdlib-models.verify.ts (`npm run verify`).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { statSync } from "node:fs";
import { SpikelabError } from "../../stdlib/errors.ts";
import { slice } from "../../stdlib/data/dataset.ts";
import { mnist } from "../../stdlib/data/mnist.ts";
import { paramCount } from "../../stdlib/ir/shapes.ts";
import { evaluate } from "../../stdlib/ann/evaluate.ts";
import { annOps } from "../../stdlib/ann/opcount.ts";
import { RECIPES } from "../../stdlib/models/architectures.ts";
import { listStdlibModels, loadStdlibModel, weightFile } from "../../stdlib/models/registry.ts";

test("every recipe has a trained model with a card, listed in order", () => {
  assert.equal(listStdlibModels().map((c) => c.name), RECIPES.map((r) => r.name));
});

for (const r of RECIPES) {
  test(`${r.name}: reloads and reproduces its card on mnist.test[slice] exactly`, async () => {
    const { network, card } = loadStdlibModel(r.name);
    assert.is(statSync(weightFile(r.name)).size, card.bytes);
    // Lossless compression keeps files below their raw float32 size; all but the 784-600-10 net
    // (477,010 parameters: 1.9 MB raw) fit in 1 MiB.
    assert.ok(card.bytes < card.parameters * 4 * 0.9, `${card.bytes} bytes for ${card.parameters} parameters`);
    if (r.name !== "mlp600") assert.ok(card.bytes < 1024 * 1024, `${card.bytes} bytes`);
    // The architecture in the file is the recipe's.
    assert.equal(network.nodes.map((n) => [n.op, n.shape]), r.build().nodes.map((n) => [n.op, n.shape]));
    assert.is(paramCount(network), card.parameters);
    assert.is(annOps(network), card.annOps);
    const data = slice(mnist("test"), card.slice.start, card.slice.end);
    const ev = await evaluate(network, data);
    assert.is(ev.correct, card.slice.correct);
    assert.is(ev.accuracy, card.slice.accuracy);
    const wrong = card.testErrors.filter(([i]) => i >= card.slice.start && i < card.slice.end);
    const seen = [...ev.predictions].flatMap((p, i) => (p !== data.labels[i] ? [[i + card.slice.start, p]] : []));
    assert.equal(seen, wrong.map(([i, p]) => [i, p]));
    if (r.minTestAccuracy !== undefined) assert.ok(card.testAccuracy >= r.minTestAccuracy, `card: ${card.testAccuracy}`);
    assert.is(card.testCorrect, 10000 - card.testErrors.length);
  });
}

test("an unknown model name is a name error listing the models", () => {
  assert.throws(() => loadStdlibModel("lenet5"), (e: unknown) => e instanceof SpikelabError && e.code === "name" && /lenet_avg/.test(e.hint ?? ""));
});

test.run();

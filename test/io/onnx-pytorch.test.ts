// The PyTorch-made models (test/fixtures/onnx, made by make_models.py): they import, agree with
// onnxruntime on 100 MNIST test images, reach the accuracy PyTorch recorded on the test slice,
// and convert with all three families (exact TTFS maps the residual add to a join layer, the
// shortcut carried by a relay population). NIR takes only the rate conversion.
// The full 10,000-image check is `npm run verify interop`.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluate } from "../../stdlib/ann/evaluate.ts";
import { slice } from "../../stdlib/data/dataset.ts";
import { mnist } from "../../stdlib/data/mnist.ts";
import { SpikelabError } from "../../stdlib/errors.ts";
import { exportNir } from "../../stdlib/io/nir.ts";
import { simulateAmos } from "../../stdlib/sim/amos/simulate.ts";
import { simulateRate } from "../../stdlib/sim/rate/simulate.ts";
import { simulateTtfs } from "../../stdlib/sim/ttfs/simulate.ts";
import { agreeWithOrt } from "./ort.ts";
import { FIXTURES, pytorchModel, record, toAmos, toRate, toTtfs } from "./pytorch-fixtures.ts";

const rec = record();
const testSet = mnist("test");
const dir = mkdtempSync(join(tmpdir(), "spikelab-pt-"));
const kinds = (name: "bn_maxpool" | "residual"): string[] => pytorchModel(name).nodes.map((n) => `${n.id}:${n.op.kind}`);

async function refusal(p: Promise<unknown>): Promise<SpikelabError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SpikelabError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

test("the models import with their batch norms, max pools and residual add, and the file sizes stay small", () => {
  assert.equal(kinds("bn_maxpool"), [
    "image:input", "conv1:conv", "bn1:batchnorm", "relu:relu", "maxpool:maxpool", "conv2:conv", "bn2:batchnorm", "relu_1:relu", "maxpool_1:maxpool",
    "flatten:flatten", "fc1:dense", "relu_2:relu", "fc2:dense",
  ]);
  const res = kinds("residual");
  assert.ok(res.includes("add:add") && res.includes("stem:conv") && res.includes("conv_b:conv"), res.join(" "));
  assert.ok(res.filter((k) => k.endsWith(":avgpool")).length === 2, res.join(" "));
  for (const m of Object.values(rec.models)) assert.ok(m.bytes < 1024 * 1024, `${m.file}: ${m.bytes} bytes`);
});

for (const name of ["bn_maxpool", "residual"] as const) {
  test(`${name}: onnxruntime agrees within 1e-4 on 100 MNIST images, and accuracy on test[${rec.slice.join(":")}] is PyTorch's`, async () => {
    const net = pytorchModel(name);
    const hundred = slice(testSet, 0, 100);
    await agreeWithOrt(net, readFileSync(`${FIXTURES}${rec.models[name].file}`), hundred.images.slice(), 100);
    const [a, b] = rec.slice;
    const ev = await evaluate(net, slice(testSet, a, b));
    const correct = Math.round(ev.accuracy * (b - a));
    // Float32 sums in another order may flip a near-tie; one image of 1,000 at most.
    assert.ok(Math.abs(correct - rec.models[name].slice_correct) <= 1, `spikelab ${correct} correct, PyTorch ${rec.models[name].slice_correct}`);
  });
}

test("bn_maxpool converts with all three families; each SNN tracks the ANN on test images", async () => {
  const net = pytorchModel("bn_maxpool");
  const rate = await simulateRate(await toRate(net, 2000), slice(testSet, 0, 200), { steps: 100 });
  assert.ok(rate.accuracy >= rate.annAccuracy - 0.02, `rate ${rate.accuracy} vs ANN ${rate.annAccuracy}`);
  const ttfs = await simulateTtfs(await toTtfs(net, 1000), slice(testSet, 0, 100), {});
  assert.is(ttfs.agreement, 1, "the exact TTFS mapping predicts what the ANN predicts on every image");
  const amos = await simulateAmos(await toAmos(net, 1000), slice(testSet, 0, 100), {});
  assert.ok(amos.agreement >= 0.97, `AMOS agreement ${amos.agreement}`);
  assert.ok(ttfs.annAccuracy >= 0.95 && amos.annAccuracy >= 0.95);
});

test("residual converts with all three families; exact TTFS joins the shortcut in one layer and agrees on every image", async () => {
  const net = pytorchModel("residual");
  const rate = await simulateRate(await toRate(net, 2000), slice(testSet, 0, 200), { steps: 100 });
  assert.ok(rate.accuracy >= rate.annAccuracy - 0.03, `rate ${rate.accuracy} vs ANN ${rate.annAccuracy}`);
  const amos = await simulateAmos(await toAmos(net, 1000), slice(testSet, 0, 100), {});
  assert.ok(amos.agreement >= 0.97, `AMOS agreement ${amos.agreement}`);
  const snn = await toTtfs(net, 1000);
  // The pooled stem output feeds conv_a and, one window later through its relay, the add.
  assert.equal(snn.populations.map((p) => p.id), ["image", "stem", "averagepool", "conv_a", "averagepool~3", "add", "averagepool_1", "fc"]);
  assert.equal(snn.projections.filter((p) => p.to === "add").map((p) => `${p.from}:${p.geometry.kind}`), ["conv_a:conv", "averagepool~3:identity"]);
  const ttfs = await simulateTtfs(snn, slice(testSet, 0, 300), { record: [0, 1] });
  assert.is(ttfs.agreement, 1, "the exact TTFS mapping predicts what the ANN predicts on every image");
  assert.ok((ttfs.info.max_decoding_error as number) < 1e-9, `decoding error ${ttfs.info.max_decoding_error}`);
  assert.is(ttfs.spikesPerNeuron, 1);
  assert.is(ttfs.info.early_spikes_total, 0);
  assert.ok(ttfs.annAccuracy >= 0.95, `ANN accuracy ${ttfs.annAccuracy}`);
});

test("NIR takes the rate conversions (reset to zero, pooling as sums) and refuses TTFS, AMOS and the gated max-pool", async () => {
  const bn = pytorchModel("bn_maxpool");
  const gated = await refusal(exportNir(await toRate(bn, 500, { reset: "zero" }), join(dir, "gated.nir")));
  assert.match(gated.message, "is a gated max-pool");
  const g = await exportNir(await toRate(bn, 500, { reset: "zero", maxpool: "avg" }), join(dir, "bn.nir"));
  assert.equal([...new Set([...g.nodes.values()].map((n) => n.type))].sort(), ["Affine", "Conv2d", "Flatten", "IF", "Input", "Output", "SumPool2d"]);
  const res = await exportNir(await toRate(pytorchModel("residual"), 500, { reset: "zero" }), join(dir, "residual.nir"));
  assert.ok(res.edges.length > res.nodes.size - 1, "the residual branch adds an edge");
  const ttfs = await refusal(exportNir(await toTtfs(bn, 500), join(dir, "ttfs.nir")));
  assert.match(ttfs.message, "is a time-to-first-spike network; NIR has no neuron");
  const amos = await refusal(exportNir(await toAmos(bn, 500), join(dir, "amos.nir")));
  assert.match(amos.message, "is an AMOS network; its K-unit gate circuits");
});

test.run();

// The exact mapping on real MNIST networks: the paper's 784-600-10 reference MLP, a tiny MLP
// trained here, and the LeNet with batch norm and max pooling (ζ below 0 and jitter: ttfs_language.test.ts).
// Full 10,000-image runs are in test/verify/ttfs.verify.ts (npm run verify).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { dense, sequential } from "../../stdlib/ann/sequential.ts";
import { train } from "../../stdlib/ann/train.ts";
import { slice } from "../../stdlib/data/dataset.ts";
import { mnist } from "../../stdlib/data/mnist.ts";
import { ruleSet } from "../../stdlib/ir/rules.ts";
import type { SimResult } from "../../stdlib/ir/results.ts";
import { loadStdlibModel } from "../../stdlib/models/registry.ts";
import { ttfsSchema } from "../../stdlib/convert/ttfs/schema.ts";
import { convertTtfs } from "../../stdlib/convert/ttfs/convert.ts";
import { simulateTtfs } from "../../stdlib/sim/ttfs/simulate.ts";

const window = slice(mnist("train"), 0, 20000);
const rules = (o: Record<string, number> = {}) => ruleSet(ttfsSchema, "stanojevic2022", o);

function exact(r: SimResult, what: string): void {
  assert.is(r.agreement, 1, `${what}: agreement ${r.agreement}`);
  assert.is(r.accuracy, r.annAccuracy);
  assert.ok((r.info.max_decoding_error as number) < 1e-9, `${what}: decoding error ${r.info.max_decoding_error}`);
  assert.ok((r.info.max_logit_error as number) < 1e-9);
  assert.is(r.info.early_spikes_total, 0);
  assert.is(r.spikesPerNeuron, 1);
}

test("the paper's reference case: the 784-600-10 ReLU MLP converts with 100 % agreement (2,000 test images)", async () => {
  const net = loadStdlibModel("mlp600").network;
  const r = await simulateTtfs(await convertTtfs(net, rules(), window), slice(mnist("test"), 0, 2000), {});
  exact(r, "mlp600");
  assert.ok(r.accuracy > 0.97, `accuracy ${r.accuracy}`);
  // 784 inputs x 600 + 600 x 10 synapses, each input and hidden neuron spiking once.
  assert.equal(r.synapticOps.map((l) => l.value), [784 * 600, 600 * 10]);
});

test("a tiny MLP trained here converts exactly", async () => {
  const t = await train(sequential("tiny", [1, 28, 28], ["flatten", dense(32), "relu", dense(10)]), slice(mnist("train"), 0, 4000), { epochs: 2, seed: 3 });
  const r = await simulateTtfs(await convertTtfs(t.network, rules(), slice(mnist("train"), 0, 4000)), slice(mnist("test"), 0, 1000), {});
  exact(r, "tiny MLP");
  assert.ok(r.accuracy > 0.8, `the tiny MLP learned something: ${r.accuracy}`);
});

test("LeNet with batch norm and max pooling: exact on 500 test images", async () => {
  const net = loadStdlibModel("lenet_bn_max").network;
  const snn = await convertTtfs(net, rules(), window);
  assert.ok((snn.info.foldingError as number) < 1e-9);
  exact(await simulateTtfs(snn, slice(mnist("test"), 0, 500), {}), "lenet_bn_max");
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { InterruptedError, SpikelabError } from "../../stdlib/errors.ts";
import type { Progress } from "../../stdlib/context.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { synthetic } from "../../stdlib/data/synthetic.ts";
import { evaluate } from "../../stdlib/ann/evaluate.ts";
import { train } from "../../stdlib/ann/train.ts";
import { initialize } from "../../stdlib/ann/init.ts";
import { avgpool, batchnorm, conv, dense, dropout, maxpool, sequential } from "../../stdlib/ann/sequential.ts";

const bars = (split: "train" | "test", count: number) => synthetic({ kind: "bars", count, shape: [1, 8, 8], classes: 4, noise: 0.1, seed: 2, split });

function cnn(): Network {
  return sequential("tiny_cnn", [1, 8, 8], [conv(4, 3, { pad: 1 }), batchnorm(), "relu", maxpool(2), conv(8, 3), "relu", avgpool(2), "flatten", dropout(0.1), dense(4)]);
}

test("a small CNN (batch norm, max pool, dropout) learns the bars set to 100 % on train and test, Adam", async () => {
  const tr = bars("train", 400);
  const te = bars("test", 200);
  const before = await evaluate(initialize(cnn(), { seed: 1 }), te);
  assert.ok(before.accuracy < 0.6, `untrained-ish accuracy ${before.accuracy} should be near chance`);
  const r = await train(cnn(), tr, { epochs: 15, batch: 16, lr: 3e-3, seed: 1 });
  const last = r.history[r.history.length - 1]!;
  assert.is(r.history.length, 15);
  assert.ok(r.history[0]!.loss > 2 * last.loss, `loss should fall: ${r.history[0]!.loss} → ${last.loss}`);
  const onTrain = await evaluate(r.network, tr);
  const onTest = await evaluate(r.network, te);
  assert.is(onTrain.accuracy, 1, `train accuracy ${onTrain.accuracy}`);
  assert.is(onTest.accuracy, 1, `test accuracy ${onTest.accuracy}`);
  assert.is(onTest.confusion.reduce((a, b) => a + b, 0), 200);
  assert.is(onTest.confusion[0], 50);
});

test("an MLP learns 10 Gaussian blobs to 100 % with SGD + momentum + weight decay", async () => {
  const tr = synthetic({ kind: "blobs", count: 500, shape: [1, 6, 6], classes: 10, noise: 0.25, seed: 4 });
  const te = synthetic({ kind: "blobs", count: 300, shape: [1, 6, 6], classes: 10, noise: 0.25, seed: 4, split: "test" });
  const mlp = sequential("mlp", [36], [dense(32), "relu", dense(10)]);
  const r = await train(mlp, tr, { epochs: 10, batch: 25, optimizer: "sgd", lr: 0.05, momentum: 0.9, weightDecay: 1e-4, seed: 3, validation: te });
  assert.is(r.history[r.history.length - 1]!.validationAccuracy, 1);
  assert.is((await evaluate(r.network, tr)).accuracy, 1);
});

test("training is deterministic for a seed, and the input network is not modified", async () => {
  const tr = bars("train", 64);
  const base = sequential("m", [1, 8, 8], ["flatten", dense(8), "silu", dropout(0.2), dense(4)]);
  const a = await train(base, tr, { epochs: 2, batch: 10, seed: 7, schedule: "cosine" });
  const b = await train(base, tr, { epochs: 2, batch: 10, seed: 7, schedule: "cosine" });
  const c = await train(base, tr, { epochs: 2, batch: 10, seed: 8, schedule: "cosine" });
  const w = (n: Network): number[] => n.nodes.flatMap((x) => Object.values(x.params).flatMap((t) => Array.from(t.data)));
  assert.equal(w(a.network), w(b.network));
  assert.not.equal(w(a.network), w(c.network));
  assert.ok(base.nodes.every((n) => Object.keys(n.params).length === 0));
  assert.is(a.history[1]!.lr < 1e-3, true);
  // Continue training from trained weights ("keep"): the original trained network stays as it was.
  const before = w(a.network);
  await train(a.network, tr, { epochs: 1, batch: 10, seed: 7 });
  assert.equal(w(a.network), before);
});

test("progress per epoch with loss and accuracy; an abort interrupts with the partial network", async () => {
  const tr = bars("train", 2000);
  const seen: Progress[] = [];
  await train(cnn(), bars("train", 100), { epochs: 3, batch: 20, seed: 1 }, { progress: (p) => seen.push(p) });
  const perEpoch = seen.filter((p) => Number.isInteger(p.done));
  assert.equal(perEpoch.slice(-3).map((p) => p.done), [1, 2, 3]);
  assert.ok(perEpoch.every((p) => p.unit === "epochs" && p.total === 3 && p.figures!.loss! > 0 && p.figures!.accuracy! >= 0));
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 150);
  try {
    await train(cnn(), tr, { epochs: 1000, batch: 8, seed: 1 }, { signal: ac.signal });
    assert.unreachable("should be interrupted");
  } catch (e) {
    assert.instance(e, InterruptedError);
    const partial = (e as InterruptedError).partial as { network: Network; history: unknown[] };
    assert.is(partial.network.nodes.length, cnn().nodes.length);
  }
});

test("bad settings and mismatched data are clear errors", async () => {
  const tr = bars("train", 16);
  const err = async (p: Promise<unknown>, code: string, re: RegExp): Promise<void> => {
    try {
      await p;
      assert.unreachable("expected an error");
    } catch (e) {
      assert.instance(e, SpikelabError);
      assert.is((e as SpikelabError).code, code);
      assert.match((e as Error).message, re);
    }
  };
  await err(train(cnn(), tr, { epochs: 0 }), "param", /epochs must be a positive whole number, got 0/);
  await err(train(cnn(), tr, { epochs: 1, lr: -1 }), "param", /lr must be a positive number/);
  await err(train(sequential("small", [1, 8, 8], ["flatten", dense(3)]), tr, { epochs: 1 }), "shape", /has label 3, but network 'small' has only 3 outputs/);
  await err(train(sequential("wrong", [1, 9, 9], ["flatten", dense(4)]), tr, { epochs: 1 }), "shape", /takes 1x9x9 inputs, but synthetic_bars has 1x8x8 samples/);
  await err(train(cnn(), tr, { epochs: 1, init: "keep" }), "param", /untrained layers/);
  await err(train(cnn(), tr, { epochs: 5, batch: 4, lr: 1e9, optimizer: "sgd" }), "runtime", /diverged/);
});

test.run();

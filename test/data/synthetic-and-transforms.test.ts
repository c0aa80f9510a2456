import { test } from "uvu";
import * as assert from "uvu/assert";
import { SpikelabError } from "../../stdlib/errors.ts";
import { slice } from "../../stdlib/data/dataset.ts";
import { Rng } from "../../stdlib/data/rng.ts";
import { synthetic } from "../../stdlib/data/synthetic.ts";
import { channelStats, normalize, shuffle, take } from "../../stdlib/data/transform.ts";

test("the random generator is seeded: equal seeds, equal streams; different seeds differ", () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xs = Array.from({ length: 5 }, () => a.nextU32());
  assert.equal(Array.from({ length: 5 }, () => b.nextU32()), xs);
  assert.not.equal(Array.from({ length: 5 }, () => c.nextU32()), xs);
  // Moments of 100,000 normals: mean within 4 standard errors of 0, variance near 1.
  const r = new Rng(7);
  let s = 0;
  let s2 = 0;
  const n = 100000;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    s += x;
    s2 += x * x;
  }
  assert.ok(Math.abs(s / n) < 4 / Math.sqrt(n), `mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.02, `variance ${s2 / n}`);
  const p = new Rng(1).permutation(1000);
  assert.equal([...p].sort((x, y) => x - y), Array.from({ length: 1000 }, (_, i) => i));
});

test("synthetic sets are seeded, balanced, in [0, 1], and train/test share prototypes but not noise", () => {
  const a = synthetic({ count: 40, seed: 3 });
  const b = synthetic({ count: 40, seed: 3 });
  const t = synthetic({ count: 40, seed: 3, split: "test" });
  assert.equal(Array.from(a.images), Array.from(b.images));
  assert.not.equal(Array.from(a.images), Array.from(t.images));
  assert.equal(a.shape, [1, 8, 8]);
  assert.equal(Array.from(a.labels.subarray(0, 5)), [0, 1, 2, 3, 0]);
  assert.ok(a.images.every((x) => x >= 0 && x <= 1));
  // Same class in train and test are closer to each other than to another class.
  const dist = (x: Float32Array, i: number, y: Float32Array, j: number): number => {
    let d = 0;
    for (let k = 0; k < 64; k++) d += (x[i * 64 + k]! - y[j * 64 + k]!) ** 2;
    return d;
  };
  assert.ok(dist(a.images, 0, t.images, 4) < dist(a.images, 0, t.images, 1));
  const bars = synthetic({ kind: "bars", count: 8, shape: [1, 5, 5], noise: 0 });
  // Sample 1 is class 1 (vertical): each row has exactly one lit pixel, all in one column.
  const img = bars.images.subarray(25, 50);
  const lit = [...img.keys()].filter((i) => img[i]! > 0);
  assert.is(lit.length, 5);
  assert.ok(lit.every((i) => i % 5 === lit[0]! % 5));
  assert.throws(() => synthetic({ kind: "bars", count: 4, classes: 5 }), (e: unknown) => e instanceof SpikelabError && e.code === "param");
});

test("per-channel normalisation gives each channel mean 0 and std 1", () => {
  const d = synthetic({ count: 30, shape: [3, 4, 4], seed: 5 });
  const n = normalize(d);
  const s = channelStats(n);
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(s.mean[c]!) < 1e-6, `mean ${s.mean[c]}`);
    assert.ok(Math.abs(s.std[c]! - 1) < 1e-5, `std ${s.std[c]}`);
  }
  // Hand check on one pixel of channel 1 with given statistics.
  const m = normalize(d, { mean: [0, 0.5, 0], std: [1, 0.25, 1] });
  assert.is(m.images[16 + 3], Math.fround((d.images[16 + 3]! - 0.5) / 0.25));
  assert.throws(() => normalize(d, { mean: [0], std: [1] }), /3 channel/);
});

test("shuffle is a deterministic permutation of samples with their labels", () => {
  const d = synthetic({ count: 50, seed: 1 });
  const s1 = shuffle(d, 9);
  const s2 = shuffle(d, 9);
  const s3 = shuffle(d, 10);
  assert.equal(Array.from(s1.images), Array.from(s2.images));
  assert.not.equal(Array.from(s1.labels), Array.from(s3.labels));
  const perm = new Rng(9).permutation(50);
  for (const i of [0, 17, 49]) {
    assert.is(s1.labels[i], d.labels[perm[i]!]);
    assert.equal(Array.from(s1.images.subarray(i * 64, i * 64 + 64)), Array.from(d.images.subarray(perm[i]! * 64, perm[i]! * 64 + 64)));
  }
  const tk = take(slice(d, 10), [2, 0]);
  assert.equal(Array.from(tk.labels), [d.labels[12], d.labels[10]]);
  assert.throws(() => take(d, [50]), /index 50 is outside/);
});

test.run();

// The two-pass streaming percentile equals numpy's linear percentile of the positive values,
// computed by brute force (sort everything), for several p, groups and strided feeding.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { PositivePercentile, percentileSorted } from "../../stdlib/convert/passes/percentile.ts";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test("percentileSorted matches numpy's linear interpolation", () => {
  // np.percentile([1, 2, 3, 4], 50) = 2.5; np.percentile([1, 2, 3, 4, 10], 90) = 7.6
  assert.is(percentileSorted([1, 2, 3, 4], 50), 2.5);
  assert.ok(Math.abs(percentileSorted([1, 2, 3, 4, 10], 90) - 7.6) < 1e-12);
  assert.is(percentileSorted([5], 99.9), 5);
});

for (const p of [50, 99, 99.9, 99.99, 100]) {
  test(`two passes give the exact ${p}th percentile per group`, () => {
    const r = rng(7 + p);
    const groups = 3;
    const batches: Float32Array[] = [];
    // Interleaved layout [sample][group][4]: group k of a sample is values[k*4 .. k*4+4) — fed strided below.
    for (let b = 0; b < 40; b++) {
      const a = new Float32Array(groups * 4 * 50);
      for (let i = 0; i < a.length; i++) a[i] = r() < 0.4 ? 0 : r() < 0.1 ? -r() : Math.exp(4 * r() - 2) * (1 + Math.floor(i / 200));
      batches.push(a);
    }
    const pp = new PositivePercentile(groups, p);
    const feed = (): void => {
      for (const a of batches) for (let s = 0; s < 50; s++) for (let k = 0; k < groups; k++) pp.add(k, a, s * groups * 4 + k * 4, 4, 1);
    };
    feed();
    if (pp.needsSecondPass) {
      pp.nextPass();
      feed();
    }
    const got = pp.result();
    for (let k = 0; k < groups; k++) {
      const all: number[] = [];
      for (const a of batches) for (let s = 0; s < 50; s++) for (let i = 0; i < 4; i++) {
        const v = a[s * groups * 4 + k * 4 + i]!;
        if (v > 0) all.push(v);
      }
      all.sort((x, y) => x - y);
      assert.is(got[k], percentileSorted(all, p), `group ${k}`);
    }
  });
}

test("a group without positive values gives NaN; strided feeding", () => {
  const pp = new PositivePercentile(2, 90);
  const v = Float32Array.from([1, 0, 2, -1, 3, 0]);
  pp.add(0, v, 0, 3, 2);
  pp.add(1, v, 1, 3, 2);
  pp.nextPass();
  pp.add(0, v, 0, 3, 2);
  pp.add(1, v, 1, 3, 2);
  const r = pp.result();
  assert.ok(Math.abs(r[0]! - 2.8) < 1e-12);
  assert.ok(Number.isNaN(r[1]!));
});

test.run();

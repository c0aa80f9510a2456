import { test } from "uvu";
import * as assert from "uvu/assert";
import { autoBins, histogram } from "../../stdlib/plot/histogram.ts";

// The data sets and the bins Plotly 4.1.1 chose for them (read from gd._fullData[i].xbins in
// Chromium); test/plot/browser.test.ts re-checks the agreement live.
function sets(): Record<string, number[]> {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  return {
    ints: Array.from({ length: 200 }, () => Math.floor(rnd() * 10)),
    normal: Array.from({ length: 1000 }, () => { let s = 0; for (let i = 0; i < 12; i++) s += rnd(); return (s - 6) * 3 + 20; }),
    rates: Array.from({ length: 500 }, () => Math.round(rnd() * rnd() * 100) / 100),
    small: [0.1, 0.2, 0.2, 0.35],
    single: [5, 5, 5],
    big: Array.from({ length: 300 }, () => rnd() * 1e6),
    nb: Array.from({ length: 300 }, () => rnd() * 7),
  };
}

const PLOTLY: Record<string, [number, number, number]> = {
  ints: [-0.5, 9.5, 1], normal: [10.5, 28, 0.5], rates: [-0.025, 0.975, 0.05], small: [0, 0.4, 0.2],
  single: [4.5, 5.5, 1], big: [0, 1000000, 100000], nb: [-0.25, 7.25, 0.5],
};

test("automatic bins equal Plotly's on seven data sets (integers, spread, clustered at edges, nbinsx)", () => {
  const s = sets();
  for (const [name, data] of Object.entries(s)) {
    const b = autoBins(data, name === "nb" ? 20 : undefined);
    assert.equal([b.start, b.end, b.size], PLOTLY[name], name);
  }
});

test("counts are left-closed bins; empty bins at either end are dropped, as Plotly does", () => {
  const h = histogram([0, 0.5, 1, 1, 2.999, 3, -5, NaN], { start: -1, end: 5, size: 1 });
  assert.equal(Array.from(h.edges), [0, 1, 2, 3, 4]);
  assert.equal(Array.from(h.counts), [2, 2, 1, 1]);
});

test("normalisations: percent sums to 100, density × width sums to the count", () => {
  const data = [0.1, 0.2, 0.25, 0.7, 0.9, 0.95, 1.4];
  const bins = { start: 0, end: 1.5, size: 0.5 };
  const pct = histogram(data, bins, "percent");
  assert.ok(Math.abs(pct.counts.reduce((a, b) => a + b, 0) - 100) < 1e-9);
  const dens = histogram(data, bins, "density");
  assert.ok(Math.abs(dens.counts.reduce((a, b) => a + b * 0.5, 0) - 7) < 1e-9);
  assert.equal(Array.from(histogram(data, bins, "probability").counts), [3 / 7, 3 / 7, 1 / 7]);
});

test.run();

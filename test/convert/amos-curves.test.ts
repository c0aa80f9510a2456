// A gate on its own: the staircase figure draws f and each circuit exactly, the error per K
// is what the circuits score, and the simulation figures of a run (raster windows, spikes per gate).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsOutput } from "../../stdlib/convert/amos/circuit.ts";
import { fitErrorPlot, gateCurves, gateSpecOf, staircasePlot } from "../../stdlib/convert/amos/curves.ts";
import { clearFitMemo } from "../../stdlib/convert/amos/cache.ts";
import { convertAmos } from "../../stdlib/convert/amos/convert.ts";
import { amosSchema } from "../../stdlib/convert/amos/schema.ts";
import { dense, sequential } from "../../stdlib/ann/sequential.ts";
import { initialize } from "../../stdlib/ann/init.ts";
import { synthetic } from "../../stdlib/data/synthetic.ts";
import { ruleSet } from "../../stdlib/ir/rules.ts";
import { simulateAmos } from "../../stdlib/sim/amos/simulate.ts";
import { amosAccuracyVsK, amosRaster, amosSpikeHistogram } from "../../stdlib/sim/amos/plots.ts";
import { SpikelabError } from "../../stdlib/errors.ts";
import type { SimResult } from "../../stdlib/ir/results.ts";

const quickRules = ruleSet(amosSchema, "q", { fit_points: 20000, fit_restarts: 0, alpha: 2 });

test("ReLU staircase: analytic circuits, errors of a uniform quantiser, one trace per K plus f", async () => {
  const c = await gateCurves({ kind: "relu" }, [2, 4, 8], quickRules);
  assert.equal(c.range, [-0.5, 2]);
  assert.equal(c.fits.map((f) => f.source), ["analytic", "analytic", "analytic"]);
  // Floor quantiser with step α/2^K: the largest error is one step.
  c.fits.forEach((f) => assert.ok(Math.abs(f.maxError - 2 / 2 ** f.K) < 1e-3, `K ${f.K}: ${f.maxError}`));
  const fig = staircasePlot(c, { kind: "relu" }, 500);
  assert.is(fig.data.length, 4);
  const x = fig.data[0]!.x as Float64Array;
  const y4 = fig.data[2]!.y as Float64Array;
  assert.is(fig.data[2]!.name, "K = 4");
  for (let i = 0; i < x.length; i++) assert.is(y4[i], fsOutput(c.fits[1]!.circuit, x[i]!));
});

test("sigmoid error per K: fitted through the cache, falling with K, drawn on a log axis", async () => {
  process.env.SPIKELAB_CACHE_DIR = mkdtempSync(join(tmpdir(), "amos-curves-"));
  try {
    const c = await gateCurves(gateSpecOf("sigmoid", quickRules), [2, 4, 6], quickRules);
    assert.ok(c.fits[0]!.mse > c.fits[1]!.mse && c.fits[1]!.mse > c.fits[2]!.mse);
    assert.equal(c.fits.map((f) => f.source), ["fit", "fit", "fit"]);
    const again = await gateCurves(gateSpecOf("sigmoid", quickRules), [2, 4, 6], quickRules);
    assert.equal(again.fits.map((f) => f.source), ["memo", "memo", "memo"]);
    const fig = fitErrorPlot(c);
    assert.equal(Array.from(fig.data[0]!.y as Float64Array), c.fits.map((f) => f.mse));
    assert.is((fig.layout.yaxis as { type?: string }).type, "log");
  } finally {
    delete process.env.SPIKELAB_CACHE_DIR;
    clearFitMemo();
  }
});

test("a plotted gate expression comes from the rule set, and its absence is a param error", () => {
  const withGate = ruleSet(amosSchema, "g", { gate: { kind: "expr", source: "x * tanh(x)" } });
  assert.equal(gateSpecOf("gate", withGate), { kind: "expr", source: "x * tanh(x)" });
  assert.throws(() => gateSpecOf("gate", quickRules), (e: unknown) => e instanceof SpikelabError && e.code === "param" && /no gate expression/.test(e.message));
});

test("simulation figures: raster with each layer's K-step window, spikes-per-gate bars, accuracy vs K", async () => {
  const net = initialize(sequential("m", [1, 6, 6], ["flatten", dense(10), "relu", dense(6), "relu", dense(3)]), { seed: 2 });
  const data = synthetic({ count: 60, shape: [1, 6, 6], classes: 3, seed: 1 });
  const rs: SimResult[] = [];
  for (const K of [3, 5]) rs.push(await simulateAmos(await convertAmos(net, ruleSet(amosSchema, "r", { K, alpha: 2 })), data, { record: [0, 2] }));
  const raster = amosRaster(rs[1]!, 1, null);
  const shapes = raster.layout.shapes as { x0: number; x1: number }[];
  assert.equal(shapes.map((s) => [s.x0, s.x1]), [[-0.5, 4.5], [4.5, 9.5]]);
  const points = raster.data.reduce((n, t) => n + (t.x as Float64Array).length, 0);
  assert.is(points, rs[1]!.records.filter((r) => r.sample === 1).reduce((n, r) => n + r.neuron.length, 0));
  assert.throws(() => amosRaster(rs[1]!, 7, null), (e: unknown) => e instanceof SpikelabError && /sample 7 was not recorded/.test(e.message));
  const hist = amosSpikeHistogram(rs[0]!, null);
  assert.is(hist.data.length, 2);
  const bars = hist.data[0]!.y as Float64Array;
  assert.is(bars.length, 4);
  assert.ok(Math.abs(bars.reduce((a, b) => a + b, 0) - 1) < 1e-12, "fractions of gates sum to 1");
  const acc = amosAccuracyVsK([rs[1]!, rs[0]!]);
  assert.equal(Array.from(acc.data[0]!.x as Float64Array), [3, 5]);
  assert.equal(Array.from(acc.data[0]!.y as Float64Array), [rs[0]!.accuracy * 100, rs[1]!.accuracy * 100]);
});

test.run();

// The theory notebook's single-neuron figures: the simulated IF neuron obeys the closed forms of
// PAPERS.md §1 exactly (subtraction ⌊aT⌋, reset to zero ⌊T/⌈1/a⌉⌋), saturates at one spike per
// step, and the figures carry one slider step per T.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ifNeuronRate, neuronErrorFigure, neuronRateFigure, theoryRate } from "../../stdlib/sim/theory.ts";

test("one IF neuron: ⌊aT⌋ spikes with subtraction, ⌊T/⌈1/a⌉⌋ with reset to zero (dyadic inputs: exact)", () => {
  for (const T of [10, 64, 200]) {
    for (let k = 0; k <= 64; k++) {
      const a = k / 64;
      assert.is(Math.round(ifNeuronRate(a, T, "subtract") * T), Math.floor(a * T), `subtract a=${a} T=${T}`);
      assert.is(ifNeuronRate(a, T, "zero"), theoryRate(a, T, "zero"), `zero a=${a} T=${T}`);
    }
  }
  // The reset-to-zero bias does not shrink with T: a = 0.99 fires every second step.
  assert.is(ifNeuronRate(0.99, 1000, "zero"), 0.5);
  // Saturation above λ: at most one spike per step.
  assert.is(ifNeuronRate(1.4, 100, "subtract"), 1);
  assert.is(theoryRate(1.4, 100, "subtract"), 1);
});

test("the rate figure has a slider step per T with five traces; the error figure falls as 1/T for subtraction", () => {
  const fig = neuronRateFigure([10, 100], [0, 1.5], 1, 61);
  assert.is(fig.frames?.length, 2);
  assert.is(fig.data.length, 5);
  const err = neuronErrorFigure([10, 100, 1000], 1, 101);
  const sub = err.data[0]!.y as Float64Array;
  const zero = err.data[1]!.y as Float64Array;
  for (let i = 0; i < 3; i++) assert.ok(sub[i]! <= 1 / [10, 100, 1000][i]! + 1e-12, `subtraction error ${sub[i]} ≤ 1/T`);
  assert.ok(zero[2]! > 0.2, `reset to zero keeps an error of ${zero[2]} at T = 1000`);
});

test.run();

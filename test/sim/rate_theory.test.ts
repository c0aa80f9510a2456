// The first-layer theory of rate conversion (Rueckauer et al. 2016; PAPERS.md §1), on one IF
// neuron driven by a constant input a in [0, 1]: reset by subtraction fires ⌊aT⌋ spikes (±1 from
// float rounding of the accumulated input), reset to zero ⌊T/⌈1/a⌉⌋ (the overshoot is lost).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { built } from "../../stdlib/ann/sequential.ts";
import { convertRate } from "../../stdlib/convert/rate/convert.ts";
import { rateSchema } from "../../stdlib/convert/rate/schema.ts";
import { ruleSet } from "../../stdlib/ir/rules.ts";
import { tensor } from "../../stdlib/tensor/tensor.ts";
import { referenceSimulate } from "../../stdlib/sim/rate/reference.ts";
import type { SpikingNetwork } from "../../stdlib/ir/spiking.ts";

const one = built("one", [
  { id: "input", op: { kind: "input", shape: [1] }, inputs: [] },
  { id: "fc", op: { kind: "dense", units: 1, bias: false }, inputs: ["input"], params: { weight: tensor([1, 1], [1]) } },
]);

async function neuron(reset: "subtract" | "zero"): Promise<SpikingNetwork> {
  return convertRate(one, ruleSet(rateSchema, "theory", { normalize: "none", output: "spikes", reset }));
}

const as = [0, 0.001, 0.01, 0.05, 0.1, 1 / 3, 0.37, 0.5, 0.61, 2 / 3, 0.7, 0.9, 0.99, 0.999, 1];
const Ts = [10, 100, 1000];

test("reset by subtraction: N(T) = ⌊aT⌋ ± 1", async () => {
  const snn = await neuron("subtract");
  let exact = 0;
  for (const a of as) for (const T of Ts) {
    const run = referenceSimulate(snn, [Math.fround(a)], { sample: 0, steps: T });
    const n = run.spikes.get("fc")!.reduce((k, l) => k + l.length, 0);
    const want = Math.floor(Math.fround(a) * T);
    assert.ok(Math.abs(n - want) <= 1, `a=${a} T=${T}: ${n} spikes, theory ${want}`);
    if (n === want) exact++;
  }
  // Rounding can only bite at exact multiples; most cases must be exact.
  assert.ok(exact >= as.length * Ts.length - 6, `${exact} exact`);
});

test("reset to zero: N(T) = ⌊T/⌈1/a⌉⌋, a bias that does not shrink with T (a = 0.99 fires every 2nd step)", async () => {
  const snn = await neuron("zero");
  for (const a of as.filter((v) => v > 0)) for (const T of Ts) {
    const af = Math.fround(a);
    const run = referenceSimulate(snn, [af], { sample: 0, steps: T });
    const n = run.spikes.get("fc")!.reduce((k, l) => k + l.length, 0);
    const want = Math.floor(T / Math.ceil(1 / af));
    assert.ok(Math.abs(n - want) <= 1, `a=${a} T=${T}: ${n} spikes, theory ${want}`);
  }
  const run = referenceSimulate(snn, [Math.fround(0.99)], { sample: 0, steps: 1000 });
  assert.is(run.spikes.get("fc")!.reduce((k, l) => k + l.length, 0), 500);
});

test.run();

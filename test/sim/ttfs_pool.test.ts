import { test } from "uvu";
import * as assert from "uvu/assert";
import { synthetic } from "../../stdlib/data/synthetic.ts";
import { ruleSet } from "../../stdlib/ir/rules.ts";
import { createPool } from "../../stdlib/tensor/pool.ts";
import { ttfsSchema } from "../../stdlib/convert/ttfs/schema.ts";
import { convertTtfs } from "../../stdlib/convert/ttfs/convert.ts";
import { simulateTtfs } from "../../stdlib/sim/ttfs/simulate.ts";
import { cnn } from "../convert/ttfs_nets.ts";

const data = synthetic({ count: 300, shape: [1, 12, 12], classes: 5, seed: 31 });
const train = synthetic({ count: 200, shape: [1, 12, 12], classes: 5, seed: 32 });

test("two workers give the same spikes, predictions and figures as this thread, with and without jitter", async () => {
  const pool = createPool(2);
  try {
    for (const jitter of [0, 0.03]) {
      const snn = await convertTtfs(cnn(4), ruleSet(ttfsSchema, "t", { jitter }), train);
      const here = await simulateTtfs(snn, data, { workers: 1, record: [150, 153] });
      const there = await simulateTtfs(snn, data, { record: [150, 153] }, { pool });
      assert.equal([...there.predictions], [...here.predictions]);
      assert.is(there.agreement, here.agreement);
      assert.equal(there.info, here.info);
      assert.is(there.records.length, here.records.length);
      here.records.forEach((r, i) => {
        const o = there.records[i]!;
        assert.is(o.sample, r.sample);
        assert.is(o.layer, r.layer);
        assert.equal([...o.time], [...r.time]);
        assert.equal([...o.neuron], [...r.neuron]);
      });
      assert.ok(here.records.every((r) => r.sample >= 150 && r.sample < 153));
    }
  } finally {
    await pool.close();
  }
});

test("an interrupted run returns the images done so far, marked partial", async () => {
  const snn = await convertTtfs(cnn(4), ruleSet(ttfsSchema, "t"), train);
  // Long enough that the first progress report (after ~50 ms) comes before the end on a fast machine.
  const long = synthetic({ count: 20000, shape: [1, 12, 12], classes: 5, seed: 33 });
  const ac = new AbortController();
  let seen = 0;
  const r = await simulateTtfs(snn, long, { workers: 1 }, { signal: ac.signal, progress: (p) => { seen = p.done; if (p.done > 0) ac.abort(); } });
  assert.ok(r.partial);
  assert.ok(r.samples > 0 && r.samples < long.count, `${r.samples} samples`);
  assert.ok(seen > 0);
  assert.is(r.predictions.length, r.samples);
});

test.run();

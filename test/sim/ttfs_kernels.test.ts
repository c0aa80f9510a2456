import { test } from "uvu";
import * as assert from "uvu/assert";
import { avgpool, conv, dense, sequential } from "../../stdlib/ann/sequential.ts";
import { synthetic } from "../../stdlib/data/synthetic.ts";
import { ruleSet } from "../../stdlib/ir/rules.ts";
import { ttfsSchema } from "../../stdlib/convert/ttfs/schema.ts";
import { convertTtfs } from "../../stdlib/convert/ttfs/convert.ts";
import { compilePlan } from "../../stdlib/sim/ttfs/plan.ts";
import { runChunk, type ChunkResult } from "../../stdlib/sim/ttfs/run.ts";
import { JsSums, WasmSums } from "../../stdlib/sim/ttfs/sums.ts";
import { randomNet } from "../convert/ttfs_nets.ts";

// Odd geometry on purpose: strides, padding, a grouped conv, 8k + 3 channels, a depthwise average pool.
const net = randomNet(sequential("odd", [3, 13, 11], [
  conv(10, 3, { stride: 2, pad: 1 }), "relu", avgpool(2, { stride: 1, pad: 1 }),
  conv(16, [3, 2], { groups: 2 }), "relu", conv(19, 3, { pad: 2 }), "relu", "flatten", dense(13), "relu", dense(4),
]), 9);
const data = synthetic({ count: 40, shape: [3, 13, 11], classes: 4, seed: 5 });
const opts = { jitter: 0, seed: 1, check: true, record: [0, 40] as const };

function spikes(r: ChunkResult): Float64Array[] {
  return r.records.map((x) => x.time);
}

test("the WASM kernels give the same spikes as the TypeScript reference (and both decode exactly)", async () => {
  const plan = compilePlan(await convertTtfs(net, ruleSet(ttfsSchema, "t"), data));
  assert.ok(plan.layers.some((l) => l.kind === "ttfs" && !l.safe), "some layer needs the bound");
  const w = new WasmSums(plan);
  try {
    const a = runChunk(plan, data.images, data.count, 0, opts, w);
    const b = runChunk(plan, data.images, data.count, 0, opts, new JsSums(plan));
    assert.equal([...a.predictions], [...b.predictions]);
    const sa = spikes(a), sb = spikes(b);
    assert.is(sa.length, sb.length);
    let d = 0;
    sa.forEach((t, i) => t.forEach((v, k) => (d = Math.max(d, Math.abs(v - sb[i]![k]!)))));
    assert.ok(d < 1e-12, `WASM and JS spike times differ by ${d}`);
    for (const r of [a, b]) for (const e of r.maxError) assert.ok(e < 1e-9, `decoding error ${e}`);
    // Run again after the conv layers settled on gather or scatter: identical, bit for bit.
    const c = runChunk(plan, data.images, data.count, 0, opts, w);
    spikes(c).forEach((t, i) => assert.equal([...t], [...sa[i]!]));
    assert.ok(w.modes().some((m) => m !== undefined));
  } finally {
    w.release();
  }
});

test.run();

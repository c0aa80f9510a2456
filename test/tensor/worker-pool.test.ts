// The worker pool: results equal the single-thread run bit for bit, workers are reused across
// calls, an interrupt stops even a task that never checks for it and leaves the pool usable,
// task errors come back as SpikelabErrors, and a process with an idle pool exits by itself.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { InterruptedError, SpikelabError } from "../../stdlib/errors.ts";
import { createPool, runLocal, sharedF32, toShared } from "../../stdlib/tensor/pool.ts";
import type { MlpShared } from "./fixtures/pool-tasks.ts";
import { bitsEqual, randn32, rng } from "./helpers.ts";

const tasks = new URL("./fixtures/pool-tasks.ts", import.meta.url);
const pool = createPool(2);

function mlpData(items: number): MlpShared {
  const r = rng(5);
  const inF = 64, hidden = 37, outF = 10;
  return {
    x: toShared(randn32(items * inF, r)),
    w1: toShared(randn32(hidden * inF, r)),
    b1: toShared(randn32(hidden, r)),
    w2: toShared(randn32(outF * hidden, r)),
    y: sharedF32(items * outF),
    inF,
    hidden,
    outF,
  };
}

test("a dataset pass over 2 workers equals the single-thread pass bit for bit", async () => {
  const items = 1001;
  const shared = mlpData(items);
  const progress: number[] = [];
  const res = await pool.map<MlpShared, number>({ module: tasks, fn: "mlp", items, shared, chunk: 64 }, { progress: (d) => progress.push(d) });
  assert.is(res.length, Math.ceil(items / 64));
  assert.equal(res.map((c) => c.start), Array.from({ length: res.length }, (_, i) => i * 64));
  assert.equal(new Set(res.map((c) => c.value)), new Set([0, 1]), "both workers took chunks");
  assert.is(progress[progress.length - 1], items);
  const local = { ...shared, y: sharedF32(items * 10) };
  // Different chunking on purpose: the result must not depend on it.
  await runLocal({ module: tasks, fn: "mlp", items, shared: local, chunk: 1000 });
  assert.ok(bitsEqual(shared.y, local.y), "pool output differs from the single-thread output");
  assert.ok(shared.y.some((v) => v !== 0));
});

test("workers are reused across calls (same threads, no start-up per call)", async () => {
  const a = await pool.map<null, number>({ module: tasks, fn: "whoami", items: 40, shared: null, chunk: 1 });
  const b = await pool.map<null, number>({ module: tasks, fn: "whoami", items: 40, shared: null, chunk: 1 });
  const ids = (r: { value: number }[]) => [...new Set(r.map((c) => c.value))].sort();
  assert.is(ids(a).length, 2);
  assert.equal(ids(a), ids(b));
});

test("an interrupt stops a cooperative task with partial results; the pool stays usable", async () => {
  const ac = new AbortController();
  let t0 = 0;
  // A worker only starts chunk k+1 after its chunk k result reached us, so 150 items counted
  // (at most 2 × 49 in flight) means at least one finished chunk is in hand.
  const progress = (done: number): void => {
    if (done >= 150 && !ac.signal.aborted) {
      t0 = performance.now();
      ac.abort();
    }
  };
  try {
    await pool.map({ module: tasks, fn: "slow", items: 100_000, shared: null, chunk: 50 }, { signal: ac.signal, progress });
    assert.unreachable("should have been interrupted");
  } catch (e) {
    assert.instance(e, InterruptedError);
    const partial = (e as InterruptedError).partial as { value: number }[];
    assert.ok(Array.isArray(partial) && partial.length > 0 && partial.every((c) => c.value === 50), "completed chunks ride along");
  }
  console.log(`  cooperative interrupt took ${(performance.now() - t0).toFixed(0)} ms after abort`);
  const again = await pool.map<null, number>({ module: tasks, fn: "slow", items: 10, shared: null, chunk: 5 });
  assert.equal(again.map((c) => c.value), [5, 5]);
});

test("an interrupt stops a task that never checks (workers are replaced), then the pool works", async () => {
  const before = await pool.map<null, number>({ module: tasks, fn: "whoami", items: 8, shared: null, chunk: 1 });
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const t0 = performance.now();
  await pool.map({ module: tasks, fn: "stubborn", items: 4, shared: null, chunk: 1 }, { signal: ac.signal }).then(
    () => assert.unreachable("should have been interrupted"),
    (e) => assert.instance(e, InterruptedError),
  );
  console.log(`  forced interrupt took ${(performance.now() - t0 - 100).toFixed(0)} ms after abort`);
  const after = await pool.map<null, number>({ module: tasks, fn: "whoami", items: 8, shared: null, chunk: 1 });
  const ids = (r: { value: number }[]) => new Set(r.map((c) => c.value));
  assert.is(ids(after).size, 2);
  for (const id of ids(after)) assert.not.ok(ids(before).has(id), "the stuck workers were replaced");
});

test("a task's SpikelabError comes back with its code, message and hint; a missing export is a name error", async () => {
  try {
    await pool.map({ module: tasks, fn: "boom", items: 100, shared: { at: 57 }, chunk: 10 });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, SpikelabError);
    assert.is((e as SpikelabError).code, "runtime");
    assert.is((e as SpikelabError).message, "item 57 is bad");
    assert.is((e as SpikelabError).hint, "skip it");
  }
  await pool.map({ module: tasks, fn: "nope", items: 2, shared: null }).then(
    () => assert.unreachable(),
    (e) => {
      assert.instance(e, SpikelabError);
      assert.match((e as Error).message, /exports no function 'nope'/);
    },
  );
  await pool.map({ module: tasks, fn: "boom", items: 2, shared: { at: 0, f: () => 1 } }).then(
    () => assert.unreachable(),
    (e) => assert.match((e as Error).message, /shared data cannot be sent to workers/),
  );
  const ok = await pool.map<{ at: number }, number>({ module: tasks, fn: "boom", items: 20, shared: { at: -1 }, chunk: 10 });
  assert.equal(ok.map((c) => c.value), [10, 10]);
});

test("a process with an idle pool exits by itself, under --import tsx and under tsx's register()", () => {
  const script = `
    const { createPool } = await import(${JSON.stringify(new URL("../../stdlib/tensor/pool.ts", import.meta.url).href)});
    const pool = createPool(2);
    const r = await pool.map({ module: ${JSON.stringify(tasks.href)}, fn: "whoami", items: 4, shared: null, chunk: 1 });
    console.log("chunks", r.length);
  `;
  const viaImport = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
  assert.is(viaImport.signal, null, "timed out: the idle pool kept the process alive");
  assert.is(viaImport.stdout.trim(), "chunks 4", viaImport.stderr);
  const viaRegister = spawnSync(process.execPath, ["--input-type=module", "-e", `import { register } from "tsx/esm/api"; register(); ${script}`], { encoding: "utf8", timeout: 30_000, cwd: new URL("../..", import.meta.url).pathname });
  assert.is(viaRegister.signal, null, "timed out under register()");
  assert.is(viaRegister.stdout.trim(), "chunks 4", viaRegister.stderr);
});

test("close ends the workers; a closed pool refuses work", async () => {
  await pool.close();
  await pool.map({ module: tasks, fn: "whoami", items: 1, shared: null }).then(
    () => assert.unreachable(),
    (e) => assert.match((e as Error).message, /closed/),
  );
});

test.run();

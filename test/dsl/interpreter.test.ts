// The language session: names persist across executions, a failed execution changes nothing,
// re-running rebinds; what a program prints and shows; sweeps as tables; modules; interrupts;
// and a real run (train → accuracy → convert → simulate) on a seeded synthetic dataset.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ExecuteResult, Interpreter, Output, Value } from "../../dsl/api.ts";
import { unsupported } from "../../dsl/engine.ts";
import { formatValue } from "../../dsl/format.ts";
import { createInterpreter } from "../../dsl/interpreter.ts";

const dir = mkdtempSync("/tmp/spikelab-interp-");

async function run(it: Interpreter, src: string, signal?: AbortSignal): Promise<{ r: ExecuteResult; out: Output[] }> {
  const out: Output[] = [];
  const r = await it.execute(src, "cell", { emit: (o) => out.push(o), ...(signal ? { signal } : {}) });
  return { r, out };
}
const errorsOf = (r: ExecuteResult): string[] => (r.ok ? [] : r.errors.map((e) => `${e.loc?.line}:${e.loc?.column} ${e.message}`));
const num = (it: Interpreter, name: string): number | undefined => {
  const v = it.names().get(name);
  return v?.kind === "number" ? v.value : undefined;
};

test("names persist; a failing cell leaves them as they were; re-running rebinds", async () => {
  const it = createInterpreter({ baseDir: dir });
  assert.ok((await run(it, "a = 1\nb = a + 1")).r.ok);
  assert.is(num(it, "b"), 2);
  // A checking error: nothing runs.
  const bad = await run(it, "a = 100\nc = nothere + 1");
  assert.equal(errorsOf(bad.r), ["2:5 unknown name 'nothere'"]);
  assert.is(num(it, "a"), 1);
  // A runtime error half-way: the first statement ran, but its rebinding is not kept.
  const half = await run(it, 'a = 50\nprint "ran"\nload x from "missing.spikelab"');
  assert.equal(errorsOf(half.r), [`3:1 ${join(dir, "missing.spikelab")}: cannot be read (no such file)`]);
  assert.is(!half.r.ok && half.r.errors[0]!.code, "io");
  assert.equal(half.out.map((o) => (o.kind === "text" ? o.text : "")), ["ran\n"], "output before the error is still shown");
  assert.is(num(it, "a"), 1);
  assert.is(it.names().has("x"), false);
  assert.ok((await run(it, "a = a + 10")).r.ok);
  assert.is(num(it, "a"), 11);
  assert.ok((await run(it, "a = a + 10")).r.ok, "re-running a cell rebinds from the new value");
  assert.is(num(it, "a"), 21);
});

test("print writes text; table and bare values display; the last bare value is the result", async () => {
  const it = createInterpreter({ baseDir: dir });
  const { r, out } = await run(it, 'print "x is", 2 * 3 ms\n[1, 2]\ntable [1, 2]\nuse rueckauer2017\nrueckauer2017.percentile');
  assert.ok(r.ok);
  assert.is(out.length, 3);
  assert.equal(out[0], { kind: "text", stream: "stdout", text: "x is 6 ms\n" });
  assert.ok(out[1]!.kind === "display" && out[1].value.kind === "list");
  assert.ok(out[2]!.kind === "display" && out[2].value.kind === "table");
  assert.equal(r.ok && r.value, { kind: "number", value: 99.9 });
});

test("warn writes to stderr; clear emits a clear in order, waiting when asked; both are checked", async () => {
  const it = createInterpreter({ baseDir: dir });
  const { r, out } = await run(it, 'print "a"\nwarn "careful:", 2 * 3 ms\nclear\nsweep k in [1, 2] {\n  clear { wait: true }\n  print k\n}');
  assert.equal(errorsOf(r), []);
  assert.equal(out, [
    { kind: "text", stream: "stdout", text: "a\n" },
    { kind: "text", stream: "stderr", text: "careful: 6 ms\n" },
    { kind: "clear", wait: false },
    { kind: "clear", wait: true },
    { kind: "text", stream: "stdout", text: "1\n" },
    { kind: "clear", wait: true },
    { kind: "text", stream: "stdout", text: "2\n" },
  ]);
  const bad = await run(it, 'warn nothere\nclear { wiat: true }\nclear { wait: 3 }');
  assert.equal(errorsOf(bad.r), ["1:6 unknown name 'nothere'", "2:9 clear has no parameter 'wiat' — did you mean 'wait'?", "3:15 clear wait must be true or false, got the number 3"]);
  assert.equal(bad.out, [], "a cell that does not check shows nothing");
});

test("a sweep is a table: every combination in order, columns from its rows", async () => {
  const it = createInterpreter({ baseDir: dir });
  const { r } = await run(it, "sweep p in [1, 2, 3], q in [10, 20] {\n  s = p * q\n  row { p: p, q: q, product: s, t: s * 1 ms }\n}");
  assert.ok(r.ok && r.value?.kind === "table");
  const t = (r.value as Extract<Value, { kind: "table" }>).table;
  assert.equal(t.columns, ["p", "q", "product", "t [s]"]);
  assert.equal(t.rows.map((row) => row.slice(0, 3)), [[1, 10, 10], [1, 20, 20], [2, 10, 20], [2, 20, 40], [3, 10, 30], [3, 20, 60]]);
  assert.ok(Math.abs((t.rows[5]![3] as number) - 0.06) < 1e-15);
  assert.is(it.names().has("s"), false, "names bound inside a sweep stay inside");
});

test("use: the user's own module by path, relative to the folder; a cycle is refused", async () => {
  writeFileSync(join(dir, "mine.snn"), "use rueckauer2017\nconversion fast extends rueckauer2017 { steps: 20 }\nhelper = 3\n");
  writeFileSync(join(dir, "a.snn"), 'use "b"\n');
  writeFileSync(join(dir, "b.snn"), 'use "a.snn"\n');
  const it = createInterpreter({ baseDir: dir });
  const { r } = await run(it, 'use "mine"\nfast.steps + helper');
  assert.equal(r.ok && r.value, { kind: "number", value: 23 });
  assert.is(it.names().has("rueckauer2017"), false, "a module exports only what it defines");
  const cyc = await run(it, 'use "a"');
  assert.equal(errorsOf(cyc.r).map((m) => m.replace(/^\d+:\d+ /, "")), ["modules use each other in a cycle: a.snn → b.snn → a.snn"]);
});

test("an interrupt stops a long run within a second and keeps the earlier names", async () => {
  const it = createInterpreter({ baseDir: dir });
  assert.ok((await run(it, "kept = 7")).r.ok);
  const ac = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 200);
  const { r } = await run(it, "kept = 0\nt = sweep i in range(100000) {\n  row { i: i, sq: sqrt(i) * sqrt(i) }\n}", ac.signal);
  const elapsed = performance.now() - t0;
  assert.is(r.ok, false);
  assert.is(!r.ok && r.errors[0]!.code, "interrupted");
  assert.ok(elapsed < 200 + 1000, `stopped after ${elapsed.toFixed(0)} ms`);
  assert.is(num(it, "kept"), 7);
});

test("a real run: train on synthetic data, ANN accuracy, rate conversion, simulation, save and load", async () => {
  const it = createInterpreter({ baseDir: dir });
  const src = `dataset syn = synthetic(count: 600, test_count: 200, shape: 1x8x8, classes: 4, noise: 0.6, seed: 3)
network small (input 1x8x8) {
  flatten
  dense 32 -> relu
  dense 4
}
train small on syn.train { epochs: 8, lr: 0.01, seed: 1 }
ann = accuracy(small, syn.test)
ann100 = accuracy(small, syn.test[0:100])
snn = convert small with rate { norm_data: syn.train[0:200] }
r = simulate snn on syn.test[0:100] { steps: 100 }
save small to "small.spikelab"
load small from "small.spikelab"
again = accuracy(small, syn.test)
r`;
  const { r } = await run(it, src);
  assert.equal(errorsOf(r), []);
  const ann = num(it, "ann")!;
  assert.ok(ann >= 0.9, `ANN accuracy ${ann} (chance is 0.25)`);
  assert.is(num(it, "again"), ann, "weights saved and loaded bit for bit give the same accuracy");
  const result = r.ok && r.value?.kind === "result" ? r.value.result : undefined;
  assert.ok(result !== undefined);
  assert.is(result.samples, 100);
  assert.is(result.family, "rate");
  assert.is(result.annAccuracy, num(it, "ann100"), "the result's ANN accuracy is the ANN's on the same slice");
  assert.ok(result.agreement >= 0.9, `SNN/ANN agreement ${result.agreement} after 100 steps`);
  assert.match(formatValue({ kind: "result", result }), /accuracy \d+\.\d\d %/);
});

test("use mnist_models: a trained stdlib network, on real MNIST, reproduces its card's accuracy", async () => {
  const card = JSON.parse(readFileSync(new URL("../../stdlib/models/mlp.card.json", import.meta.url), "utf8")) as { slice: { start: number; end: number; accuracy: number } };
  const it = createInterpreter({ baseDir: dir });
  const { r } = await run(it, `use mnist_models\naccuracy(mlp, mnist.test[${card.slice.start}:${card.slice.end}])`);
  assert.equal(errorsOf(r), []);
  assert.equal(r.ok && r.value, { kind: "number", value: card.slice.accuracy });
});

test("an engine's refusal is reported at its statement; options of the statement change it", async () => {
  const it = createInterpreter({ baseDir: dir });
  const { r } = await run(it, `dataset syn = synthetic(count: 100, shape: 1x4x4, classes: 2, seed: 1)
network tiny (input 1x4x4) {
  flatten
  dense 8 -> relu
  dense 2
}
train tiny on syn.train { epochs: 1 }
snn = convert tiny with rate { norm_data: syn.train }
export snn to "approx.nir" { reset: zero }
export snn to "exact.nir"`);
  assert.is(!r.ok && r.errors[0]!.loc?.line, 10);
  assert.match(errorsOf(r)[0]!, /^10:1 export to NIR: 'tiny_rate' resets by subtraction/);
  assert.ok(existsSync(join(dir, "approx.nir")));
  assert.is(existsSync(join(dir, "exact.nir")), false);
});

test("a part of the engine that is missing says so by name", () => {
  const e = unsupported("simulate (rate)");
  assert.equal([e.code, e.message], ["unsupported", "not yet supported: simulate (rate)"]);
});

test.run();

// The language session: names persist across executions, a failed execution changes nothing,
// re-running rebinds; what a program prints and shows; sweeps as tables; modules; interrupts;
// and a real run (train → accuracy → convert → simulate) on a seeded synthetic dataset.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { ExecuteResult, Interpreter, Output, Value } from "../../dsl/api.ts";
import { unsupported } from "../../dsl/engine.ts";
import { formatValue } from "../../dsl/format.ts";
import { createInterpreter } from "../../dsl/interpreter.ts";
import { InterruptedError } from "../../stdlib/errors.ts";
import type { SimResult } from "../../stdlib/ir/results.ts";

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

// One session for the interrupt tests: the stdlib MLP converted once (rate, 784-300-100-10).
let mnistSession: Interpreter | undefined;
async function mnistInterp(): Promise<Interpreter> {
  if (mnistSession === undefined) {
    mnistSession = createInterpreter({ baseDir: dir });
    assert.equal(errorsOf((await run(mnistSession, "use mnist_models, rueckauer2017\nkept = 1\nsnn0 = convert mlp with rueckauer2017")).r), []);
  }
  return mnistSession;
}

test("an interrupted simulate (real MNIST) fails, binds nothing, and its message reports the figures of the images done", async () => {
  const it = await mnistInterp();
  const ac = new AbortController();
  // Stop once a dozen images are done: a second or so into a run of about a minute.
  const progress = (p: { done: number }): void => {
    if (p.done >= 12) ac.abort();
  };
  const out: Output[] = [];
  const r = await it.execute("kept = 2\nsnn = snn0\nr = simulate snn on mnist.test[0:2000] { steps: 2000, workers: 1 }", "cell", { emit: (o) => out.push(o), signal: ac.signal, progress });
  assert.is(r.ok, false);
  const e = !r.ok ? r.errors[0]! : undefined;
  assert.instance(e, InterruptedError);
  assert.equal([e!.code, e!.loc?.line, e!.loc?.column], ["interrupted", 3, 5]);
  const m = /^simulate mlp_rueckauer2017 on mnist\.test\[0:2000\] interrupted after ([\d,]+) of 2,000 images; so far accuracy (\d+\.\d\d) % \(ANN (\d+\.\d\d) % on the same images\), agreement (\d+\.\d\d) %, [\d.,]+ spikes per neuron, [\d,]+ synaptic operations per image, latency 2,000 steps$/.exec(e!.message);
  assert.ok(m !== null, e!.message);
  // The figures in the message are those of the partial result the error carries (never bound).
  const partial = (e as InterruptedError).partial as SimResult;
  assert.is(partial.partial, true);
  assert.is(m[1], partial.samples.toLocaleString("en-US"));
  assert.ok(partial.samples >= 12 && partial.samples < 2000, `${partial.samples} images done`);
  assert.is(m[2], (100 * partial.accuracy).toFixed(2));
  assert.is(m[3], (100 * partial.annAccuracy).toFixed(2));
  assert.is(m[4], (100 * partial.agreement).toFixed(2));
  assert.ok(partial.accuracy >= 0.9, `the first ${partial.samples} test images at 2,000 steps: accuracy ${partial.accuracy}`);
  assert.match(e!.hint!, /nothing was bound/);
  // Nothing of the cell is bound, not even what finished before the simulation.
  assert.is(num(it, "kept"), 1);
  assert.is(it.names().has("snn"), false);
  assert.is(it.names().has("r"), false);
  assert.ok(it.names().has("snn0"));
  assert.equal(out.filter((o) => o.kind === "text" && /interrupted/.test(o.text)), [], "no separate note: the error says it");
  // The session goes on.
  assert.ok((await run(it, "kept = kept + 1")).r.ok);
  assert.is(num(it, "kept"), 2);
});

test("an interrupted train fails, keeps the untrained network, and reports its epoch, samples, loss and accuracy so far", async () => {
  const it = createInterpreter({ baseDir: dir });
  const setup = "dataset syn = synthetic(count: 4000, shape: 1x8x8, classes: 4, noise: 0.6, seed: 3)\nnetwork small (input 1x8x8) {\n  flatten\n  dense 64 -> relu\n  dense 4\n}";
  assert.ok((await run(it, setup)).r.ok);
  const ac = new AbortController();
  let epochsDone = 0;
  const r = await it.execute("train small on syn.train { epochs: 50, batch: 8, lr: 0.01, seed: 1 }", "cell", {
    emit: () => undefined,
    signal: ac.signal,
    progress: (p) => {
      epochsDone = p.done;
      if (p.done >= 1.2) ac.abort();
    },
  });
  assert.is(r.ok, false);
  const msg = r.ok ? "" : r.errors[0]!.message;
  const m = /^train small interrupted in epoch (\d+) of 50 after ([\d,]+) of 4,000 samples; so far this epoch loss ([\d.]+), training accuracy (\d+\.\d\d) %; epoch (\d+) ended at loss ([\d.]+), training accuracy (\d+\.\d\d) %$/.exec(msg);
  assert.ok(m !== null, msg);
  assert.ok(Number(m[1]) >= 2 && Number(m[1]) <= Math.ceil(epochsDone) + 1, `${m[1]} vs progress ${epochsDone}`);
  assert.is(Number(m[5]), Number(m[1]) - 1, "the last epoch finished is the one before");
  assert.ok(Number(m[7]) > 25, `after an epoch the training accuracy (${m[7]} %) is above chance`);
  // Training changes a network in place; interrupted, it leaves the network as it was: untrained.
  assert.match(formatValue(it.names().get("small")!), /not trained/);
});

test("an interrupted sweep shows the rows it finished, then fails naming the step it was in", async () => {
  const it = await mnistInterp();
  const ac = new AbortController();
  const out: Output[] = [];
  // The third step's simulation is stopped a dozen images in.
  const progress = (p: { done: number; total: number }): void => {
    if (p.total === 1000 && p.done >= 12) ac.abort();
  };
  const r = await it.execute("t = sweep n in [4, 8, 1000] {\n  r = simulate snn0 on mnist.test[0:n] { steps: 2000, workers: 1 }\n  row { images: n, accuracy: r.accuracy }\n}", "cell", { emit: (o) => out.push(o), signal: ac.signal, progress });
  assert.is(r.ok, false);
  const e = !r.ok ? r.errors[0]! : undefined;
  assert.is(e?.code, "interrupted");
  assert.match(e!.message, /^simulate mlp_rueckauer2017 on mnist\.test\[0:1000\] interrupted after [\d,]+ of 1,000 images; so far accuracy .*; the sweep was in step 3 of 3; its 2 rows done are shown above$/);
  const shown = out.flatMap((o) => (o.kind === "display" && o.value.kind === "table" ? [o.value.table] : []));
  assert.is(shown.length, 1);
  assert.is(shown[0]!.title, "sweep interrupted in step 3 of 3: the 2 rows done");
  assert.equal(shown[0]!.rows.map((row) => row[0]), [4, 8]);
  assert.ok(shown[0]!.rows.every((row) => typeof row[1] === "number" && row[1] >= 0.75), JSON.stringify(shown[0]!.rows));
  assert.is(it.names().has("t"), false);
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

test("a recording the run cannot fill is refused at its option; a neuron past its layer is named", async () => {
  const it = createInterpreter({ baseDir: dir });
  const setup = `dataset syn = synthetic(count: 100, shape: 1x4x4, classes: 2, seed: 1)
network tiny (input 1x4x4) {
  flatten
  dense 8 -> relu
  dense 2
}
train tiny on syn.train { epochs: 1 }
snn = convert tiny with rate { norm_data: syn.train }`;
  assert.equal(errorsOf((await run(it, setup)).r), []);
  const rec = (await run(it, "r = simulate snn on syn.test[0:10] { steps: 5, record: [0, 20] }")).r;
  assert.equal(errorsOf(rec), ["1:48 record: [0, 20] asks for samples up to 20, but syn.test[0:10] has 10"]);
  const tr = (await run(it, "r = simulate snn on syn.test[0:10] { steps: 5, trace: [30, 31] }")).r;
  assert.equal(errorsOf(tr), ["1:48 trace: [30, 31] is past every layer of 'tiny_rate': the largest has 8 neurons"]);
  const tooMany = availableParallelism() + 1;
  const many = await run(it, `r = simulate snn on syn.test[0:10] { steps: 5, workers: ${tooMany} }`);
  assert.equal(errorsOf(many.r), []);
  assert.ok(many.out.some((o) => o.kind === "text" && o.stream === "stderr" && o.text.startsWith(`workers: ${tooMany} is more than the ${tooMany - 1} cores here`)), "too many workers are warned about");
  const ok = await run(it, 'r = simulate snn on syn.test[0:10] { steps: 5, trace: [0, 2] }\nr2 = simulate snn on syn.test[0:10] { steps: 5 }\nplot membrane r2 { layer: "relu1", neuron: 9 }');
  assert.equal(errorsOf(ok.r), ["3:1 layer 'relu1' has 8 neurons (0 to 7); there is no neuron 9"]);
});

test("a part of the engine that is missing says so by name", () => {
  const e = unsupported("simulate (rate)");
  assert.equal([e.code, e.message], ["unsupported", "not yet supported: simulate (rate)"]);
});

test.run();

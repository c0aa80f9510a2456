// `spikelab run` as a user sees it: tables of results and of sweep rows read exactly as the
// kernel's text/plain of the same values (percentages, units, separators: one renderer), and
// Ctrl-C in the middle of a simulation prints the figures measured so far and exits 130.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Value } from "../../dsl/api.ts";
import { createInterpreter } from "../../dsl/interpreter.ts";
import { Display } from "../../kernel/display.ts";
import { ROOT } from "./client.ts";

const dir = mkdtempSync(join(tmpdir(), "spikelab-cli-"));
const BIN = join(ROOT, "kernel/bin.js");

const SETUP = `use rueckauer2017
data = synthetic(count: 400, test_count: 60, seed: 2)
network tiny (input 1x8x8) {
  flatten
  dense 16 -> relu
  dense 4
}
train tiny on data.train { epochs: 2, batch: 32, lr: 0.01, seed: 1 }
snn = convert tiny with rueckauer2017 { norm_data: data.train[0:200] }
`;

const TABLES = `${SETUP}r20 = simulate snn on data.test { steps: 20 }
r50 = simulate snn on data.test[0:40] { steps: 50 }
table r20, r50
t = sweep s in [3, 30] {
  r = simulate snn on data.test[0:20] { steps: s }
  row { steps: s, accuracy: r.accuracy, ops: r.synapticOpsTotal, t: s * 1 ms }
}
table t
`;

test("tables print as the kernel's text/plain of the same values: percent, units, separators", async () => {
  writeFileSync(join(dir, "tables.snn"), TABLES);
  const cli = spawnSync(process.execPath, [BIN, "run", "tables.snn"], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  assert.is(cli.status, 0, cli.stderr);
  // The same program in this process; each table the kernel would show, as its text/plain.
  const shown: Value[] = [];
  const r = await createInterpreter({ baseDir: dir }).execute(TABLES, "tables.snn", { emit: (o) => o.kind === "display" && shown.push(o.value) });
  assert.ok(r.ok);
  const display = new Display();
  const texts = shown.map((v) => display.bundle(v)["text/plain"] as string);
  assert.is(texts.length, 2);
  assert.is(cli.stdout, texts.join(""), "the CLI prints exactly what the kernel shows as text");
  const [results, sweep] = texts as [string, string];
  const rows = results.split("\n").slice(3, 5);
  assert.match(results.split("\n")[1]!, /^family\s+network\s+data\s+samples\s+accuracy\s+ANN accuracy\s+agreement\s+latency\s+spikes \/ neuron\s+synaptic ops \/ sample/);
  assert.match(rows[0]!, /^rate\s+tiny_rueckauer2017\s+synthetic_blobs\.test\[0:60\]\s+60\s+\d+\.\d\d %\s+\d+\.\d\d %\s+\d+\.\d\d %\s+20 steps\s+\d+(\.\d{1,3})?\s+[\d,]+\s+[\d,]+\s/);
  assert.match(rows[1]!, /^rate\s+tiny_rueckauer2017\s+synthetic_blobs\.test\[0:40\]\s+40\s.*\s50 steps\s/);
  // Sweep rows: accuracy as a percentage, the time in its base unit, at most 4 significant digits.
  assert.match(sweep, /^steps\s+accuracy\s+ops\s+t \[s\]\n/);
  assert.match(sweep.split("\n")[2]!, /^\s+3\s+\d+\.\d\d %\s+[\d,.]+\s+0\.003$/);
  // No raw floats: every decimal shown (percentages aside) has at most 4 significant digits.
  const digits = [...cli.stdout.matchAll(/\b\d+\.\d+\b(?! %)/g)].map((m) => m[0].replace(".", "").replace(/^0+/, ""));
  assert.ok(digits.length >= 8 && digits.every((d) => d.length <= 4), digits.join(" "));
});

test("Ctrl-C during a simulation: the figures measured so far, no names kept, exit 130", async () => {
  writeFileSync(join(dir, "long.snn"), `${SETUP}print "simulating"\nlong = simulate snn on data.train[0:400] { steps: 200000, workers: 1 }\nprint "not reached"\n`);
  const child = spawn(process.execPath, [BIN, "run", "long.snn"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const started = new Promise<void>((resolve) => child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes("simulating")) resolve();
  }));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  await started;
  // Into the simulation (about 400 × 200,000 steps: minutes if left alone).
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = performance.now();
  child.kill("SIGINT");
  const code = await exited;
  const stopMs = performance.now() - t0;
  assert.is(code, 130, stderr);
  assert.ok(stopMs < 5000, `stopped ${stopMs.toFixed(0)} ms after Ctrl-C`);
  assert.is(stdout, "simulating\n");
  const m = /long\.snn:11:8: error: (simulate tiny_rueckauer2017 on synthetic_blobs\.train\[0:400\] interrupted (after ([\d,]+) of 400 images; so far accuracy \d+\.\d\d % \(ANN \d+\.\d\d % on the same images\), agreement \d+\.\d\d %, [\d.,]+ spikes per neuron, [\d,]+ synaptic operations per image, latency 200,000 steps|before its first image finished \(0 of 400 images\)))\n/.exec(stderr);
  assert.ok(m !== null, stderr);
  assert.match(stderr, /^interrupting… \(Ctrl-C again to quit at once\)$/m);
  assert.match(stderr, /\nhint: nothing was bound: run it again to finish/);
  assert.not.match(stderr, /\n\s+at .*\.ts:\d+/, "no stack trace");
});

test.run();

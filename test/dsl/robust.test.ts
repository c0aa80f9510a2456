// Bad input never crashes, hangs or shows a stack trace: empty and binary files, unterminated
// strings, 10,000 nested brackets, a 10 MB file, a megabyte of nonsense, absurd sizes, very long
// expressions, and a few hundred mutated programs; and the CLI's exit codes and output.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createInterpreter } from "../../dsl/interpreter.ts";
import { check } from "./helpers.ts";

const root = new URL("../..", import.meta.url).pathname;
const dir = mkdtempSync("/tmp/spikelab-robust-");

test("empty, blank, comment-only, CRLF and tab-indented programs", async () => {
  for (const text of ["", "\n\n  \n", "# only a comment\n# another", "x = 1\r\ny = x + 1\r\n", "network n (input 784) {\n\tdense 10\n}"]) {
    assert.equal((await check(text)).messages, [], JSON.stringify(text));
  }
});

test("binary data, unterminated strings, stray characters", async () => {
  assert.equal((await check("abc\x00\x01\x02\xff")).messages, ["1:4 this is not a spikelab program: binary data (U+0000)"]);
  assert.equal((await check("x = 1\ny = \ufffd")).messages, ["2:5 this is not a spikelab program: binary data (U+FFFD)"]);
  assert.equal((await check('print "never closed\nx = 1')).messages, ["1:7 unterminated string"]);
  assert.equal((await check("x = 1 € 2")).messages, ["1:7 unexpected character '€'"]);
  assert.equal((await check("x = 🙂")).messages, ["1:5 unexpected character '🙂'"]);
});

test("10,000 nested brackets of each kind are refused at the 101st", async () => {
  for (const [open, close] of [["(", ")"], ["[", "]"], ["{", "}"]]) {
    const text = "x = " + open!.repeat(10000) + "1" + close!.repeat(10000);
    assert.equal((await check(text)).messages, ["1:105 brackets nested more than 100 deep"], open);
  }
  assert.equal((await check("x = " + "(".repeat(100) + "1" + ")".repeat(100))).messages, [], "100 deep is fine");
});

test("a 10 MB file is refused at once; a megabyte of nonsense stops after 50 errors", async () => {
  const big = "x = 1 + 2\n".repeat(1_000_000);
  const t0 = performance.now();
  const c = await check(big);
  assert.equal(c.messages, ["1:1 this program is 10.0 MB; spikelab reads programs of up to 1 MB"]);
  assert.ok(performance.now() - t0 < 1000);
  const junk = "lorem ipsum dolor ) sit amet ]\n".repeat(30_000);
  const j = await check(junk);
  assert.is(j.errors.length, 51);
  assert.is(j.messages[50], "50:7 too many errors; stopped reading after 50");
});

test("absurd sizes are refused with the memory they would need", async () => {
  assert.equal((await check("network n (input 784) {\n  dense 1e12\n}")).messages, ["2:3 layer 'dense1' would need 2.8 PiB for its weights (float32), more than the 4.0 GiB spikelab allows"]);
  assert.equal((await check("network n (input 3x32x32) {\n  conv 1000000 kernel 31\n}")).messages, ["2:3 layer 'conv1' would need 11 GiB for its weights (float32), more than the 4.0 GiB spikelab allows"]);
  assert.equal((await check("x = range(1e9)")).messages, ["1:5 range(0, 1000000000, 1) would have 1000000000 items; at most 1,000,000"]);
});

test("very long expressions evaluate without deep recursion", async () => {
  const it = createInterpreter({ baseDir: dir });
  const r = await it.execute(`x = 1${"+1".repeat(100_000)}\ny = ${"-".repeat(100_001)}2\nz = 2${"^1".repeat(20_000)}`, "long", { emit: () => {} });
  assert.ok(r.ok);
  const get = (n: string): unknown => { const v = it.names().get(n); return v?.kind === "number" ? v.value : v; };
  assert.equal([get("x"), get("y"), get("z")], [100_001, -2, 2]);
});

test("300 mutated programs: every one checks without a crash, and every error has a place", async () => {
  const doc = readFileSync(join(root, "docs/language.md"), "utf8");
  const seeds = [...doc.matchAll(/```snn\n([\s\S]*?)```/g)].map((m) => m[1]!);
  let state = 12345;
  const rand = (n: number): number => ((state = (state * 1103515245 + 12345) % 2 ** 31), state % n);
  const pieces = ["(", ")", "{", "}", "[", "]", "->", ":", ",", "\n", '"', "1e12", "-", "conv", "x", "ms", "Hz", "0", "#", ".", "=", "from", "sweep", "row"];
  for (let i = 0; i < 300; i++) {
    let text = seeds[rand(seeds.length)]!;
    for (let k = 0; k < 1 + rand(4); k++) {
      const at = rand(text.length + 1);
      const op = rand(3);
      if (op === 0) text = text.slice(0, at) + pieces[rand(pieces.length)] + text.slice(at);
      else if (op === 1) text = text.slice(0, at) + text.slice(at + 1 + rand(8));
      else text = text.slice(0, at) + text.slice(rand(text.length)) ;
    }
    const c = await check(text);
    for (const e of c.errors) {
      assert.ok(e.loc !== undefined, `no place for '${e.message}' in: ${text}`);
      assert.not.match(e.message, /internal error/, text);
    }
  }
});

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, "kernel/bin.js"), ...args], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("spikelab check: exit 0 clean, 1 with every error formatted with a caret; never a stack", () => {
  writeFileSync(join(dir, "good.snn"), "use lenet\nconversion r extends rate { steps: 10 }\n");
  writeFileSync(join(dir, "bad.snn"), "network n (input 1x28x28) {\n  conv 6 kernal 5\n}\nx = 1 ms + 5 Hz\n");
  writeFileSync(join(dir, "binary.snn"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 255]));
  writeFileSync(join(dir, "huge.snn"), "x = 1\n".repeat(2_000_000));
  const good = cli(["check", "good.snn"]);
  assert.equal([good.status, good.stdout, good.stderr], [0, "", ""]);
  const bad = cli(["check", "bad.snn", "binary.snn", "huge.snn", "missing.snn"]);
  assert.is(bad.status, 1);
  assert.is(bad.stderr, [
    "bad.snn:2:10: error: unknown conv option 'kernal' — did you mean 'kernel'?",
    "    conv 6 kernal 5",
    "           ^^^^^^",
    "hint: conv takes filters first, then kernel, stride, pad, groups, bias",
    "bad.snn:4:5: error: cannot add 1 ms and 5 Hz: a time and a frequency",
    "  x = 1 ms + 5 Hz",
    "      ^^^^^^^^^^^",
    "2 errors",
    "binary.snn:1:5: error: this is not a spikelab program: binary data (U+0000)",
    "hint: spikelab programs are UTF-8 text files (.snn)",
    "huge.snn:1:1: error: this program is 12.0 MB; spikelab reads programs of up to 1 MB",
    "  x = 1",
    "  ^",
    "hint: split it into modules and bring them in with `use \"part.snn\"`",
    "spikelab: cannot read missing.snn: no such file",
    "",
  ].join("\n"));
  assert.is(cli(["check"]).status, 2);
});

test("spikelab run: output, exit 0; an error while running: its diagnostic, exit 1, no stack", () => {
  writeFileSync(join(dir, "ok.snn"), 'use rueckauer2017\nprint "percentile", rueckauer2017.percentile\nt = sweep k in [1, 2] {\n  row { k: k, dt: k * 1 ms }\n}\nt\n');
  const ok = cli(["run", "ok.snn"]);
  assert.is(ok.status, 0, ok.stderr);
  assert.is(ok.stdout, "percentile 99.9\nk  dt [s]\n-  ------\n1   0.001\n2   0.002\n");
  writeFileSync(join(dir, "missing.snn"), 'print "before"\nload net from "no/such/file.spikelab"\nprint "after"\n');
  const bad = cli(["run", "missing.snn"]);
  assert.is(bad.status, 1);
  assert.is(bad.stdout, "before\n");
  assert.is(bad.stderr, `missing.snn:2:1: error: ${join(dir, "no/such/file.spikelab")}: cannot be read (no such file)\n  load net from "no/such/file.spikelab"\n  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n`);
});

test.run();

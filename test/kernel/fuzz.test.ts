// Fuzz: 1,000 mutated programs sent to the real kernel as cells. Every one must be answered
// (ok, or a language error with a diagnostic, never a stack), the kernel must stay alive and
// its memory must level off. Mutations are seeded, so a failure replays exactly.
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ROOT, TestClient } from "./client.ts";

const SEEDS = [
  'print "hello, world"',
  "x = 3 * (2 + 1)\nx",
  "step = 1 ms\nfreq = 1000 Hz\nstep * freq",
  "xs = [1, 2, 3]\nxs",
  "network small (input 1x8x8) {\n  conv 4 kernel 3 pad 1 -> relu\n  avgpool 2\n  flatten\n  dense 10 -> relu\n  dense 4\n}\ntable small",
  "use rueckauer2017\nrueckauer2017",
  "conversion mine extends rate {\n  threshold: 2\n  reset: zero\n  dt: 0.5 ms\n}\nmine",
  "sweep p in [1, 2, 3] {\n  row { p: p, square: p * p }\n}",
  "data = synthetic(count: 50, seed: 1)\ndata.test[0:10]",
  "use lenet\nlenet",
  "y = 2 ^ 10\ny - 24",
];

const FRAGMENTS = ["{", "}", "(", ")", "[", "]", "->", ":", ",", ".", "=", '"', "#", "\n", " ", "1x28x28", "99999", "-1", "0", "1e400", "ms", "Hz", "relu", "dense", "conv", "network", "conversion", "extends", "convert", "simulate", "with", "on", "sweep", "row", "table", "plot", "print", "use", "x", "small", "mine", "λ", "🧠", "\t", "\\", "//", "/*"];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: string, r: () => number): string {
  let s = src;
  const edits = 1 + Math.floor(r() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (s.length + 1));
    const len = Math.floor(r() * 6);
    switch (Math.floor(r() * 6)) {
      case 0: // delete a span
        s = s.slice(0, at) + s.slice(at + len);
        break;
      case 1: // insert a fragment
        s = s.slice(0, at) + FRAGMENTS[Math.floor(r() * FRAGMENTS.length)]! + s.slice(at);
        break;
      case 2: // duplicate a span
        s = s.slice(0, at) + s.slice(at, at + len * 3) + s.slice(at);
        break;
      case 3: { // swap two lines
        const lines = s.split("\n");
        const i = Math.floor(r() * lines.length), j = Math.floor(r() * lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        s = lines.join("\n");
        break;
      }
      case 4: // truncate
        s = s.slice(0, at);
        break;
      default: // replace a character by a random printable one
        s = s.slice(0, at) + String.fromCharCode(32 + Math.floor(r() * 95)) + s.slice(at + 1);
    }
  }
  return s;
}

let k: TestClient;
test.before(async () => {
  k = await TestClient.start([process.execPath, join(ROOT, "kernel/bin.js"), "kernel", "--connection-file", "{connection_file}"]);
});
test.after(async () => {
  await k.close();
});

test("the seed programs run clean", async () => {
  for (const code of SEEDS) {
    const { reply } = await k.execute(code);
    assert.is(reply.content.status, "ok", `${code}\n→ ${String(reply.content.evalue)}`);
  }
});

test("1,000 mutated programs: all answered, no stacks, kernel alive, memory levels off", async () => {
  const r = rng(20261126);
  const counts = { ok: 0, error: 0 };
  const enames = new Map<string, number>();
  let rssAt200 = 0;
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) {
    const code = mutate(SEEDS[Math.floor(r() * SEEDS.length)]!, r);
    const answered = await Promise.race([k.execute(code), new Promise<undefined>((res) => setTimeout(() => res(undefined), 30_000))]);
    assert.ok(answered !== undefined, `cell ${i} was not answered within 30 s:\n${code}`);
    const c = answered.reply.content;
    assert.ok(c.status === "ok" || c.status === "error", `cell ${i}: status ${String(c.status)}`);
    if (c.status === "error") {
      counts.error++;
      enames.set(c.ename as string, (enames.get(c.ename as string) ?? 0) + 1);
      const tb = (c.traceback as string[]).join("\n");
      assert.ok(tb.length > 0, `cell ${i}: empty traceback`);
      assert.not.match(tb, /\n\s+at .*(\.ts|\.js):\d+/, `cell ${i}: a stack trace reached the user:\n${code}\n${tb}`);
      assert.is.not(c.ename, "KernelError", `cell ${i}: the kernel itself failed:\n${code}`);
      assert.not.match(c.evalue as string, /^internal error/, `cell ${i}: an internal error:\n${code}\n${tb}`);
    } else counts.ok++;
    if (i === 199) rssAt200 = k.rssMb();
  }
  const rssEnd = k.rssMb();
  console.log(`  fuzz: ${counts.ok} ok, ${counts.error} errors ${JSON.stringify(Object.fromEntries(enames))}, ${((performance.now() - t0) / 1000).toFixed(1)} s; RSS ${rssAt200.toFixed(0)} MB after 200 cells, ${rssEnd.toFixed(0)} MB after 1000`);
  assert.ok(await k.heartbeat(), "heartbeat answers");
  assert.is(k.proc.exitCode, null);
  // Cells 200..1000 keep only history (a few hundred kB): growth beyond 100 MB is a leak.
  assert.ok(rssEnd - rssAt200 < 100, `RSS grew from ${rssAt200.toFixed(0)} to ${rssEnd.toFixed(0)} MB`);
  const after = await k.execute("x = 40 + 2\nx");
  assert.is(after.reply.content.status, "ok");
});

test.run();

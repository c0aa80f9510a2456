// The AMOS gate circuit: its two forms agree exactly, the ReLU circuit is exactly a K-bit
// quantiser, and the staircase enumeration matches the circuit point by point.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { amosOutput, applyCircuit, circuit, fsOutput } from "../../stdlib/convert/amos/circuit.ts";
import { reluCircuit, reluQuantiser, alphaForLevel } from "../../stdlib/convert/amos/relu.ts";
import { rng } from "../../stdlib/convert/amos/numerics.ts";
import { staircase } from "../../stdlib/convert/amos/staircase.ts";
import { SpikelabError } from "../../stdlib/errors.ts";

const popcount = (m: number): number => {
  let n = 0;
  for (; m > 0; m >>= 1) n += m & 1;
  return n;
};

test("AMOS form (K neurons, lateral inhibition) and FS form (one neuron, K steps) give the same spikes and output", () => {
  const r = rng(42);
  for (let trial = 0; trial < 200; trial++) {
    const K = 1 + Math.floor(r() * 16);
    const u = (): number => (r() - 0.5) * 6;
    const c = circuit(Array.from({ length: K }, u), Array.from({ length: K }, u), Array.from({ length: K }, u));
    for (let i = 0; i < 50; i++) {
      const x = (r() - 0.5) * 20;
      const za = new Uint8Array(K), zf = new Uint8Array(K);
      const ya = amosOutput(c, x, za);
      const yf = fsOutput(c, x, zf);
      assert.is(ya, yf);
      assert.equal(Array.from(za), Array.from(zf));
    }
  }
});

test("at most one spike per AMOS neuron and a known hand-worked circuit", () => {
  // h = (2, 1), d = (10, 1), T = (1, 0.5): x = 3.2 → v 3.2 > 1 fires (y 10, v 1.2); 1.2 > 0.5 fires (y 11).
  const c = circuit([2, 1], [10, 1], [1, 0.5]);
  const z = new Uint8Array(2);
  assert.is(amosOutput(c, 3.2, z), 11);
  assert.equal(Array.from(z), [1, 1]);
  // x = 2.9: fires (v 0.9), 0.9 > 0.5 fires → 11; x = 2.4: fires (v 0.4) then not → 10; x = 0.7: 0.7 > 1 no; 0.7 > 0.5 → 1.
  assert.is(fsOutput(c, 2.4, z), 10);
  assert.equal(Array.from(z), [1, 0]);
  assert.is(fsOutput(c, 0.7, z), 1);
  assert.is(fsOutput(c, 1, z), 1); // strict: v = 1 is not > T_1 = 1
});

test("applyCircuit equals the per-value circuit and counts spikes per unit", () => {
  const r = rng(7);
  const c = circuit([1.5, -0.5, 0.25, 2], [0.3, 0.2, -0.1, 0.05], [0, -1, 0.5, -2]);
  const x = Float64Array.from({ length: 1000 }, () => (r() - 0.5) * 8);
  const y = new Float32Array(x.length);
  const counts = new Uint8Array(x.length);
  const run = applyCircuit(c, x, y, counts);
  const perUnit = new Float64Array(4);
  let total = 0;
  const z = new Uint8Array(4);
  x.forEach((v, i) => {
    assert.is(y[i], Math.fround(fsOutput(c, v, z)));
    const n = z.reduce((a, b) => a + b, 0);
    assert.is(counts[i], n);
    total += n;
    z.forEach((s, k) => (perUnit[k] = perUnit[k]! + s));
  });
  assert.is(run.spikes, total);
  assert.equal(Array.from(run.spikesPerUnit), Array.from(perUnit));
});

test("ReLU circuit h = d = T = α·2^-k is exactly the K-bit quantiser (α = 25, K = 10, the authors' values)", () => {
  const alpha = 25, K = 10, levels = 2 ** K;
  const c = reluCircuit(alpha, K);
  const r = rng(3);
  for (let i = 0; i < 20000; i++) {
    const x = -5 + r() * 35;
    const y = fsOutput(c, x);
    assert.is(y, reluQuantiser(alpha, K, x));
    // Off the levels, the quantiser is α·⌊x·2^K/α⌋/2^K (checked with exact comparisons, no division).
    if (x > 0 && x < (alpha * (levels - 1)) / levels) {
      const m = Math.round((y * levels) / alpha);
      assert.ok((alpha * m) / levels < x && x <= (alpha * (m + 1)) / levels, `x ${x} → level ${m}`);
    }
  }
  assert.is(fsOutput(c, -3), 0);
  assert.is(fsOutput(c, 0), 0);
  assert.is(fsOutput(c, 1e6), (alpha * (levels - 1)) / levels);
});

test("ReLU circuit on the levels: strict thresholds put x = α·m/2^K on level m − 1, with popcount(m − 1) spikes", () => {
  for (const K of [1, 3, 8, 12]) {
    const alpha = 1.75, levels = 2 ** K;
    const c = reluCircuit(alpha, K);
    const z = new Uint8Array(K);
    for (let m = 1; m < levels; m++) {
      const x = (alpha * m) / levels;
      assert.is(fsOutput(c, x, z), (alpha * (m - 1)) / levels, `K ${K} m ${m}`);
      assert.is(z.reduce((a, b) => a + b, 0), popcount(m - 1));
      // Just above the level the circuit reaches level m: its spikes are m's binary digits.
      const above = fsOutput(c, x * (1 + 1e-12), z);
      assert.is(above, (alpha * m) / levels);
      assert.equal(Array.from(z).join(""), m.toString(2).padStart(K, "0"));
    }
  }
});

test("ReLU circuit rounding to nearest: every output is a level within half a level of x (one level at the clip)", () => {
  const r = rng(8);
  for (const K of [2, 3, 6, 10]) {
    const alpha = 3, levels = 2 ** K, step = alpha / levels;
    const c = reluCircuit(alpha, K, "nearest");
    for (let i = 0; i < 5000; i++) {
      const x = -1 + r() * 4;
      const y = fsOutput(c, x);
      const m = Math.round(y / step);
      assert.ok(Math.abs(y - m * step) < 1e-12 && m >= 0 && m < levels, `K ${K}: ${y} is not a level`);
      const top = alpha - step;
      if (x <= 0) assert.is(y, 0);
      else if (x < top) assert.ok(Math.abs(y - x) <= step / 2 + 1e-12, `K ${K}: x ${x} → ${y}`);
      else assert.ok(y === top || (y === top - step && x < top + step / 2), `K ${K}: x ${x} → ${y}`);
    }
    // The floor circuit's error reaches a whole level; this one's never more than half.
    const floor = reluCircuit(alpha, K);
    assert.ok(fsOutput(floor, 0.99 * step) === 0 && fsOutput(c, 0.99 * step) === step);
  }
});

test("alpha for a level puts the top quantiser level on it; bad α or K are param errors", () => {
  const a = alphaForLevel(6.3, 10);
  assert.ok(Math.abs(a * (1 - 2 ** -10) - 6.3) < 1e-12);
  assert.throws(() => reluCircuit(0, 10), (e: unknown) => e instanceof SpikelabError && e.code === "param" && /alpha/.test(e.message));
  assert.throws(() => reluCircuit(1, 0), (e: unknown) => e instanceof SpikelabError && e.code === "param");
  assert.throws(() => circuit([1, 2], [1], [1, 2]), (e: unknown) => e instanceof SpikelabError && /one length K/.test(e.message));
});

test("staircase: steps cover the range in order, each step's output is the circuit's, edges separate different patterns", () => {
  const r = rng(11);
  for (let trial = 0; trial < 50; trial++) {
    const K = 2 + Math.floor(r() * 8);
    const u = (): number => (r() - 0.5) * 4;
    const c = circuit(Array.from({ length: K }, u), Array.from({ length: K }, u), Array.from({ length: K }, u));
    const s = staircase(c, -5, 5);
    assert.is(s.steps[0]!.lo, -5);
    assert.is(s.steps[s.steps.length - 1]!.hi, 5);
    assert.is(s.edges.length, s.steps.length - 1);
    s.steps.forEach((st, i) => {
      if (i > 0) assert.is(st.lo, s.steps[i - 1]!.hi);
      const mid = (st.lo + st.hi) / 2;
      const z = new Uint8Array(K);
      assert.ok(Math.abs(fsOutput(c, mid, z) - st.y) < 1e-12);
      assert.equal(Array.from(z), Array.from(st.pattern));
    });
  }
  // The ReLU circuit on (0, α]: exactly 2^K steps of width α/2^K.
  const s = staircase(reluCircuit(8, 5), 0, 8);
  assert.is(s.steps.length, 32);
  assert.ok(s.steps.every((st, m) => Math.abs(st.hi - st.lo - 0.25) < 1e-12 && st.y === m * 0.25));
});

test.run();

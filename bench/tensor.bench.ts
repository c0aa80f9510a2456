// Kernel speed on one core: GEMM GFLOP/s at 256/512/1024, LeNet conv layers, event scatter in
// G synaptic ops/s against a plain-JS loop, and the threshold sweep. Not a test: nothing asserts.
// Times are this process's CPU time (one thread), best of several rounds: the machine is shared,
// and wall time would count other engineers' jobs as ours.
import * as ops from "../stdlib/tensor/ops.ts";
import { conv2dGeometry, type Conv2dGeometry } from "../stdlib/tensor/geometry.ts";
import { createPool } from "../stdlib/tensor/pool.ts";

function fill(a: Float32Array, seed: number): Float32Array {
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** CPU seconds per call: best mean over `rounds` rounds of at least `minSeconds` each. */
function timeIt(fn: () => void, rounds = 5, minSeconds = 0.2): number {
  // Calls per clock reading, so reading the clock (~1 µs) does not count as kernel time.
  const t0 = cpuSeconds();
  fn();
  const once = Math.max(cpuSeconds() - t0, 1e-7);
  const group = Math.max(1, Math.min(10_000, Math.floor(0.005 / once)));
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    let calls = 0;
    const start = cpuSeconds();
    let t = start;
    do {
      for (let i = 0; i < group; i++) fn();
      calls += group;
      t = cpuSeconds();
    } while (t - start < minSeconds);
    best = Math.min(best, (t - start) / calls);
  }
  return best;
}

const round = (v: number, d = 2): number => Number(v.toFixed(d));

function gemmFigures(out: Record<string, number>): void {
  for (const n of [256, 512, 1024]) {
    const a = fill(ops.allocF32(n * n), 1), b = fill(ops.allocF32(n * n), 2), c = ops.allocF32(n * n);
    const s = timeIt(() => ops.gemm(false, false, n, n, n, a, b, c), n === 1024 ? 3 : 5);
    out[`gemm_${n}_gflops_1core`] = round((2 * n ** 3) / s / 1e9, 1);
    // The training shapes: A·Bᵀ and Aᵀ·B pack through the strided path.
    if (n === 512) {
      out.gemm_512_ABt_gflops_1core = round((2 * n ** 3) / timeIt(() => ops.gemm(false, true, n, n, n, a, b, c)) / 1e9, 1);
      out.gemm_512_AtB_gflops_1core = round((2 * n ** 3) / timeIt(() => ops.gemm(true, false, n, n, n, a, b, c)) / 1e9, 1);
      // Plain (JS-heap) arrays are copied in and out on every call: what that costs.
      const pa = a.slice(), pb = b.slice(), pc = new Float32Array(n * n);
      out.gemm_512_staged_gflops_1core = round((2 * n ** 3) / timeIt(() => ops.gemm(false, false, n, n, n, pa, pb, pc)) / 1e9, 1);
    }
    for (const x of [a, b, c]) ops.release(x);
  }
}

function convFigures(out: Record<string, number>): void {
  const batch = 64;
  const layers: [string, Conv2dGeometry][] = [
    ["lenet_conv1", conv2dGeometry({ batch, inC: 1, inH: 28, inW: 28, outC: 6, kernel: [5, 5], padding: [2, 2] })],
    ["lenet_conv2", conv2dGeometry({ batch, inC: 6, inH: 14, inW: 14, outC: 16, kernel: [5, 5] })],
    ["conv_32to64_3x3", conv2dGeometry({ batch: 16, inC: 32, inH: 16, inW: 16, outC: 64, kernel: [3, 3], padding: [1, 1] })],
  ];
  for (const [name, g] of layers) {
    const nx = g.batch * g.inC * g.inH * g.inW, nw = g.outC * (g.inC / g.groups) * g.kH * g.kW, ny = g.batch * g.outC * g.outH * g.outW;
    const x = fill(ops.allocF32(nx), 3), w = fill(ops.allocF32(nw), 4), b = fill(ops.allocF32(g.outC), 5), y = ops.allocF32(ny);
    const dy = fill(ops.allocF32(ny), 6), dx = ops.allocF32(nx), dw = ops.allocF32(nw), db = ops.allocF32(g.outC);
    const flops = 2 * g.batch * g.outC * g.outH * g.outW * (g.inC / g.groups) * g.kH * g.kW;
    const fwd = timeIt(() => ops.conv2dForward(g, x, w, b, y));
    const bwd = timeIt(() => ops.conv2dBackward(g, x, w, dy, dx, dw, db));
    out[`${name}_forward_images_per_s`] = Math.round(g.batch / fwd);
    out[`${name}_forward_gflops`] = round(flops / fwd / 1e9, 1);
    out[`${name}_backward_images_per_s`] = Math.round(g.batch / bwd);
    out[`${name}_backward_gflops`] = round((2 * flops) / bwd / 1e9, 1);
    for (const a of [x, w, b, y, dy, dx, dw, db]) ops.release(a);
  }
}

/** The plain typed-array loop a simulator would write without the kernels. */
function scatterJs(rows: Float32Array, width: number, spikes: Int32Array, count: number, membrane: Float32Array): void {
  for (let e = 0; e < count; e++) {
    const base = spikes[e]! * width;
    for (let j = 0; j < width; j++) membrane[j]! += rows[base + j]!;
  }
}

function scatterFigures(out: Record<string, number>): void {
  // An MLP layer 784 → 300 with ~10% of inputs spiking per step.
  const inF = 784, outF = 300, count = 78;
  const w = fill(new Float32Array(outF * inF), 7);
  const prep = ops.prepareDenseScatter(inF, outF, w);
  const spikes = ops.allocI32(count);
  for (let i = 0; i < count; i++) spikes[i] = (i * 10 + 3) % inF;
  const mem = ops.allocF32(outF);
  const perCall = count * outF;
  out.scatter_dense_gsynops_per_s = round(perCall / timeIt(() => ops.scatterDense(prep, spikes, count, mem)) / 1e9);
  // The same call with the membrane and spike list in plain arrays (copied in and out each call).
  const plainSpikes = spikes.slice(), plainMem = new Float32Array(outF);
  out.scatter_dense_staged_gsynops_per_s = round(perCall / timeIt(() => ops.scatterDense(prep, plainSpikes, count, plainMem)) / 1e9);
  const rowsJs = prep.rows.slice(), spikesJs = spikes.slice(), memJs = new Float32Array(outF);
  out.scatter_dense_plainjs_gsynops_per_s = round(perCall / timeIt(() => scatterJs(rowsJs, outF, spikesJs, count, memJs)) / 1e9);
  // A wide layer (1000 → 1000): rows longer than L1.
  const big = ops.prepareDenseScatter(1000, 1000, fill(new Float32Array(1e6), 8));
  const bigSpikes = ops.allocI32(100);
  for (let i = 0; i < 100; i++) bigSpikes[i] = i * 10;
  const bigMem = ops.allocF32(1000);
  out.scatter_dense_1000x1000_gsynops_per_s = round(1e5 / timeIt(() => ops.scatterDense(big, bigSpikes, 100, bigMem)) / 1e9);

  // LeNet conv2 (6@14x14 → 16@10x10, 5x5): fan-out 400 per interior spike.
  const g = conv2dGeometry({ batch: 1, inC: 6, inH: 14, inW: 14, outC: 16, kernel: [5, 5] });
  const cprep = ops.prepareConvScatter(g, fill(new Float32Array(16 * 6 * 25), 9));
  const nIn = 6 * 14 * 14, cCount = 118;
  const cSpikes = ops.allocI32(cCount);
  for (let i = 0; i < cCount; i++) cSpikes[i] = (i * 10 + 1) % nIn;
  // Count the synaptic operations exactly (border spikes reach fewer outputs).
  const image = new Float32Array(nIn);
  for (const s of cSpikes) image[s] = 1;
  const ones = new Float32Array(16 * 6 * 25).fill(1), reach = new Float32Array(16 * 100);
  ops.conv2dForward(g, image, ones, null, reach);
  const synops = reach.reduce((a, v) => a + v, 0);
  const cMem = ops.allocF32(16 * 100);
  out.scatter_conv_lenet2_gsynops_per_s = round(synops / timeIt(() => ops.scatterConv(cprep, cSpikes, cCount, cMem)) / 1e9);

  // Threshold sweep over 100k neurons with ~5% firing; each call needs fresh membranes, so the
  // time of the reload alone is subtracted.
  const n = 100_000, th = ops.allocF32(n), sp = ops.allocI32(n);
  const base = fill(new Float32Array(n), 10);
  const reload = timeIt(() => th.set(base));
  const sweep = timeIt(() => {
    th.set(base);
    ops.thresholdReset(th, 0.9, "subtract", sp);
  });
  out.threshold_sweep_gneurons_per_s = round(n / Math.max(sweep - reload, 1e-9) / 1e9);
}

/** Wall-clock costs of the pool itself: start-up once, then per map call (workers are reused). */
async function poolFigures(out: Record<string, number>): Promise<void> {
  const task = { module: new URL("../test/tensor/fixtures/pool-tasks.ts", import.meta.url), fn: "whoami", items: 2, shared: null, chunk: 1 };
  const t0 = performance.now();
  const pool = createPool(2);
  await pool.map(task);
  out.pool_start_and_first_map_ms = round(performance.now() - t0, 0);
  let best = Infinity;
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await pool.map(task);
    best = Math.min(best, performance.now() - t);
  }
  out.pool_map_call_overhead_ms = round(best, 2);
  await pool.close();
}

export default async (): Promise<Record<string, number>> => {
  const out: Record<string, number> = {};
  await poolFigures(out);
  gemmFigures(out);
  convFigures(out);
  scatterFigures(out);
  return out;
};

// The TTFS family's `simulate`: runs a converted network over a dataset in continuous time
// (chunks of images, over the worker pool when there is one), and reports the figures every
// family reports plus the exact mapping's own: decoded-activation error against the float64
// ReLU chain, informative (before t_max) and early spikes per layer, padding events.
// It must not convert, and it must not depend on how the images are split.

import type { RunContext } from "../../context.ts";
import { sampleSize, slice, type Dataset } from "../../data/dataset.ts";
import { InterruptedError, SpikelabError } from "../../errors.ts";
import type { LayerCount, SimResult, SpikeRecord } from "../../ir/results.ts";
import type { SpikingNetwork } from "../../ir/spiking.ts";
import type { SimOptions } from "../../families.ts";
import { annOps } from "../../ann/opcount.ts";
import { availableParallelism } from "node:os";
import { createPool, type WorkerPool } from "../../tensor/pool.ts";
import { compilePlan, type Plan } from "./plan.ts";
import { simulateChunk, type Chunk, type ResolvedOptions } from "./chunk.ts";
import { sumsBackend } from "./sums.ts";
import { shareDeep, type SimShared } from "./worker.ts";

export { ttfsSimulateParams } from "./options.ts";

/** Images per chunk: small enough to stop within ~100 ms, large enough to amortise the hand-off. */
export const CHUNK = 128;

function numberOr(v: unknown, fallback: number): number {
  return typeof v === "number" ? v : fallback;
}

export function runOptions(snn: SpikingNetwork, opts: SimOptions): ResolvedOptions {
  const rp = snn.rules.params;
  const rec = opts.record;
  const record: [number, number] = Array.isArray(rec) && rec.length === 2 ? [Number(rec[0]), Number(rec[1])] : [0, 1];
  const ir = rp.input_range;
  const annRange: [number, number] = Array.isArray(ir) && ir.length === 2 ? [Number(ir[0]), Number(ir[1])] : [0, 1];
  const jitter = numberOr(opts.jitter, numberOr(rp.jitter, 0));
  if (!(jitter >= 0)) throw new SpikelabError("param", `jitter = ${jitter} must be >= 0`, { hint: "jitter is the standard deviation of the spike-time noise, in time units" });
  const flag = (v: unknown, d: boolean): boolean => (typeof v === "boolean" ? v : d);
  return { jitter, seed: numberOr(opts.seed, numberOr(rp.seed, 1)), check: flag(opts.check, true), ann: flag(opts.ann, true), record, annRange };
}

function checkData(snn: SpikingNetwork, plan: Plan, data: Dataset): void {
  if (sampleSize(data) !== plan.input.n) {
    throw new SpikelabError("shape", `simulate: '${snn.name}' takes ${plan.input.shape.join("x")} inputs, but ${data.name} has ${data.shape.join("x")} samples`, { hint: "simulate on the dataset the network was trained for" });
  }
}

export function describe(d: Dataset): string {
  return `${d.name}.${d.split}[${d.offset}:${d.offset + d.count}]`;
}

/** Pearson correlation (NaN when either side is constant). */
function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma, db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** Folds chunk results (in sample order) into the SimResult every family reports. */
export function assemble(snn: SpikingNetwork, plan: Plan, data: Dataset, chunks: readonly Chunk[], partial: boolean, o: ResolvedOptions): SimResult {
  // The run covers samples [0, n): the chunks that join up from the first (an interrupted pool run can leave gaps).
  const sorted: Chunk[] = [];
  for (const c of [...chunks].sort((a, b) => a.start - b.start)) {
    if (c.start !== sorted.reduce((s, x) => s + x.sim.count, 0)) break;
    sorted.push(c);
  }
  const n = sorted.reduce((s, c) => s + c.sim.count, 0);
  const L = plan.layers.length;
  const predictions = new Int32Array(n), ann64 = new Int32Array(n), ann32 = new Int32Array(n);
  const informative = new Float64Array(L), early = new Float64Array(L), maxError = new Float64Array(L).fill(o.check ? 0 : NaN);
  const records: SpikeRecord[] = [];
  const pairAnn: number[][] = plan.layers.map(() => []), pairSnn: number[][] = plan.layers.map(() => []);
  let spikes = 0, inputInformative = 0, at = 0, annChecked = 0;
  for (const c of sorted) {
    predictions.set(c.sim.predictions, at);
    ann64.set(c.ann64, at);
    ann32.set(c.ann32, at);
    at += c.sim.count;
    for (let l = 0; l < L; l++) {
      informative[l] = informative[l]! + c.sim.informative[l]!;
      early[l] = early[l]! + c.sim.early[l]!;
      maxError[l] = Math.max(maxError[l]!, c.sim.maxError[l]!);
    }
    spikes += c.sim.spikes;
    annChecked += c.annChecked;
    inputInformative += c.sim.inputInformative;
    records.push(...c.sim.records);
    c.sim.pairs.forEach((p, l) => {
      for (const v of p.ann) pairAnn[l]!.push(v);
      for (const v of p.snn) pairSnn[l]!.push(v);
    });
  }
  const labels = data.labels.slice(0, n);
  let correct = 0, annCorrect = 0, agree = 0, agree32 = 0;
  for (let i = 0; i < n; i++) {
    if (predictions[i] === labels[i]) correct++;
    if (!o.ann) continue;
    if (ann64[i] === labels[i]) annCorrect++;
    if (predictions[i] === ann64[i]) agree++;
    if (predictions[i] === ann32[i]) agree32++;
  }
  const spiking = plan.layers.filter((l) => l.kind !== "readout");
  const hidden = plan.layers.filter((l) => l.kind === "ttfs");
  const neurons = plan.input.n + spiking.reduce((s, l) => s + l.n, 0);
  const synapticOps: LayerCount[] = plan.layers.map((l) => ({ layer: l.id, value: l.synapticOps }));
  const synapticOpsTotal = synapticOps.reduce((s, l) => s + l.value, 0);
  const hiddenError = plan.layers.reduce((m, l, i) => (l.kind === "readout" ? m : Math.max(m, maxError[i]!)), o.check ? 0 : NaN);
  const div = (a: number, b: number): number => (b > 0 ? a / b : NaN);
  const accuracy = div(correct, n);
  return {
    kind: "simresult",
    family: "ttfs",
    network: snn.name,
    data: describe(slice(data, 0, n)),
    samples: n,
    labels,
    predictions,
    annPredictions: ann64,
    accuracy,
    annAccuracy: o.ann ? div(annCorrect, n) : NaN,
    agreement: o.ann ? div(agree, n) : NaN,
    latency: { value: plan.latency, unit: "time units" },
    spikesPerNeuron: div(spikes, neurons * n),
    synapticOps,
    synapticOpsTotal,
    annOps: annOps(snn.source),
    overTime: { time: Float64Array.of(plan.latency), accuracy: Float64Array.of(accuracy), synapticOps: Float64Array.of(synapticOpsTotal) },
    records,
    pairs: plan.layers.flatMap((l, i) => (l.kind === "readout" || pairAnn[i]!.length === 0 ? [] : [{ layer: l.id, correlation: correlation(pairAnn[i]!, pairSnn[i]!), ann: Float32Array.from(pairAnn[i]!), snn: Float32Array.from(pairSnn[i]!) }])),
    info: {
      max_decoding_error: hiddenError,
      max_logit_error: o.check ? maxError[L - 1]! : NaN,
      layers: plan.layers.map((l) => l.id).join(","),
      // Each spiking layer's window [t_min, t_max] (the input's is [0, 1]), for rasters and spike-time plots.
      window_layers: [plan.input.id, ...spiking.map((l) => l.id)].join(","),
      window_t_min: [plan.input.tMin, ...spiking.map((l) => (l.kind === "ttfs" ? l.tEnd : l.kind === "relay" ? l.tMin : NaN))],
      window_t_max: [plan.input.tMax, ...spiking.map((l) => (l.kind === "ttfs" || l.kind === "relay" ? l.tMax : NaN))],
      decoding_error: [...maxError],
      informative_fraction: plan.layers.map((l, i) => (l.kind === "readout" ? NaN : div(informative[i]!, l.n * n))),
      input_informative_fraction: div(inputInformative, plan.input.n * n),
      early_spikes: [...early],
      early_spikes_total: early.reduce((s, v) => s + v, 0),
      hidden_neurons: hidden.reduce((s, l) => s + l.n, 0),
      spikes_per_hidden_neuron: 1,
      padding_ops: plan.layers.reduce((s, l) => s + l.paddingOps, 0),
      agreement_float32: o.ann ? div(agree32, n) : NaN,
      ann_float64_checked: annChecked,
      jitter: o.jitter,
      seed: o.seed,
      zeta: typeof snn.info.zeta === "number" ? snn.info.zeta : NaN,
    },
    partial,
  };
}

/** Images above which a run without a pool gets a temporary one of every core (about a second of work). */
const AUTO_POOL_IMAGES = 2000;

/** The session's pool, a temporary one (`workers` asks for another size, or a long run), or none. */
function choosePool(opts: SimOptions, ctx: RunContext, images: number): { pool: WorkerPool | undefined; own: boolean } {
  const workers = typeof opts.workers === "number" ? opts.workers : undefined;
  if (workers === undefined) {
    if (ctx.pool !== undefined || images < AUTO_POOL_IMAGES || availableParallelism() < 2) return { pool: ctx.pool, own: false };
    return { pool: createPool(availableParallelism()), own: true };
  }
  if (workers === ctx.pool?.size) return { pool: ctx.pool, own: false };
  return workers > 1 ? { pool: createPool(workers), own: true } : { pool: undefined, own: false };
}

/** Runs the chunks over `pool` or in this thread; returns the chunks done and whether the user stopped the run. */
async function runChunks(plan: Plan, snn: SpikingNetwork, data: Dataset, o: ResolvedOptions, pool: WorkerPool | undefined, ctx: RunContext): Promise<{ chunks: Chunk[]; partial: boolean }> {
  const label = `simulate ${snn.name}`;
  const progress = (done: number): void => ctx.progress?.({ label, done, total: data.count, unit: "images" });
  const n = sampleSize(data);
  if (pool !== undefined) {
    const shared: SimShared = { plan: shareDeep(plan), source: shareDeep(snn.source), images: data.images, sampleSize: n, offset: data.offset, options: o };
    try {
      const done = await pool.map<SimShared, Chunk>({ module: new URL("./worker.ts", import.meta.url), fn: "simulateItems", items: data.count, shared, chunk: CHUNK }, { ...(ctx.signal ? { signal: ctx.signal } : {}), progress });
      return { chunks: done.map((c) => c.value), partial: false };
    } catch (e) {
      if (e instanceof InterruptedError) return { chunks: (Array.isArray(e.partial) ? e.partial : []).map((c: { value: Chunk }) => c.value), partial: true };
      throw e;
    }
  }
  // In this thread: small steps, yielding to the event loop every ~50 ms so an interrupt can land.
  const backend = sumsBackend(plan);
  const chunks: Chunk[] = [];
  let lastYield = performance.now();
  try {
    for (let s = 0; s < data.count; s += STEP) {
      if (performance.now() - lastYield > 50) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
        progress(s);
      }
      if (ctx.signal?.aborted) return { chunks, partial: true };
      const c = Math.min(STEP, data.count - s);
      chunks.push(simulateChunk(plan, snn.source, data.images.subarray(s * n, (s + c) * n), c, s, data.offset + s, o, backend));
    }
  } finally {
    backend.release();
  }
  progress(data.count);
  return { chunks, partial: false };
}

/** Images per step when running in this thread (between checks for an interrupt). */
const STEP = 16;

/**
 * simulate (ttfs): every image of `data`, in order, over the pool when there is one (or a
 * temporary one for long runs). An interrupt returns the images done so far, marked partial.
 */
export async function simulateTtfs(snn: SpikingNetwork, data: Dataset, opts: SimOptions, ctx: RunContext = {}): Promise<SimResult> {
  const plan = compilePlan(snn);
  checkData(snn, plan, data);
  const o = runOptions(snn, opts);
  const { pool, own } = choosePool(opts, ctx, data.count);
  try {
    const { chunks, partial } = await runChunks(plan, snn, data, o, pool, ctx);
    return assemble(snn, plan, data, chunks, partial, o);
  } finally {
    if (own) await pool?.close();
  }
}

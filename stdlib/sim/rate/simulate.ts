// The rate family's `simulate`: splits the images over the worker pool (or runs them here),
// reports progress, stops within a second of an interrupt with the samples done so far, merges
// the chunks and turns them into a SimResult with the shared metrics. The time loop itself is
// engine.ts; what the numbers mean is metrics.ts.

import type { RunContext } from "../../context.ts";
import { sampleSize, slice, type Dataset } from "../../data/dataset.ts";
import { InterruptedError, SpikelabError } from "../../errors.ts";
import type { SimOptions } from "../../families.ts";
import type { LayerCount, LayerRates, MembraneTrace, RatePairs, SimResult, SpikeRecord } from "../../ir/results.ts";
import { num } from "../../ir/rules.ts";
import type { SpikingNetwork } from "../../ir/spiking.ts";
import { annOps, annOpsPerLayer } from "../../ann/opcount.ts";
import { argmaxRows } from "../../ann/forward.ts";
import { predict } from "../../ann/evaluate.ts";
import { recordActivations } from "../../ann/record.ts";
import { scoreNode } from "../../convert/passes/canonical.ts";
import { availableParallelism } from "node:os";
import { createPool, toShared, type ChunkResult, type TaskContext, type WorkerPool } from "../../tensor/pool.ts";
import { accuracy, accuracyOverTime, agreement, cumulative, pearson, subsampleIndices } from "../metrics.ts";
import { sharedOut, simulateChunk, type ChunkOut, type ChunkShared } from "./chunk.ts";
import { thresholdOf } from "./units.ts";

export { rateSimulateParams } from "./options.ts";

/** Images per chunk: small enough that an interrupt keeps nearly everything done, large enough to amortise messages. */
const CHUNK = 50;
/** Pairs per layer kept for the ANN-vs-SNN scatter plot. */
const MAX_PAIRS = 4000;

let nextKey = 1;
const keys = new WeakMap<SpikingNetwork, string>();
function keyOf(snn: SpikingNetwork): string {
  let k = keys.get(snn);
  if (k === undefined) keys.set(snn, (k = `${snn.name}#${nextKey++}#${process.pid}`));
  return k;
}

function range(v: unknown, fallback: readonly [number, number]): readonly [number, number] {
  return Array.isArray(v) && v.length === 2 ? [Number(v[0]), Number(v[1])] : fallback;
}

function dataLabel(d: Dataset): string {
  return `${d.name}.${d.split}[${d.offset}:${d.offset + d.count}]`;
}

function checkData(snn: SpikingNetwork, data: Dataset): void {
  const want = snn.populations[0]!.shape;
  const n = want.reduce((a, b) => a * b, 1);
  const fits = want.length === 1 ? n === sampleSize(data) : want.every((d, i) => d === data.shape[i]);
  if (!fits) {
    throw new SpikelabError("shape", `'${snn.name}' takes ${want.join("x")} inputs, but ${data.name} has ${data.shape.join("x")} samples`, { hint: "simulate it on the dataset its network was trained for" });
  }
}

/** Image-steps above which a run without a pool gets a temporary one (a second or more of work). */
const AUTO_POOL_WORK = 300_000;

/**
 * The pool to use: `workers` may ask for another size than the session's pool (a temporary one);
 * without either, a long run gets a temporary pool of every core (`workers` defaults to all cores).
 */
function choosePool(opts: SimOptions, ctx: RunContext, work: number): { pool: WorkerPool | undefined; own: boolean } {
  const workers = typeof opts.workers === "number" ? opts.workers : undefined;
  if (workers === undefined) {
    if (ctx.pool !== undefined || work < AUTO_POOL_WORK || availableParallelism() < 2) return { pool: ctx.pool, own: false };
    return { pool: createPool(availableParallelism()), own: true };
  }
  if (workers === ctx.pool?.size) return { pool: ctx.pool, own: false };
  return workers > 1 ? { pool: createPool(workers), own: true } : { pool: undefined, own: false };
}

/** Runs the chunks over the pool (or here); returns the chunks that finished and whether the run was cut short. */
async function runChunks(shared: ChunkShared, items: number, pool: WorkerPool | undefined, ctx: RunContext): Promise<{ chunks: ChunkResult<ChunkOut>[]; partial: boolean }> {
  const progress = (done: number): void => ctx.progress?.({ label: `simulate ${shared.snn.name}`, done, total: items, unit: "images" });
  if (pool !== undefined) {
    try {
      const chunks = await pool.map<ChunkShared, ChunkOut>({ module: new URL("./chunk.ts", import.meta.url), fn: "simulateChunk", items, shared, chunk: CHUNK }, { ...(ctx.signal ? { signal: ctx.signal } : {}), progress });
      return { chunks, partial: false };
    } catch (e) {
      if (e instanceof InterruptedError) return { chunks: (Array.isArray(e.partial) ? e.partial : []) as ChunkResult<ChunkOut>[], partial: true };
      throw e;
    }
  }
  // In this thread: a few images at a time, yielding to the event loop every ~50 ms so an
  // interrupt (a signal handler, a kernel message) can land and stop the run within a second.
  const chunks: ChunkResult<ChunkOut>[] = [];
  let done = 0;
  let lastReport = 0;
  let lastYield = performance.now();
  const tctx: TaskContext = {
    worker: -1,
    aborted: () => ctx.signal?.aborted === true,
    throwIfAborted: () => undefined,
    itemsDone: (n) => {
      done += n;
    },
  };
  const step = 4;
  for (let s = 0; s < items; s += step) {
    const now = performance.now();
    if (now - lastYield > 50) {
      await new Promise((r) => setImmediate(r));
      lastYield = performance.now();
    }
    if (now - lastReport > 100) {
      lastReport = now;
      progress(done);
    }
    if (ctx.signal?.aborted) return { chunks, partial: true };
    const e = Math.min(items, s + step);
    chunks.push({ start: s, end: e, value: simulateChunk(shared, s, e, tctx) });
  }
  progress(items);
  return { chunks, partial: ctx.signal?.aborted === true };
}

export async function simulateRate(snn: SpikingNetwork, data: Dataset, opts: SimOptions, ctx: RunContext = {}): Promise<SimResult> {
  if (snn.family !== "rate") throw new Error(`simulateRate: '${snn.name}' is a ${snn.family} network`);
  checkData(snn, data);
  const steps = typeof opts.steps === "number" ? opts.steps : num(snn.rules, "steps");
  const record = range(opts.record, [0, 1]);
  const trace = range(opts.trace, [0, 4]);
  const compare = Math.min(data.count, typeof opts.compare === "number" ? opts.compare : 100);
  const { pool, own } = choosePool(opts, ctx, data.count * steps);
  try {
    const out = sharedOut(data.count, steps, snn.projections.length, snn.populations.map((p) => p.shape.reduce((a, b) => a * b, 1)), pool?.size ?? 1, opts.counts !== false);
    const shared: ChunkShared = { key: keyOf(snn), snn, images: toShared(data.images), sampleSize: sampleSize(data), offset: data.offset, steps, record, trace, perSample: compare, out };
    const { chunks, partial } = await runChunks(shared, data.count, pool, ctx);
    const cut = partial || out.done.some((d) => d === 0);
    // The ANN on the same samples: over the pool for a whole run; in this thread (short) for a partial one.
    const annWhole = !cut && pool !== undefined ? await predict(snn.source, data, { pool }) : undefined;
    const result = summarise(snn, data, steps, shared, chunks, cut, compare, annWhole);
    if (result.partial) {
      ctx.log?.(`simulate ${snn.name} interrupted after ${result.samples} of ${data.count} samples: accuracy ${(100 * result.accuracy).toFixed(2)} % (ANN ${(100 * result.annAccuracy).toFixed(2)} % on the same samples) at ${steps} steps; the result holds these samples (partial)`);
    }
    return result;
  } finally {
    if (own) await pool!.close();
  }
}

function summarise(snn: SpikingNetwork, data: Dataset, steps: number, shared: ChunkShared, chunks: ChunkResult<ChunkOut>[], partial: boolean, compare: number, annWhole: Int32Array | undefined): SimResult {
  const out = shared.out;
  const pops = snn.populations;
  const projs = snn.projections;
  // The samples completed, as ranges (all of them unless interrupted).
  const ranges: [number, number][] = [];
  for (let i = 0; i < data.count; i++) {
    if (out.done[i] !== 1) continue;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last[1] === i) last[1] = i + 1;
    else ranges.push([i, i + 1]);
  }
  const samples = ranges.reduce((a, [s, e]) => a + e - s, 0);
  const labels = new Uint8Array(samples);
  const perStep = new Int16Array(samples * steps);
  const predictions = new Int32Array(samples);
  let at = 0;
  for (const [s, e] of ranges) {
    labels.set(data.labels.subarray(s, e), at);
    perStep.set(out.predictions.subarray(s * steps, e * steps), at * steps);
    for (let i = s; i < e; i++) predictions[at + i - s] = out.predictions[i * steps + steps - 1]!;
    at += e - s;
  }
  const sumSlots = (arr: Float64Array, width: number): Float64Array => {
    const r = new Float64Array(width);
    for (let k = 0; k < out.slots; k++) for (let j = 0; j < width; j++) r[j]! += arr[k * width + j]!;
    return r;
  };
  const ops = sumSlots(out.ops, projs.length * steps);
  const spikeTotals = sumSlots(out.spikeTotals, pops.length);
  const sizes = pops.map((p) => p.shape.reduce((x, y) => x * y, 1));
  const allCounts = out.counts.length > 0 ? sumSlots(out.counts, sizes.reduce((x, y) => x + y, 0)) : undefined;

  // The ANN on exactly the samples simulated (not interruptible: it is short and the SNN part is what the user waited for).
  const score = scoreNode(snn.source).id;
  const annPredictions = annWhole ?? new Int32Array(samples);
  at = 0;
  for (const [s, e] of annWhole === undefined ? ranges : []) {
    recordActivations(snn.source, slice(data, s, e), [score], (b) => {
      argmaxRows(b.values.get(score)!, b.count, b.values.get(score)!.length / b.count, annPredictions, at + b.start);
    });
    at += e - s;
  }

  const byTarget = new Map<string, Float64Array>();
  projs.forEach((p, j) => {
    const acc = byTarget.get(p.to) ?? new Float64Array(steps);
    for (let t = 0; t < steps; t++) acc[t]! += ops[j * steps + t]! / Math.max(1, samples);
    byTarget.set(p.to, acc);
  });
  const layerOpsOverTime = pops.filter((p) => byTarget.has(p.id)).map((p) => ({ layer: p.id, perStep: byTarget.get(p.id)! }));
  const synapticOps: LayerCount[] = layerOpsOverTime.map((l) => ({ layer: l.layer, value: l.perStep.reduce((a, b) => a + b, 0) }));
  const opsPerStep = new Float64Array(steps);
  for (const l of layerOpsOverTime) l.perStep.forEach((v, t) => (opsPerStep[t]! += v));

  // Relays (concatenations) only route spikes: they are left out of the spikes-per-neuron figures.
  const kinds = pops.map((p, k) => {
    if (k === 0) return "input";
    if (p.neuron.kind === "integrator") return "integrator";
    const incoming = projs.filter((x) => x.to === p.id);
    return incoming.length > 0 && incoming.every((x) => x.geometry.kind === "identity") ? "relay" : "neuron";
  });
  let spikes = 0, neurons = 0;
  const info: Record<string, number | string | readonly number[]> = { steps, dt_ms: snn.dtSeconds! * 1000 };
  pops.forEach((p, k) => {
    if (kinds[k] !== "neuron") return;
    const n = p.shape.reduce((a, b) => a * b, 1);
    spikes += spikeTotals[k]!;
    neurons += n;
    info[`spikes_per_neuron:${p.id}`] = samples > 0 ? spikeTotals[k]! / (n * samples) : NaN;
  });
  if (snn.encoder.kind === "poisson") info["spikes_per_neuron:input"] = samples > 0 ? spikeTotals[0]! / (pops[0]!.shape.reduce((a, b) => a * b, 1) * samples) : NaN;

  const records: SpikeRecord[] = [];
  const traces: MembraneTrace[] = [];
  const theta = thresholdOf(snn);
  for (const c of chunks) {
    for (const tr of c.value.trains) records.push({ sample: data.offset + tr.sample, layer: pops[tr.pop]!.id, neurons: pops[tr.pop]!.shape.reduce((a, b) => a * b, 1), neuron: tr.neuron, time: Float64Array.from(tr.step, (t) => t + 1) });
    for (const tr of c.value.traces) traces.push({ sample: data.offset + tr.sample, layer: pops[tr.pop]!.id, neuron: tr.neuron, threshold: pops[tr.pop]!.neuron.kind === "if" ? theta : NaN, values: tr.values });
  }
  const rates: LayerRates[] = [];
  if (allCounts !== undefined) {
    let off = 0;
    pops.forEach((p, k) => {
      if (kinds[k] !== "input" && kinds[k] !== "integrator") rates.push({ layer: p.id, spikes: Float64Array.from(allCounts.subarray(off, off + sizes[k]!), (v) => v / Math.max(1, samples)) });
      off += sizes[k]!;
    });
  }
  const pairs = comparePairs(snn, data, chunks, steps, compare);
  for (const p of pairs) info[`correlation:${p.layer}`] = p.correlation;

  const acc = accuracy(predictions, labels);
  const annAcc = accuracy(annPredictions, labels);
  const overAcc = accuracyOverTime(perStep, labels, samples, steps);
  for (const t of [10, 25, 50, 100, 200, 500]) if (t <= steps) info[`accuracy@${t}`] = overAcc[t - 1]!;
  const totalOps = synapticOps.reduce((a, b) => a + b.value, 0);
  const ann = annOps(snn.source);
  // Per layer: the ANN's operations of the weighted layers feeding it (projection ids are their node ids).
  const annBy = new Map(annOpsPerLayer(snn.source).map((l) => [l.layer, l.value]));
  for (const l of synapticOps) {
    const a = projs.filter((p) => p.to === l.layer).reduce((acc, p) => acc + (annBy.get(p.id) ?? 0), 0);
    if (a > 0) {
      info[`ann_ops:${l.layer}`] = a;
      info[`ops_ratio:${l.layer}`] = l.value / a;
    }
  }
  info.ops_ratio = totalOps / ann;
  return {
    kind: "simresult",
    family: "rate",
    network: snn.name,
    data: dataLabel(data),
    samples,
    labels,
    predictions,
    annPredictions,
    accuracy: acc,
    annAccuracy: annAcc,
    agreement: agreement(predictions, annPredictions),
    latency: { value: steps, unit: "steps" },
    spikesPerNeuron: neurons > 0 && samples > 0 ? spikes / (neurons * samples) : 0,
    synapticOps,
    synapticOpsTotal: totalOps,
    annOps: ann,
    overTime: { time: Float64Array.from({ length: steps }, (_, t) => t + 1), accuracy: overAcc, synapticOps: cumulative(opsPerStep) },
    records,
    traces,
    rates,
    pairs,
    layerOpsOverTime,
    info,
    partial,
  };
}

/** Per layer: the ANN activation over λ against the SNN's spikes per step, on the first `compare` samples. */
function comparePairs(snn: SpikingNetwork, data: Dataset, chunks: ChunkResult<ChunkOut>[], steps: number, compare: number): RatePairs[] {
  const per = chunks.flatMap((c) => c.value.sampleCounts).sort((a, b) => a.sample - b.sample);
  // Only a contiguous prefix [0, n) can be matched with one ANN pass.
  let n = 0;
  while (n < per.length && per[n]!.sample === n) n++;
  n = Math.min(n, compare);
  if (n === 0) return [];
  const pops = snn.populations.map((p, k) => ({ p, k })).filter(({ p, k }) => k > 0 && per[0]!.counts[k] !== null && snn.source.nodes.some((x) => x.id === p.sourceNode));
  const ids = [...new Set(pops.map(({ p }) => p.sourceNode))];
  const ann = new Map(ids.map((id) => [id, new Float32Array(0)]));
  const sizes = new Map(ids.map((id) => [id, snn.source.nodes.find((x) => x.id === id)!.shape.reduce((a, b) => a * b, 1)]));
  for (const id of ids) ann.set(id, new Float32Array(n * sizes.get(id)!));
  recordActivations(snn.source, slice(data, 0, n), ids, (b) => {
    for (const id of ids) ann.get(id)!.set(b.values.get(id)!, b.start * sizes.get(id)!);
  });
  const out: RatePairs[] = [];
  for (const { p, k } of pops) {
    const size = sizes.get(p.sourceNode)!;
    const lam = snn.info[`lambda:${p.id}`];
    const hw = p.shape.slice(1).reduce((a, b) => a * b, 1);
    const lamAt = (j: number): number => (typeof lam === "number" ? lam : Array.isArray(lam) ? (lam as number[])[Math.floor(j / hw)]! : 1);
    const a = new Float32Array(n * size);
    const r = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      const c = per[i]!.counts[k]!;
      const src = ann.get(p.sourceNode)!;
      for (let j = 0; j < size; j++) {
        a[i * size + j] = src[i * size + j]! / lamAt(j);
        r[i * size + j] = c[j]! / steps;
      }
    }
    const keep = subsampleIndices(a.length, MAX_PAIRS);
    out.push({ layer: p.id, correlation: pearson(a, r), ann: Float32Array.from(keep, (i) => a[i]!), snn: Float32Array.from(keep, (i) => r[i]!) });
  }
  return out;
}

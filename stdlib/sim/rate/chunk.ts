// The rate simulator's unit of parallel work: simulate images [start, end) of a dataset and
// return mergeable sums and recordings. Runs in a pool worker (an exported PoolFunction) or in
// the calling thread; the plan is built once per worker and network. No metrics here.

import type { SpikingNetwork } from "../../ir/spiking.ts";
import type { TaskContext } from "../../tensor/pool.ts";
import { runSample, type SampleSinks } from "./engine.ts";
import { fastRunner, type FastRunner } from "./fast.ts";
import { buildPlan, type Plan } from "./plan.ts";

/**
 * Results written straight into shared memory, so an interrupt loses nothing already done:
 * per-sample arrays indexed by sample, per-worker sums indexed by the worker slot. A sample's
 * sums are added only once it is complete, and `done` is set last.
 */
export interface SharedOut {
  /** [sample][step] predicted class. */
  readonly predictions: Int16Array;
  /** 1 once the sample is complete. */
  readonly done: Uint8Array;
  /** [slot][projection][step] synaptic operations. */
  readonly ops: Float64Array;
  /** [slot][population] spikes. */
  readonly spikeTotals: Float64Array;
  /** [slot][neuron of all populations, concatenated] spikes, or empty when not recorded. */
  readonly counts: Float64Array;
  readonly slots: number;
}

export interface ChunkShared {
  /** Identifies `snn` across calls, so a worker builds its plan once per network. */
  readonly key: string;
  readonly snn: SpikingNetwork;
  /** All images of the dataset (a SharedArrayBuffer view in pools), sample-major. */
  readonly images: Float32Array;
  readonly sampleSize: number;
  /** Index of images[0] in its split (seeds the Poisson input). */
  readonly offset: number;
  readonly steps: number;
  /** Samples [first, last) (dataset-relative) whose spike trains and membrane traces are recorded. */
  readonly record: readonly [number, number];
  /** Neurons [first, last) traced in every population for the recorded samples. */
  readonly trace: readonly [number, number];
  /** Samples [0, n) whose per-neuron spike counts are returned one by one (for the ANN comparison). */
  readonly perSample: number;
  readonly out: SharedOut;
  /** Force the JS engine for every sample (tests compare the two paths). */
  readonly engine?: "js" | "wasm";
}

/** The recordings of a chunk's samples (the sums went to shared memory). */
export interface ChunkOut {
  readonly trains: { sample: number; pop: number; neuron: Int32Array; step: Int32Array }[];
  readonly traces: { sample: number; pop: number; neuron: number; values: Float64Array }[];
  readonly sampleCounts: { sample: number; counts: (Float32Array | null)[] }[];
}

export function sharedOut(samples: number, steps: number, projections: number, populations: readonly number[], slots: number, counts: boolean): SharedOut {
  const sab = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(Math.max(8, bytes));
  const neurons = populations.reduce((a, b) => a + b, 0);
  return {
    // Exact lengths: a buffer is at least 8 bytes, and `done` past the last sample would read as "not done".
    predictions: new Int16Array(sab(samples * steps * 2), 0, samples * steps),
    done: new Uint8Array(sab(samples), 0, samples),
    ops: new Float64Array(sab(slots * projections * steps * 8)),
    spikeTotals: new Float64Array(sab(slots * populations.length * 8)),
    counts: counts ? new Float64Array(sab(slots * neurons * 8)) : new Float64Array(0),
    slots,
  };
}

let cached: { key: string; plan: Plan; fast: FastRunner | undefined } | undefined;

function planFor(key: string, snn: SpikingNetwork): { plan: Plan; fast: FastRunner | undefined } {
  if (cached?.key === key) return cached;
  releaseCachedPlan();
  const plan = buildPlan(snn);
  cached = { key, plan, fast: fastRunner(plan) };
  return cached;
}

/** Frees the cached plan's kernel memory (tests and benches switching networks call it). */
export function releaseCachedPlan(): void {
  cached?.fast?.release();
  cached?.plan.release();
  cached = undefined;
}

export function simulateChunk(shared: ChunkShared, start: number, end: number, ctx?: TaskContext): ChunkOut {
  const { snn, steps, sampleSize, out } = shared;
  const { plan, fast } = planFor(shared.key, snn);
  const nPops = plan.pops.length;
  const nProj = plan.projs.length;
  const slot = Math.max(0, ctx?.worker ?? 0) % out.slots;
  const spiking = (k: number): boolean => k > 0 && plan.pops[k]!.kind !== "integrator";
  const offsets: number[] = [];
  let neurons = 0;
  for (const p of plan.pops) {
    offsets.push(neurons);
    neurons += p.n;
  }
  const keepCounts = out.counts.length > 0;
  const result: ChunkOut = { trains: [], traces: [], sampleCounts: [] };
  // One sample's sums, added to the shared ones when it completes.
  const ops = new Float64Array(nProj * steps);
  const totals = new Float64Array(nPops);
  const counts = plan.pops.map((p, k) => (spiking(k) && (keepCounts || shared.perSample > start) ? new Float64Array(p.n) : undefined));
  const pred = new Int32Array(steps);
  for (let i = start; i < end; i++) {
    if (ctx?.aborted()) break;
    const recorded = i >= shared.record[0] && i < shared.record[1];
    const compared = i < shared.perSample;
    const trains = recorded ? plan.pops.map(() => ({ neuron: [] as number[], step: [] as number[] })) : undefined;
    const traces: { pop: number; neuron: number; values: Float64Array }[] = [];
    if (recorded) {
      for (const p of plan.pops) {
        if (p.index === 0 || p.kind === "gate" || p.kind === "relay") continue;
        for (let j = shared.trace[0]; j < Math.min(shared.trace[1], p.n); j++) traces.push({ pop: p.index, neuron: j, values: new Float64Array(steps) });
      }
    }
    ops.fill(0);
    totals.fill(0);
    for (const c of counts) c?.fill(0);
    const sinks: SampleSinks = { predictions: pred, ops, spikeTotals: totals, ...(keepCounts || compared ? { neuronCounts: counts } : {}), ...(trains ? { trains } : {}), traces };
    const image = shared.images.subarray(i * sampleSize, (i + 1) * sampleSize);
    // Recorded samples take the JS engine (it can record); the rest the one-call WASM loop. Same numbers.
    if (fast !== undefined && !recorded && shared.engine !== "js") fast.run(image, shared.offset + i, steps, sinks);
    else runSample(plan, image, shared.offset + i, steps, sinks);
    for (let t = 0; t < steps; t++) out.predictions[i * steps + t] = pred[t]!;
    const o = slot * nProj * steps;
    for (let j = 0; j < ops.length; j++) out.ops[o + j]! += ops[j]!;
    for (let k = 0; k < nPops; k++) out.spikeTotals[slot * nPops + k]! += totals[k]!;
    if (keepCounts) {
      counts.forEach((c, k) => {
        if (c === undefined) return;
        const b = slot * neurons + offsets[k]!;
        for (let j = 0; j < c.length; j++) out.counts[b + j]! += c[j]!;
      });
    }
    if (compared) result.sampleCounts.push({ sample: i, counts: counts.map((c) => (c ? Float32Array.from(c) : null)) });
    // Every layer that can spike gets a record, empty or not (a silent layer is a finding too).
    if (trains) trains.forEach((tr, k) => (k > 0 ? plan.pops[k]!.kind !== "integrator" : !plan.analog) && result.trains.push({ sample: i, pop: k, neuron: Int32Array.from(tr.neuron), step: Int32Array.from(tr.step) }));
    for (const tr of traces) result.traces.push({ sample: i, ...tr });
    Atomics.store(out.done, i, 1);
    ctx?.itemsDone(1);
  }
  return result;
}

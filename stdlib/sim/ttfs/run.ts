// Runs a compiled TTFS plan over a contiguous run of samples: encodes each image as one spike per
// pixel, runs the layers, reads the logits, optionally adds spike-time jitter (seeded per sample,
// so any split over workers gives the same numbers), checks decoded activations against the
// float64 ReLU chain, and records spike trains. Pure: a worker runs exactly this function.

import { Rng } from "../../data/rng.ts";
import type { SpikeRecord } from "../../ir/results.ts";
import { argmax, forward64 } from "../../convert/ttfs/stages.ts";
import { chwToHwc, sources, type Plan } from "./plan.ts";
import { runReadout, runRelay, runTtfs, Scratch, type LayerCounts } from "./layers.ts";
import { sumsBackend, type SumsBackend } from "./sums.ts";

export interface RunOptions {
  /** σ of Gaussian noise added to every input and TTFS spike time (0 = exact). */
  readonly jitter: number;
  readonly seed: number;
  /** Compare decoded activations with the float64 ReLU chain. */
  readonly check: boolean;
  /** Global sample numbers [first, last) whose spike trains are kept. */
  readonly record: readonly [number, number];
}

export interface ChunkResult {
  readonly count: number;
  /** count × classes logits (CHW order of the output layer). */
  readonly logits: Float64Array;
  readonly predictions: Int32Array;
  /** Per layer (input excluded): spikes before tMax, early spikes, max |decoded − reference| (NaN when not checked). */
  readonly informative: Float64Array;
  readonly early: Float64Array;
  readonly maxError: Float64Array;
  /** Per layer: neurons whose first crossing needed the input-by-input scan. */
  readonly scanned: Float64Array;
  /** Spikes counted (one per neuron per sample, by construction — counted, not assumed). */
  readonly spikes: number;
  readonly inputInformative: number;
  readonly records: SpikeRecord[];
  /** Per layer, for the recorded samples: the float64 ReLU activation and the decoded t_max − t of every neuron. */
  readonly pairs: { readonly ann: number[]; readonly snn: number[] }[];
}

/** Seed of one sample's jitter stream: independent of how samples are split into chunks. */
function sampleSeed(seed: number, sample: number): number {
  return (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(sample + 1, 0x85ebca6b)) + seed * 4294967296;
}

function record(sample: number, layer: string, times: Float64Array, shape: readonly [number, number, number]): SpikeRecord {
  const n = times.length;
  const hwc = chwToHwc(shape);
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => times[hwc[a]!]! - times[hwc[b]!]! || a - b);
  const neuron = Int32Array.from(idx);
  const time = Float64Array.from(idx, (i) => times[hwc[i]!]!);
  return { sample, layer, neurons: n, neuron, time };
}

/**
 * Simulates samples [0, count) of `images` (CHW floats in [0, 1], `count` × input size);
 * `firstSample` is the global number of the first (for seeds and records).
 */
export function runChunk(plan: Plan, images: Float32Array, count: number, firstSample: number, opts: RunOptions, backend?: SumsBackend): ChunkResult {
  if (backend === undefined) {
    const own = sumsBackend(plan);
    try {
      return runChunk(plan, images, count, firstSample, opts, own);
    } finally {
      own.release();
    }
  }
  const layers = plan.layers;
  const nIn = plan.input.n;
  let maxN = nIn, maxIn = nIn;
  const sizeOf = (k: number): number => (k === 0 ? nIn : layers[k - 1]!.n);
  for (const l of layers) {
    maxN = Math.max(maxN, l.n);
    maxIn = Math.max(maxIn, l.n, sources(l).reduce((a, k) => a + sizeOf(k), 0));
  }
  const scratch = new Scratch(maxN, maxIn, backend);
  // Spike times live where the backend's kernels read them.
  const times: Float64Array[] = [backend.times(0), ...layers.map((_, l) => backend.times(l + 1))];
  const shapes = [plan.input.shape, ...layers.map((l) => l.shape)];
  const inMap = chwToHwc(plan.input.shape);
  const readout = layers[layers.length - 1]!;
  const classes = readout.n;
  const outMap = chwToHwc(readout.shape);
  const maps = layers.map((l) => chwToHwc(l.shape));
  const logits = new Float64Array(count * classes);
  const predictions = new Int32Array(count);
  const L = layers.length;
  const informative = new Float64Array(L), early = new Float64Array(L);
  const maxError = new Float64Array(L).fill(opts.check ? 0 : NaN);
  const counts: LayerCounts = { informative: 0, early: 0, scanned: 0 };
  const scanned = new Float64Array(L);
  const records: SpikeRecord[] = [];
  const pairs = layers.map(() => ({ ann: [] as number[], snn: [] as number[] }));
  const { tMin, tMax } = plan.input;
  let spikes = 0;
  let inputInformative = 0;
  const x64 = new Float64Array(nIn);

  for (let s = 0; s < count; s++) {
    const sample = firstSample + s;
    const rng = opts.jitter > 0 ? new Rng(sampleSeed(opts.seed, sample)) : undefined;
    const base = s * nIn;
    const t0 = times[0]!;
    for (let i = 0; i < nIn; i++) {
      const x = images[base + i]!;
      x64[i] = x;
      t0[inMap[i]!] = tMax - x * (tMax - tMin);
      if (x > 0) inputInformative++;
    }
    if (rng) for (let i = 0; i < nIn; i++) t0[i] = t0[i]! + opts.jitter * rng.normal();
    spikes += nIn;
    for (let l = 0; l < L; l++) {
      const layer = layers[l]!;
      const out = times[l + 1]!;
      counts.informative = 0;
      counts.early = 0;
      counts.scanned = 0;
      if (layer.kind === "ttfs") {
        runTtfs(layer, l, times, out, scratch, counts);
        if (rng) for (let i = 0; i < layer.n; i++) out[i] = out[i]! + opts.jitter * rng.normal();
        spikes += layer.n;
      } else if (layer.kind === "relay") {
        runRelay(layer, shapes[layer.src]!, times[layer.src]!, out, counts);
        spikes += layer.n;
      } else {
        runReadout(layer, times, out, scratch);
      }
      informative[l] = informative[l]! + counts.informative;
      early[l] = early[l]! + counts.early;
      scanned[l] = scanned[l]! + counts.scanned;
    }
    const pot = times[L]!;
    for (let i = 0; i < classes; i++) logits[s * classes + i] = pot[outMap[i]!]!;
    predictions[s] = argmax(logits, s * classes, classes);

    const recorded = sample >= opts.record[0] && sample < opts.record[1];
    const ref = opts.check || recorded ? forward64(plan.reference, x64) : undefined;
    if (ref !== undefined && opts.check) {
      for (let l = 0; l < L; l++) {
        const layer = layers[l]!;
        const r = ref[l]!;
        const t = times[l + 1]!;
        const map = maps[l]!;
        let err = maxError[l]!;
        if (layer.kind === "readout") {
          for (let i = 0; i < layer.n; i++) {
            const v = layer.relu && r[i]! < 0 ? 0 : r[i]!;
            err = Math.max(err, Math.abs(t[map[i]!]! - v));
          }
        } else {
          const top = layer.tMax;
          for (let i = 0; i < layer.n; i++) err = Math.max(err, Math.abs(top - t[map[i]!]! - r[i]!));
        }
        maxError[l] = err;
      }
    }
    if (recorded && ref !== undefined) {
      records.push(record(sample, plan.input.id, times[0]!, plan.input.shape));
      for (let l = 0; l < L - 1; l++) {
        const layer = layers[l]!;
        if (layer.kind === "readout") continue;
        records.push(record(sample, layer.id, times[l + 1]!, layer.shape));
        // The ANN activation and its decoding t_max − t, neuron by neuron (CHW order).
        const t = times[l + 1]!, map = maps[l]!, r = ref[l]!;
        const p = pairs[l]!;
        for (let i = 0; i < layer.n; i++) {
          p.ann.push(r[i]!);
          p.snn.push(layer.tMax - t[map[i]!]!);
        }
      }
    }
  }
  return { count, logits, predictions, informative, early, scanned, maxError, spikes, inputInformative, records, pairs };
}

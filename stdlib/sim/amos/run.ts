// The AMOS simulation of a chunk of images, runnable in a worker: the ANN's layers run as they
// are (linear, so a layer's input is the weighted sum of the previous circuits' spikes, each spike
// carrying d_k) and every gate's values are replaced by its circuit's output, unit by unit, while
// spikes, synaptic operations and (for a few samples) spike times are counted. It must not build
// results or figures (simulate.ts does).

import { argmaxRows } from "../../ann/forward.ts";
import { Executor } from "../../ann/executor.ts";
import { F32 } from "../../ann/kernels.ts";
import type { Network } from "../../ir/network.ts";
import type { TaskContext } from "../../tensor/pool.ts";
import { sizeOf } from "../../tensor/tensor.ts";

export interface GateRun {
  readonly id: string;
  readonly K: number;
  readonly form: "amos" | "fs";
  readonly h: Float64Array;
  readonly d: Float64Array;
  readonly T: Float64Array;
  /** Per-sample fan-out of each gate neuron (synaptic operations per spike). */
  readonly fanout: Float64Array;
  /** Step at which the layer's circuits start (Σ K of the layers before it on the longest path). */
  readonly start: number;
}

/** A dense read-out after the last gate, for the accuracy at each of its K steps. */
export interface Tail {
  readonly gate: string;
  readonly layers: readonly { readonly inputs: number; readonly outputs: number; readonly weight: Float32Array; readonly bias: Float32Array | undefined }[];
}

export interface AmosShared {
  readonly net: Network;
  readonly gates: readonly GateRun[];
  readonly images: Float32Array;
  readonly labels: Uint8Array;
  readonly sampleSize: number;
  readonly classes: number;
  readonly batch: number;
  /** Samples [first, last) (indices into `images`) whose spikes are recorded. */
  readonly record: readonly [number, number];
  readonly tail: Tail | undefined;
  /** Samples [0, compare) whose gate outputs are kept, ANN and SNN side by side. */
  readonly compare: number;
}

export interface RecordedSpikes {
  readonly sample: number;
  readonly layer: string;
  readonly neurons: number;
  readonly neuron: number[];
  readonly time: number[];
}

export interface ChunkStats {
  readonly predictions: Int32Array;
  readonly annPredictions: Int32Array;
  /** Per gate (in `gates` order): total spikes, synaptic operations, spikes per unit k, and gates by spike count 0..K. */
  readonly spikes: Float64Array;
  readonly synapticOps: Float64Array;
  readonly unitSpikes: Float64Array[];
  /** Spikes of each neuron summed over the chunk's samples, per gate layer (AMOS: neuron k·gates + gate, unit-major; FS: gate). */
  readonly neuronSpikes: Float64Array[];
  /** Synaptic operations caused by unit k's spikes, per gate. */
  readonly unitOps: Float64Array[];
  readonly histogram: Float64Array[];
  /** For the compared samples of the chunk (from its first image on): each gate layer's ANN output and SNN output. */
  readonly annGate: Float32Array[];
  readonly snnGate: Float32Array[];
  /** Correct predictions read out after each step of the tail's gate (empty without a tail). */
  readonly correctAtStep: Float64Array;
  readonly records: RecordedSpikes[];
}

function applyTail(tail: Tail, input: Float32Array, scratch: Float32Array[]): Float32Array {
  let x = input;
  tail.layers.forEach((l, i) => {
    const y = scratch[i]!;
    for (let o = 0; o < l.outputs; o++) {
      let s = l.bias?.[o] ?? 0;
      const row = o * l.inputs;
      for (let j = 0; j < l.inputs; j++) s += l.weight[row + j]! * x[j]!;
      y[o] = s;
    }
    x = y;
  });
  return x;
}

/** Simulates images [start, end). A PoolFunction: results do not depend on the chunking. */
export function simulateChunk(shared: AmosShared, start: number, end: number, ctx?: TaskContext): ChunkStats {
  const { net, gates, sampleSize, classes } = shared;
  const n = end - start;
  const G = gates.length;
  const stats: ChunkStats = {
    predictions: new Int32Array(n),
    annPredictions: new Int32Array(n),
    spikes: new Float64Array(G),
    synapticOps: new Float64Array(G),
    unitSpikes: gates.map((g) => new Float64Array(g.K)),
    unitOps: gates.map((g) => new Float64Array(g.K)),
    neuronSpikes: gates.map((g) => new Float64Array(sizeOf(net.nodes.find((m) => m.id === g.id)!.shape) * (g.form === "amos" ? g.K : 1))),
    histogram: gates.map((g) => new Float64Array(g.K + 1)),
    annGate: [],
    snnGate: [],
    correctAtStep: new Float64Array(shared.tail ? gates.find((g) => g.id === shared.tail!.gate)!.K : 0),
    records: [],
  };
  const batch = Math.max(1, Math.min(shared.batch, n));
  const keep = new Set(gates.map((g) => net.nodes.find((m) => m.id === g.id)!.inputs[0]!));
  const ex = new Executor(net, F32, batch, { keep });
  const gateAt = new Map<number, number>();
  ex.steps.forEach((s, i) => {
    const gi = gates.findIndex((g) => g.id === s.node.id);
    if (gi >= 0) gateAt.set(i, gi);
  });
  const tailGate = shared.tail === undefined ? -1 : gates.findIndex((g) => g.id === shared.tail!.gate);
  const tailSize = tailGate < 0 ? 0 : ex.steps.find((s) => s.node.id === shared.tail!.gate)!.size;
  const prefix = tailGate < 0 ? new Float32Array(0) : new Float32Array(batch * tailSize * gates[tailGate]!.K);
  const scratch = shared.tail?.layers.map((l) => new Float32Array(l.outputs)) ?? [];
  const column = new Float32Array(tailSize);
  // Compared samples are the chunk's first ones (the range starts at image 0).
  const compared = Math.max(0, Math.min(end, shared.compare) - start);
  const sizes = gates.map((g) => ex.steps.find((st) => st.node.id === g.id)!.size);
  gates.forEach((_, gi) => {
    stats.annGate.push(new Float32Array(compared * sizes[gi]!));
    stats.snnGate.push(new Float32Array(compared * sizes[gi]!));
  });
  const keepRows = (into: Float32Array, values: Float32Array | Float64Array, s0: number, b: number, size: number): void => {
    const rows = Math.min(b, compared - s0);
    if (rows > 0) into.set(values.subarray(0, rows * size), s0 * size);
  };
  try {
    for (let s0 = 0; s0 < n; s0 += batch) {
      ctx?.throwIfAborted();
      const b = Math.min(batch, n - s0);
      const first = start + s0;
      const x = shared.images.subarray(first * sampleSize, (first + b) * sampleSize);
      const annVisit = s0 < compared ? { visit: (step: number, values: Float32Array | Float64Array): void => {
        const gi = gateAt.get(step);
        if (gi !== undefined) keepRows(stats.annGate[gi]!, values, s0, b, sizes[gi]!);
      } } : {};
      argmaxRows(ex.run(x, b, annVisit), b, classes, stats.annPredictions, s0);
      const out = ex.run(x, b, {
        visit: (step, values) => {
          const gi = gateAt.get(step);
          if (gi === undefined) return;
          const g = gates[gi]!;
          const pre = ex.output(ex.steps[step]!.inputs[0]!) as Float32Array;
          const size = ex.steps[step]!.size;
          const { K, h, d, T, fanout } = g;
          const unit = stats.unitSpikes[gi]!, unitOps = stats.unitOps[gi]!, hist = stats.histogram[gi]!, perNeuron = stats.neuronSpikes[gi]!;
          const amosForm = g.form === "amos";
          const isTail = gi === tailGate;
          let spikes = 0, ops = 0;
          for (let s = 0; s < b; s++) {
            const sample = first + s;
            const rec = sample >= shared.record[0] && sample < shared.record[1] ? { sample, layer: g.id, neurons: g.form === "amos" ? size * K : size, neuron: [] as number[], time: [] as number[] } : undefined;
            for (let j = 0; j < size; j++) {
              const idx = s * size + j;
              const fan = fanout[j]!;
              let v = pre[idx]!;
              let y = 0;
              let c = 0;
              for (let k = 0; k < K; k++) {
                if (v > T[k]!) {
                  y += d[k]!;
                  v -= h[k]!;
                  unit[k]!++;
                  unitOps[k]! += fan;
                  perNeuron[amosForm ? k * size + j : j]!++;
                  c++;
                  if (rec !== undefined) {
                    // Unit-major numbering (unit k of every gate, then unit k + 1): a raster that
                    // thins neurons out keeps whole units, and each unit's band fires at its step.
                    rec.neuron.push(g.form === "amos" ? k * size + j : j);
                    rec.time.push(g.start + k);
                  }
                }
                if (isTail) prefix[idx * K + k] = y;
              }
              values[idx] = y;
              hist[c]!++;
              spikes += c;
              ops += c * fan;
            }
            if (rec !== undefined) stats.records.push(rec);
          }
          stats.spikes[gi]! += spikes;
          stats.synapticOps[gi]! += ops;
          if (s0 < compared) keepRows(stats.snnGate[gi]!, values, s0, b, size);
        },
      });
      argmaxRows(out, b, classes, stats.predictions, s0);
      if (tailGate >= 0) {
        const K = gates[tailGate]!.K;
        for (let s = 0; s < b; s++) {
          for (let k = 0; k < K; k++) {
            for (let j = 0; j < tailSize; j++) column[j] = prefix[(s * tailSize + j) * K + k]!;
            const logits = applyTail(shared.tail!, column, scratch);
            if (argmaxRows(logits, 1, classes)[0] === shared.labels[first + s]) stats.correctAtStep[k]!++;
          }
        }
      }
      ctx?.itemsDone(b);
    }
  } finally {
    ex.release();
  }
  // Spike times in time order within each record (units fire in step order, neurons interleave).
  const records = stats.records.map((r) => {
    const order = r.time.map((_, i) => i).sort((a, b) => r.time[a]! - r.time[b]! || r.neuron[a]! - r.neuron[b]!);
    return { ...r, neuron: order.map((i) => r.neuron[i]!), time: order.map((i) => r.time[i]!) };
  });
  return { ...stats, records };
}

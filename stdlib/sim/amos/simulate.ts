// The AMOS / FS family's `simulate`: runs a converted network's circuits over a dataset (split
// over the worker pool when there is one; the numbers do not depend on it) and reports what the
// paper reports: accuracy against the ANN, spikes per neuron and per image, synaptic operations,
// latency Σ K and the pipelined interval max K. It must not convert or draw.

import { annOps } from "../../ann/opcount.ts";
import { checkDataset } from "../../ann/forward.ts";
import { describeData } from "../../ann/evaluate.ts";
import type { RunContext } from "../../context.ts";
import { sampleSize, type Dataset } from "../../data/dataset.ts";
import { InterruptedError, SpikelabError } from "../../errors.ts";
import type { Network } from "../../ir/network.ts";
import type { LayerCount, RatePairs, SimResult, SpikeRecord } from "../../ir/results.ts";
import type { SpikingNetwork } from "../../ir/spiking.ts";
import type { SimOptions } from "../../families.ts";
import { runLocal, toShared, type ChunkResult, type PoolTask } from "../../tensor/pool.ts";
import { sizeOf } from "../../tensor/tensor.ts";
import { gateFanout, gateTargets, scoreOf } from "./fanout.ts";
import type { AmosShared, ChunkStats, GateRun, Tail } from "./run.ts";

const BATCH = 64;

export { amosSimulateParams } from "./options.ts";

/** Per gate layer: the ANN's gate outputs against the circuits' (correlation over all, at most 4,000 pairs kept for plots). */
function gatePairs(gates: readonly GateRun[], chunks: readonly ChunkResult<ChunkStats>[]): RatePairs[] {
  return gates.map((g, gi) => {
    const parts = chunks.map((c) => [c.value.annGate[gi]!, c.value.snnGate[gi]!] as const).filter(([a]) => a.length > 0);
    const n = parts.reduce((t, [a]) => t + a.length, 0);
    let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (const [a, b] of parts) {
      for (let i = 0; i < a.length; i++) {
        const x = a[i]!, y = b[i]!;
        sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y;
      }
    }
    const cov = sab - (sa * sb) / n, va = saa - (sa * sa) / n, vb = sbb - (sb * sb) / n;
    const correlation = n > 1 && va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : NaN;
    const stride = Math.max(1, Math.ceil(n / 4000));
    const keep = Math.ceil(n / stride);
    const ann = new Float32Array(keep), snn = new Float32Array(keep);
    let i = 0, j = 0;
    for (const [a, b] of parts) {
      for (let k = 0; k < a.length; k++, i++) {
        if (i % stride !== 0) continue;
        ann[j] = a[k]!;
        snn[j++] = b[k]!;
      }
    }
    return { layer: g.id, correlation, ann: ann.subarray(0, j), snn: snn.subarray(0, j) };
  });
}

/** Step at which each node's values are ready: Σ K of the gates on the longest path up to it, minus its own K for a gate. */
function startSteps(net: Network, K: ReadonlyMap<string, number>): Map<string, number> {
  const done = new Map<string, number>();
  const start = new Map<string, number>();
  for (const n of net.nodes) {
    const s = n.inputs.reduce((m, i) => Math.max(m, done.get(i) ?? 0), 0);
    start.set(n.id, s);
    done.set(n.id, s + (K.get(n.id) ?? 0));
  }
  return start;
}

/** The dense layers (with flatten or dropout between) from the last gate to the scores, if that is all there is. */
function denseTail(net: Network, gates: readonly GateRun[]): Tail | undefined {
  const score = scoreOf(net);
  const layers: Tail["layers"][number][] = [];
  let cur = score;
  for (;;) {
    if (gates.some((g) => g.id === cur.id)) break;
    if (cur.op.kind === "dense") {
      const w = cur.params.weight;
      if (w === undefined) return undefined;
      layers.unshift({ inputs: w.shape[1]!, outputs: w.shape[0]!, weight: w.data, bias: cur.params.bias?.data });
    } else if (cur.op.kind !== "flatten" && cur.op.kind !== "dropout") return undefined;
    if (cur.inputs.length !== 1) return undefined;
    const prev = net.nodes.find((n) => n.id === cur.inputs[0]);
    if (prev === undefined) return undefined;
    cur = prev;
  }
  return layers.length > 0 ? { gate: cur.id, layers } : undefined;
}

function rangeOption(v: unknown, count: number): readonly [number, number] {
  if (v === null || v === undefined) return [0, Math.min(1, count)];
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x))) throw new SpikelabError("param", `simulate option record must be [first, last), got ${JSON.stringify(v)}`, { hint: "e.g. `record: [0, 1]`" });
  return [Math.max(0, Math.min(v[0] as number, count)), Math.max(0, Math.min(v[1] as number, count))];
}

/** Merges chunk results (in item order) into a SimResult for the samples they cover. */
function assemble(snn: SpikingNetwork, data: Dataset, gates: readonly GateRun[], shared: AmosShared, chunks: readonly ChunkResult<ChunkStats>[], partial: boolean): SimResult {
  const net = snn.source;
  const n = chunks.reduce((s, c) => s + (c.end - c.start), 0);
  const predictions = new Int32Array(n), annPredictions = new Int32Array(n), labels = new Uint8Array(n);
  const G = gates.length;
  const spikes = new Float64Array(G), ops = new Float64Array(G);
  const perNeuron = chunks.length > 0 ? chunks[0]!.value.neuronSpikes.map((a) => new Float64Array(a.length)) : gates.map(() => new Float64Array(0));
  const unit = gates.map((g) => new Float64Array(g.K)), unitOps = gates.map((g) => new Float64Array(g.K)), hist = gates.map((g) => new Float64Array(g.K + 1));
  const correctAtStep = new Float64Array(chunks[0]?.value.correctAtStep.length ?? 0);
  const records: SpikeRecord[] = [];
  let at = 0;
  for (const c of chunks) {
    const s = c.value;
    predictions.set(s.predictions, at);
    annPredictions.set(s.annPredictions, at);
    labels.set(data.labels.subarray(c.start, c.end), at);
    at += c.end - c.start;
    for (let g = 0; g < G; g++) {
      spikes[g]! += s.spikes[g]!;
      ops[g]! += s.synapticOps[g]!;
      s.unitSpikes[g]!.forEach((v, k) => (unit[g]![k]! += v));
      s.unitOps[g]!.forEach((v, k) => (unitOps[g]![k]! += v));
      s.neuronSpikes[g]!.forEach((v, k) => (perNeuron[g]![k]! += v));
      s.histogram[g]!.forEach((v, k) => (hist[g]![k]! += v));
    }
    s.correctAtStep.forEach((v, k) => (correctAtStep[k]! += v));
    for (const r of s.records) records.push({ sample: data.offset + r.sample, layer: r.layer, neurons: r.neurons, neuron: Int32Array.from(r.neuron), time: Float64Array.from(r.time) });
  }
  let correct = 0, annCorrect = 0, agree = 0;
  for (let i = 0; i < n; i++) {
    if (predictions[i] === labels[i]) correct++;
    if (annPredictions[i] === labels[i]) annCorrect++;
    if (predictions[i] === annPredictions[i]) agree++;
  }
  const form = gates[0]?.form ?? "amos";
  const sizes = gates.map((g) => sizeOf(net.nodes.find((m) => m.id === g.id)!.shape));
  const neurons = gates.reduce((s, g, i) => s + (form === "amos" ? g.K : 1) * sizes[i]!, 0);
  const totalSpikes = spikes.reduce((a, b) => a + b, 0);
  const perSample = (v: number): number => (n > 0 ? v / n : NaN);
  // Per target layer: the gates (or read-out) the spikes of each gate layer reach.
  const byTarget = new Map<string, number>();
  gates.forEach((g, i) => {
    const label = gateTargets(net, g.id).join("+") || g.id;
    byTarget.set(label, (byTarget.get(label) ?? 0) + perSample(ops[i]!));
  });
  const synapticOps: LayerCount[] = [...byTarget].map(([layer, value]) => ({ layer, value }));
  const Ks = gates.map((g) => g.K);
  const latency = Number(snn.info.latency_steps ?? gates.reduce((m, g) => Math.max(m, g.start + g.K), 0));
  const info: Record<string, number | string | readonly number[]> = {
    form,
    latency_steps: latency,
    pipeline_interval_steps: Math.max(...Ks),
    K_max: Math.max(...Ks),
    K_min: Math.min(...Ks),
    throughput_images_per_step: 1 / Math.max(...Ks),
    spikes_per_image: perSample(totalSpikes),
    neurons: neurons,
    gates: sizes.reduce((a, b) => a + b, 0),
    spikes_per_gate: perSample(totalSpikes) / sizes.reduce((a, b) => a + b, 0),
  };
  gates.forEach((g, i) => {
    info[`K:${g.id}`] = g.K;
    info[`start:${g.id}`] = g.start;
    info[`spikes_per_gate:${g.id}`] = perSample(spikes[i]!) / sizes[i]!;
    info[`spike_histogram:${g.id}`] = Array.from(hist[i]!, (v) => (n > 0 ? v / (n * sizes[i]!) : 0));
    info[`unit_rate:${g.id}`] = Array.from(unit[i]!, (v) => (n > 0 ? v / (n * sizes[i]!) : 0));
    info[`synaptic_ops:${g.id}`] = perSample(ops[i]!);
  });
  const tailGate = shared.tail === undefined ? undefined : gates.find((g) => g.id === shared.tail!.gate);
  let overTime: SimResult["overTime"];
  if (tailGate !== undefined && n > 0) {
    // Ops are cumulative up to each step of the read-out layer: everything before it has finished.
    const before = gates.reduce((s, g, i) => (g.id === tailGate.id ? s : s + perSample(ops[i]!)), 0);
    const ti = gates.indexOf(tailGate);
    const time = new Float64Array(tailGate.K), accuracy = new Float64Array(tailGate.K), cum = new Float64Array(tailGate.K);
    let sum = before;
    for (let k = 0; k < tailGate.K; k++) {
      time[k] = tailGate.start + k + 1;
      accuracy[k] = correctAtStep[k]! / n;
      sum += perSample(unitOps[ti]![k]!);
      cum[k] = sum;
    }
    overTime = { time, accuracy, synapticOps: cum };
  }
  return {
    kind: "simresult",
    family: "amos",
    network: snn.name,
    data: describeData({ ...data, count: n }),
    samples: n,
    labels,
    predictions,
    annPredictions,
    accuracy: n > 0 ? correct / n : NaN,
    annAccuracy: n > 0 ? annCorrect / n : NaN,
    agreement: n > 0 ? agree / n : NaN,
    latency: { value: latency, unit: "steps" },
    spikesPerNeuron: neurons > 0 ? perSample(totalSpikes) / neurons : 0,
    synapticOps,
    synapticOpsTotal: synapticOps.reduce((s, l) => s + l.value, 0),
    annOps: annOps(net),
    ...(overTime ? { overTime } : {}),
    records,
    rates: gates.map((g, i) => ({ layer: g.id, spikes: perNeuron[i]!.map((v) => (n > 0 ? v / n : 0)) })),
    ...(shared.compare > 0 && n > 0 ? { pairs: gatePairs(gates, chunks) } : {}),
    info,
    partial,
  };
}

/** The gates of a converted network, ready to run: circuits from its populations, fan-out and start steps from its source. */
export function gateRuns(snn: SpikingNetwork): GateRun[] {
  const net = snn.source;
  const fan = gateFanout(net);
  const K = new Map<string, number>();
  for (const p of snn.populations) if (p.neuron.kind === "amos") K.set(p.sourceNode, p.neuron.K);
  const start = startSteps(net, K);
  const out: GateRun[] = [];
  for (const p of snn.populations) {
    const nm = p.neuron;
    if (nm.kind !== "amos") continue;
    const f = fan.get(p.sourceNode);
    if (f === undefined) throw new SpikelabError("unsupported", `AMOS population '${p.id}' stands for '${p.sourceNode}', which is not a gate of ${net.name}`);
    out.push({ id: p.sourceNode, K: nm.K, form: nm.form, h: toShared(nm.h), d: toShared(nm.d), T: toShared(nm.T), fanout: toShared(f), start: start.get(p.sourceNode)! });
  }
  return out;
}

export async function simulateAmos(snn: SpikingNetwork, data: Dataset, opts: SimOptions = {}, ctx: RunContext = {}): Promise<SimResult> {
  if (snn.family !== "amos") throw new Error(`simulateAmos: '${snn.name}' is a ${snn.family} network`);
  const net = snn.source;
  checkDataset(net, data);
  const gates = gateRuns(snn);
  if (gates.length === 0) throw new SpikelabError("unsupported", `'${snn.name}' has no AMOS circuits to simulate`);
  const shared: AmosShared = {
    net,
    gates,
    images: toShared(data.images.subarray(0, data.count * sampleSize(data))),
    labels: toShared(data.labels.subarray(0, data.count)),
    sampleSize: sampleSize(data),
    classes: sizeOf(scoreOf(net).shape),
    batch: BATCH,
    record: rangeOption(opts.record, data.count),
    tail: denseTail(net, gates),
    compare: Math.min(data.count, typeof opts.compare === "number" ? opts.compare : 100),
  };
  const task: PoolTask<AmosShared> = { module: new URL("./run.ts", import.meta.url), fn: "simulateChunk", items: data.count, shared, chunk: Math.max(BATCH, Math.ceil(data.count / 16 / BATCH) * BATCH) };
  const workers = typeof opts.workers === "number" ? opts.workers : ctx.pool?.size ?? 1;
  const label = `simulate ${snn.name}`;
  const progress = (done: number, total: number): void => ctx.progress?.({ label, done, total, unit: "images" });
  const mapOpts = { ...(ctx.signal ? { signal: ctx.signal } : {}), progress };
  let chunks: ChunkResult<ChunkStats>[];
  try {
    chunks = ctx.pool !== undefined && workers > 1 && data.count > BATCH ? await ctx.pool.map<AmosShared, ChunkStats>(task, mapOpts) : await runLocal<AmosShared, ChunkStats>(task, mapOpts);
  } catch (e) {
    if (e instanceof InterruptedError && Array.isArray(e.partial) && e.partial.length > 0) {
      // Chunks finish out of order on a pool: keep the longest run from the first image.
      const done = (e.partial as ChunkResult<ChunkStats>[]).slice().sort((a, b) => a.start - b.start);
      const prefix: ChunkResult<ChunkStats>[] = [];
      for (const c of done) if (c.start === (prefix[prefix.length - 1]?.end ?? 0)) prefix.push(c);
      if (prefix.length > 0) throw new InterruptedError(`interrupted after ${prefix[prefix.length - 1]!.end} of ${data.count} images`, assemble(snn, data, gates, shared, prefix, true));
    }
    throw e;
  }
  return assemble(snn, data, gates, shared, chunks, false);
}

// The exact mapping of a ReLU network to one spike per neuron (Stanojevic et al. 2022;
// PAPERS.md §3): canonical DAG → windows aligned with relays → weight-sum scaling → X_n from
// training data → windows B_n = (1 + ζ)·max X over the layers sharing window n → effective
// weights J = W/(1 − S) and thresholds ϑ per neuron → spiking IR. Float64 throughout.
// It must not simulate: the simulator lives in stdlib/sim/ttfs.

import { availableParallelism } from "node:os";
import { SpikelabError, throwIfAborted } from "../../errors.ts";
import { createPool, type TaskContext, type WorkerPool } from "../../tensor/pool.ts";
import { maximaItems, shareDeep, type MaximaShared } from "../../sim/ttfs/worker.ts";
import type { RunContext } from "../../context.ts";
import { sampleSize, slice, type Dataset } from "../../data/dataset.ts";
import type { Network } from "../../ir/network.ts";
import { data as dataParam, dataParamHint, num, type DataRef, type RuleSet } from "../../ir/rules.ts";
import { fashionMnist, mnist } from "../../data/mnist.ts";
import type { Population, Projection, SpikingNetwork } from "../../ir/spiking.ts";
import { sizeOf, type Tensor64 } from "../../tensor/tensor.ts";
import { activations64 } from "../../ann/forward.ts";
import { alignWindows } from "./align.ts";
import { canonicalize } from "./canonical.ts";
import { scaleWeightSums, weightSets, weightSums } from "./scale.ts";
import { chw, forward64, inputChannels, type LinearInput, type LinearStage, type Stage } from "./stages.ts";

export interface TtfsConvertOptions {
  /** ζ: B_n = (1 + ζ)·X_n. */
  readonly zeta: number;
  readonly inputRange: readonly [number, number];
  readonly weightSumMin: number;
  readonly weightSumMax: number;
}

export function ttfsOptions(rules: RuleSet): TtfsConvertOptions {
  const r = rules.params.input_range;
  const range: readonly [number, number] = Array.isArray(r) && r.length === 2 ? [Number(r[0]), Number(r[1])] : [0, 1];
  return { zeta: num(rules, "zeta"), inputRange: range, weightSumMin: num(rules, "weight_sum_min"), weightSumMax: num(rules, "weight_sum_max") };
}

function checkOptions(o: TtfsConvertOptions): void {
  if (!(o.zeta > -1)) throw new SpikelabError("param", `zeta = ${o.zeta}: the windows B_n = (1 + zeta)·X_n need zeta > -1`, { hint: "use zeta: 0.5 (the paper's margin)" });
  if (!(o.weightSumMax > 0 && o.weightSumMax < 1)) {
    throw new SpikelabError("param", `weight_sum_max = ${o.weightSumMax} must lie in (0, 1): J = W/(1 - S) needs every weight sum S below 1`, { hint: "use weight_sum_max: 0.99" });
  }
  if (!(o.weightSumMin < 0)) throw new SpikelabError("param", `weight_sum_min = ${o.weightSumMin} must be negative (a positive factor must reach it from any negative sum)`, { hint: "use weight_sum_min: -10" });
}

/** Per stage, the largest value of its output over `data` (float64 forward of the canonical chain), over the pool when given. */
export async function stageMaxima(stages: readonly Stage[], data: Dataset, ctx: RunContext = {}, pool: WorkerPool | undefined = ctx.pool): Promise<Float64Array> {
  const label = "measure the TTFS windows";
  const progress = (done: number): void => ctx.progress?.({ label, done, total: data.count, unit: "images" });
  const shared: MaximaShared = { stages: pool ? shareDeep(stages) : stages, images: data.images, sampleSize: sampleSize(data) };
  const parts: Float64Array[] = [];
  if (pool !== undefined) {
    const done = await pool.map<MaximaShared, Float64Array>({ module: new URL("../../sim/ttfs/worker.ts", import.meta.url), fn: "maximaItems", items: data.count, shared }, { ...(ctx.signal ? { signal: ctx.signal } : {}), progress });
    for (const c of done) parts.push(c.value);
  } else {
    const step = 256;
    const tctx: TaskContext = { worker: -1, aborted: () => ctx.signal?.aborted === true, throwIfAborted: () => throwIfAborted(ctx.signal), itemsDone: () => undefined };
    let last = performance.now();
    for (let s = 0; s < data.count; s += step) {
      if (performance.now() - last > 50) {
        await new Promise((r) => setImmediate(r));
        last = performance.now();
        progress(s);
      }
      throwIfAborted(ctx.signal);
      parts.push(maximaItems(shared, s, Math.min(data.count, s + step), tctx));
    }
  }
  progress(data.count);
  const max = new Float64Array(stages.length).fill(-Infinity);
  for (const p of parts) for (let i = 0; i < max.length; i++) max[i] = Math.max(max[i]!, p[i]!);
  return max;
}

/** Window maxima already measured, per network and data buffer: a sweep over ζ or jitter converts the same network again. */
const maximaMemo = new WeakMap<Network, WeakMap<ArrayBufferLike, Map<string, Float64Array>>>();

async function memoMaxima(net: Network, o: TtfsConvertOptions, stages: readonly Stage[], data: Dataset, ctx: RunContext): Promise<Float64Array> {
  let byData = maximaMemo.get(net);
  if (byData === undefined) maximaMemo.set(net, (byData = new WeakMap()));
  let m = byData.get(data.images.buffer);
  if (m === undefined) byData.set(data.images.buffer, (m = new Map()));
  const key = `${data.images.byteOffset}:${data.count}:${o.inputRange.join(",")}:${o.weightSumMin}:${o.weightSumMax}`;
  const hit = m.get(key);
  if (hit !== undefined) return hit;
  const own = ctx.pool === undefined && data.count >= 2000 && availableParallelism() > 1 ? createPool(availableParallelism()) : undefined;
  try {
    const max = await stageMaxima(stages, data, ctx, ctx.pool ?? own);
    m.set(key, max);
    return max;
  } finally {
    await own?.close();
  }
}

/** Largest |logit difference| between the canonical chain and the ANN itself, over the first `count` samples of `data`. */
export function foldingError(net: Network, stages: readonly Stage[], data: Dataset, inputRange: readonly [number, number], outputRelu: boolean, count = 32): number {
  const d = slice(data, 0, Math.min(count, data.count));
  if (d.count === 0) return 0;
  const n = sampleSize(d);
  const [p, q] = inputRange;
  // Compare logits: the output node, or its input when the network ends in a softmax.
  const last = net.nodes[net.nodes.length - 1]!;
  const id = last.op.kind === "softmax" ? last.inputs[0]! : last.id;
  const ann = activations64(net, { shape: [d.count, ...net.nodes[0]!.shape], data: Float64Array.from(d.images, (u) => p + (q - p) * u) }, [id]).get(id)!;
  const classes = ann.data.length / d.count;
  let err = 0;
  const x = new Float64Array(n);
  for (let i = 0; i < d.count; i++) {
    for (let k = 0; k < n; k++) x[k] = d.images[i * n + k]!;
    const outs = forward64(stages, x);
    const logits = outs[outs.length - 1]!;
    for (let c = 0; c < classes; c++) {
      const v = outputRelu && logits[c]! < 0 ? 0 : logits[c]!;
      err = Math.max(err, Math.abs(v - ann.data[i * classes + c]!));
    }
  }
  return err;
}

/** The slice X_n is measured on: the language's binding, else stdlib/data's loaders by name; null = the network's whole training split. */
export function resolveWindowData(ref: DataRef | null, net: Network, ctx: RunContext): Dataset {
  const got = ctx.resolveData?.(ref, net);
  if (got !== undefined) return got;
  if (ref === null) {
    throw new SpikelabError("param", `exact TTFS conversion of '${net.name}' measures its windows on training data, and the network's own training data is not known here`, {
      hint: dataParamHint("window_data"),
    });
  }
  const loaders: Record<string, (split: "train" | "test") => Dataset> = { mnist, fashion_mnist: fashionMnist };
  const load = loaders[ref.dataset];
  if (load === undefined) throw new SpikelabError("name", `unknown dataset '${ref.dataset}' in window_data`, { hint: `known here: ${Object.keys(loaders).join(", ")}` });
  return slice(load(ref.split), ref.start, ref.end);
}

/** The family entry point: resolves `window_data`, then converts. */
export async function convertTtfsFamily(net: Network, rules: RuleSet, ctx: RunContext = {}): Promise<SpikingNetwork> {
  if (rules.family !== "ttfs") throw new Error(`convertTtfs: rule set '${rules.name}' is of family ${rules.family}`);
  return convertTtfs(net, rules, resolveWindowData(dataParam(rules, "window_data"), net, ctx), ctx);
}

function tensor64(shape: readonly number[], data: Float64Array): Tensor64 {
  return { shape: [...shape], data };
}

/**
 * Converts `net` with the TTFS rule set. `windowData` supplies X_n (the paper: the training
 * set); when the ANN expects inputs in [p, q] the images (in [0, 1]) are read as p + (q − p)·u.
 */
export async function convertTtfs(net: Network, rules: RuleSet, windowData: Dataset, ctx: RunContext = {}): Promise<SpikingNetwork> {
  const o = ttfsOptions(rules);
  checkOptions(o);
  if (windowData.count === 0) throw new SpikelabError("param", "exact TTFS conversion: window_data holds no samples", { hint: "give a training slice such as mnist.train[0:10000]" });
  const canon = canonicalize(net, o.inputRange);
  if (sampleSize(windowData) !== sizeOf(canon.inputShape)) {
    throw new SpikelabError("shape", `exact TTFS conversion: network '${net.name}' takes ${canon.inputShape.join("x")} inputs, but window_data ${windowData.name} has ${windowData.shape.join("x")} samples`, { hint: "measure the windows on the network's own training data" });
  }
  const input = net.nodes[0]!;
  const aligned = alignWindows(canon.stages, input.id, canon.inputShape);
  const { stages, rescaled } = scaleWeightSums(aligned.stages, o.weightSumMin, o.weightSumMax);
  const maxima = await memoMaxima(net, o, stages, windowData, ctx);
  const levels = aligned.levels;
  const relays = new Set(aligned.relays);

  // Window n holds every TTFS population of level n: B_n covers the largest of them.
  const top = levels[levels.length - 1]!;
  const windows: { tMin: number; tMax: number; X: number; B: number }[] = [{ tMin: 0, tMax: 1, X: 1, B: 1 }];
  for (let level = 1; level < top; level++) {
    let x = -Infinity;
    const names: string[] = [];
    stages.forEach((s, i) => {
      if (levels[i] === level && s.kind === "linear") {
        x = Math.max(x, maxima[i]!);
        names.push(s.id);
      }
    });
    let xn = x;
    if (!(xn > 0)) {
      ctx.log?.(`exact TTFS conversion: window ${level} (${names.join(", ")}) is silent on the window data (X = 0); its length is set to 1`);
      xn = 1 / (1 + o.zeta);
    }
    const bn = (1 + o.zeta) * xn;
    const tMin = windows[level - 1]!.tMax;
    windows.push({ tMin, tMax: tMin + bn, X: x, B: bn });
  }
  const readoutAt = windows[top - 1]!.tMax;

  const popOf = (src: number): string => (src < 0 ? input.id : stages[src]!.id);
  const populations: Population[] = [{ id: input.id, shape: canon.inputShape, neuron: { kind: "relay", tMin: 0, tMax: 1 }, sourceNode: input.id }];
  const projections: Projection[] = [];
  const projIds = new Set<string>();
  const project = (from: string, to: string, geometry: Projection["geometry"], weight?: Tensor64): void => {
    let id = `${from}->${to}`;
    for (let k = 2; projIds.has(id); k++) id = `${from}->${to}#${k}`;
    projIds.add(id);
    projections.push({ id, from, to, geometry, ...(weight ? { weight } : {}) });
  };
  const X: number[] = [], B: number[] = [], tMins: number[] = [], layerLevels: number[] = [], layerNames: string[] = [];
  let relayNeurons = 0;

  stages.forEach((s, idx) => {
    const win = windows[levels[idx]!]!;
    if (s.kind === "maxpool") {
      const latest = [...s.latest].flatMap((v, c) => (v === 1 ? [c] : []));
      populations.push({ id: s.id, shape: s.outShape, neuron: { kind: "relay", tMin: win.tMin, tMax: win.tMax }, sourceNode: s.id });
      project(popOf(s.src), s.id, { kind: "maxpool", kernel: s.kernel, stride: s.stride, padding: s.padding, mode: "earliest", ...(latest.length > 0 ? { latest } : {}) });
      return;
    }
    const sourceNode = relays.has(idx) ? s.id.replace(/~\d+(#\d+)?$/, "") : s.id;
    if (!s.relu) {
      // The read-out: plain (compensated) weights; the potential at the start of its window is the logits.
      populations.push({ id: s.id, shape: s.outShape, neuron: { kind: "integrator" }, bias: tensor64(s.outShape, s.bias.slice()), sourceNode });
      for (const inp of s.inputs) project(popOf(inp.src), s.id, projectionGeometry(inp, s.outShape), inputWeight(inp, inp.weight));
      return;
    }
    const prev = windows[levels[idx]! - 1]!;
    const { J, theta } = ttfsParameters(s, win.tMax - prev.tMin, win.B);
    populations.push({ id: s.id, shape: s.outShape, neuron: { kind: "ttfs", tMin: win.tMin, tMax: win.tMax, threshold: tensor64(s.outShape, theta) }, sourceNode });
    s.inputs.forEach((inp, k) => project(popOf(inp.src), s.id, projectionGeometry(inp, s.outShape), inputWeight(inp, J[k]!)));
    X.push(maxima[idx]!);
    B.push(win.B);
    tMins.push(win.tMin);
    layerLevels.push(levels[idx]!);
    layerNames.push(s.id);
    if (relays.has(idx)) relayNeurons += sizeOf(s.outShape);
  });

  const folding = foldingError(net, stages, windowData, o.inputRange, canon.outputRelu);
  return {
    name: `${net.name}_ttfs`,
    family: "ttfs",
    rules,
    source: net,
    dtSeconds: undefined,
    encoder: { kind: "ttfs", tMin: 0, tMax: 1 },
    populations,
    projections,
    readout: { kind: "potential", at: readoutAt },
    info: {
      zeta: o.zeta,
      layers: layerNames.join(","),
      X,
      B,
      tMin: tMins,
      level: layerLevels,
      windows: top - 1,
      window_X: windows.slice(1).map((w) => w.X),
      window_B: windows.slice(1).map((w) => w.B),
      relays: aligned.relays.map((i) => stages[i]!.id).join(","),
      relay_neurons: relayNeurons,
      latency: readoutAt,
      rescaledChannels: rescaled,
      outputRelu: canon.outputRelu ? 1 : 0,
      foldingError: folding,
      windowData: `${windowData.name}.${windowData.split}[${windowData.offset}:${windowData.offset + windowData.count}]`,
      notes: canon.notes.join("; "),
    },
  };
}

/** The IR geometry of one input; `offset` counts elements of the target (a channel slice). */
function projectionGeometry(inp: LinearInput, outShape: readonly number[]): Projection["geometry"] {
  const [, h, w] = chw(outShape);
  const offset = inp.offset * h * w;
  const g = inp.geometry;
  if (g.kind === "identity") return { kind: "identity", offset };
  if (g.kind === "dense") return { kind: "dense", ...(offset !== 0 ? { offset } : {}) };
  return { kind: "conv", kernel: g.kernel, stride: g.stride, padding: g.padding, groups: g.groups, ...(offset !== 0 ? { offset } : {}) };
}

/** The IR weight tensor of one input: as stored, except identity, which gets one weight per source neuron. */
function inputWeight(inp: LinearInput, w: Float64Array): Tensor64 {
  if (inp.geometry.kind !== "identity") return tensor64(inp.weightShape, w.slice());
  const n = sizeOf(inp.inShape);
  const per = n / inputChannels(inp);
  return tensor64([n], Float64Array.from({ length: n }, (_, j) => w[Math.floor(j / per)]!));
}

/**
 * J_ij = W_ij/(1 − S_i) (per input, in its layout) and ϑ_i = (t_max − t_min^(n−1)) + B_n·ΣJ_i − (1 + ΣJ_i)·b_i
 * for one hidden stage, `span` = t_max^(n) − t_min^(n−1); S_i and ΣJ_i run over all its inputs.
 */
export function ttfsParameters(s: LinearStage, span: number, bn: number): { J: Float64Array[]; theta: Float64Array } {
  const sums = weightSums(s);
  const sets = weightSets(s);
  const sumJ = new Float64Array(sets);
  const J = s.inputs.map((inp) => {
    const k = inputChannels(inp);
    const per = inp.weight.length / k;
    const out = new Float64Array(inp.weight.length);
    for (let o = 0; o < k; o++) {
      const c = inp.offset + o;
      const f = 1 / (1 - sums[c]!);
      let acc = 0;
      for (let j = 0; j < per; j++) {
        const v = inp.weight[o * per + j]! * f;
        out[o * per + j] = v;
        acc += v;
      }
      sumJ[c] = sumJ[c]! + acc;
    }
    return out;
  });
  const theta = new Float64Array(s.bias.length);
  const perB = s.bias.length / sets;
  for (let i = 0; i < theta.length; i++) {
    const sj = sumJ[Math.floor(i / perB)]!;
    theta[i] = span + bn * sj - (1 + sj) * s.bias[i]!;
  }
  return { J, theta };
}

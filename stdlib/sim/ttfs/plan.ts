// Compiles a TTFS spiking network (the IR) into what the event loop reads: per layer its time
// window, thresholds and its inputs' connections (conn.ts; a join reads several populations of
// the previous window, a concatenation's slices come from different projections), the
// per-neuron sums the closed form needs, and the float64 ReLU DAG the IR encodes (for decoding
// checks). Plain data only (typed arrays), so a plan can be sent to worker threads.
// No simulation here.

import { randomUUID } from "node:crypto";
import { SpikelabError } from "../../errors.ts";
import type { Population, Projection, SpikingNetwork } from "../../ir/spiking.ts";
import { sizeOf } from "../../tensor/tensor.ts";
import { chw, type LinearInput, type LinearStage, type PoolStage, type Stage } from "../../convert/ttfs/stages.ts";
import { addNeuronSums, chwToHwc, connection, fanOut, geometryOf, offsetOf, outSize, paddingEvents, type Conn } from "./conn.ts";

export { chwToHwc, type Conn } from "./conn.ts";

/** One input of a layer: the layer it reads (0 = the input layer) and how. */
export interface LayerInput {
  readonly src: number;
  readonly conn: Conn;
}

interface LayerBase {
  readonly id: string;
  /** [C, H, W] (a vector is [F, 1, 1]). */
  readonly shape: readonly [number, number, number];
  readonly n: number;
  /** Synaptic events per sample into this layer (every source neuron spikes once): Σ fan-out over real connections. */
  readonly synapticOps: number;
  /** Events from zero padding (spikes at the layer's t_min standing for x = 0), per sample. */
  readonly paddingOps: number;
}

export interface InputLayer {
  readonly kind: "input";
  readonly id: string;
  readonly shape: readonly [number, number, number];
  readonly n: number;
  readonly tMin: number;
  readonly tMax: number;
}

/** A layer of TTFS neurons: integrates from t0 (its sources' t_min), inputs end at tEnd (its own t_min), forced to fire by tMax. */
export interface TtfsLayer extends LayerBase {
  readonly kind: "ttfs";
  /** Every input reads a layer of the window [t0, tEnd]. */
  readonly inputs: readonly LayerInput[];
  readonly t0: number;
  readonly tEnd: number;
  readonly tMax: number;
  /** Per neuron, HWC: ϑ_i, 1 + Σ_j J_ij over all inputs' taps (padded included), Σ over padded taps only. */
  readonly theta: Float64Array;
  readonly dAll: Float64Array;
  readonly jPad: Float64Array;
  /**
   * Every neuron has uEnd·Σ_j |min(J_ij, 0)| < ϑ_i. V is at most max(V(uEnd), uEnd·Σ|J⁻| − Σ|J⁻|x)
   * before tEnd (a convex bound, largest at an end of the window), so then V(tEnd) < ϑ alone
   * proves no early crossing and the sums need no Pp.
   */
  readonly safe: boolean;
}

/** Max pooling: the earliest spike of each window (the latest on `latest` channels), in its source's window. */
export interface RelayLayer extends LayerBase {
  readonly kind: "relay";
  readonly src: number;
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly latest: Uint8Array;
  readonly tMin: number;
  readonly tMax: number;
}

/** The output potentials read at tEnd: V = b + Σ_j W_j (tEnd − t_j), integrating from t0. */
export interface ReadoutLayer extends LayerBase {
  readonly kind: "readout";
  readonly inputs: readonly LayerInput[];
  readonly t0: number;
  readonly tEnd: number;
  /** HWC. */
  readonly bias: Float64Array;
  readonly relu: boolean;
}

export type SimLayer = TtfsLayer | RelayLayer | ReadoutLayer;

export interface Plan {
  readonly name: string;
  /** Unique per compilation: worker threads cache their copy of the weights under it. */
  readonly key: string;
  readonly input: InputLayer;
  /** In order; the last is the read-out. */
  readonly layers: readonly SimLayer[];
  /** The ReLU network the IR encodes (W = J/(1 + ΣJ), b from ϑ), CHW, stage k = layer k (sources shifted by one), for decoded-activation checks. */
  readonly reference: readonly Stage[];
  readonly latency: number;
}

/** The layers a layer reads. */
export function sources(l: SimLayer): number[] {
  return l.kind === "relay" ? [l.src] : l.inputs.map((i) => i.src);
}

const bad = (snn: SpikingNetwork, message: string): SpikelabError =>
  new SpikelabError("unsupported", `simulate (ttfs): spiking network '${snn.name}' ${message}`, { hint: "convert the network with a ttfs rule set (e.g. stanojevic2022)" });

function toHwc(v: Float64Array, shape: readonly [number, number, number]): Float64Array {
  const map = chwToHwc(shape);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[map[i]!] = v[i]!;
  return out;
}

const f64 = (d: ArrayLike<number>): Float64Array => (d instanceof Float64Array ? d : Float64Array.from(d));

/** Compiles `snn` (family ttfs). Throws SpikelabError when it is not a TTFS network this simulator runs. */
export function compilePlan(snn: SpikingNetwork): Plan {
  if (snn.family !== "ttfs") throw bad(snn, `belongs to the ${snn.family} family`);
  const pops = snn.populations;
  const first = pops[0];
  if (first === undefined || first.neuron.kind !== "relay") throw bad(snn, "does not start with an input layer");
  const input: InputLayer = { kind: "input", id: first.id, shape: chw(first.shape), n: sizeOf(first.shape), tMin: first.neuron.tMin, tMax: first.neuron.tMax };
  const index = new Map<string, number>([[first.id, 0]]);
  const windows: { tMin: number; tMax: number }[] = [{ tMin: input.tMin, tMax: input.tMax }];
  const shapes: (readonly [number, number, number])[] = [input.shape];
  const layers: SimLayer[] = [];
  const reference: Stage[] = [];
  const into = new Map<string, Projection[]>();
  for (const p of snn.projections) into.set(p.to, [...(into.get(p.to) ?? []), p]);
  let latency = 0;
  const same = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a));

  pops.slice(1).forEach((pop: Population, k) => {
    const projs = into.get(pop.id) ?? [];
    if (projs.length === 0) throw bad(snn, `has no projection into '${pop.id}'`);
    const srcs = projs.map((p) => {
      const src = index.get(p.from);
      if (src === undefined) throw bad(snn, `projects into '${pop.id}' from '${p.from}', which is not an earlier layer`);
      return src;
    });
    const shape = chw(pop.shape);
    const n = sizeOf(shape);
    const win = windows[srcs[0]!]!;
    // A TTFS neuron integrates from its sources' t_min: they must share one window.
    srcs.forEach((s, q) => {
      const w = windows[s]!;
      if (!same(w.tMin, win.tMin) || !same(w.tMax, win.tMax)) throw bad(snn, `reads '${projs[q]!.from}' (window [${w.tMin}, ${w.tMax}]) and '${projs[0]!.from}' (window [${win.tMin}, ${win.tMax}]) into '${pop.id}'`);
    });
    const neuron = pop.neuron;
    let layer: SimLayer;
    if (neuron.kind === "relay") {
      const proj = projs[0]!;
      const g = proj.geometry;
      if (projs.length !== 1 || g.kind !== "maxpool") throw bad(snn, `relays '${pop.id}' through ${projs.length} projection(s) of kind ${g.kind}`);
      const src = srcs[0]!;
      const inShape = shapes[src]!;
      const latest = new Uint8Array(shape[0]);
      for (const c of g.latest ?? []) latest[c] = 1;
      const oh = outSize(inShape[1], g.kernel[0], g.stride[0], g.padding[0]);
      const ow = outSize(inShape[2], g.kernel[1], g.stride[1], g.padding[1]);
      // Each source spike reaches every window that contains it.
      let ops = 0;
      for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) {
        const ys = Math.max(0, y * g.stride[0] - g.padding[0]), ye = Math.min(inShape[1], y * g.stride[0] - g.padding[0] + g.kernel[0]);
        const xs = Math.max(0, x * g.stride[1] - g.padding[1]), xe = Math.min(inShape[2], x * g.stride[1] - g.padding[1] + g.kernel[1]);
        ops += Math.max(0, ye - ys) * Math.max(0, xe - xs);
      }
      layer = { kind: "relay", id: pop.id, src, shape, n, synapticOps: ops * shape[0], paddingOps: 0, kernel: g.kernel, stride: g.stride, padding: g.padding, latest, tMin: win.tMin, tMax: win.tMax };
      const pool: PoolStage = { kind: "maxpool", id: pop.id, src: src - 1, kernel: g.kernel, stride: g.stride, padding: g.padding, inShape, outShape: shape, latest };
      reference.push(pool);
      windows.push({ tMin: win.tMin, tMax: win.tMax });
    } else if (neuron.kind === "ttfs" || neuron.kind === "integrator") {
      const all = new Float64Array(n), neg = new Float64Array(n), real = new Float64Array(n);
      let ops = 0, padOps = 0;
      const weights: Float64Array[] = [];
      const inputs: LayerInput[] = projs.map((proj, q) => {
        const w = proj.weight;
        if (w === undefined) throw bad(snn, `has no weights on '${proj.id}'`);
        const wd = f64(w.data);
        weights.push(wd);
        const inShape = shapes[srcs[q]!]!;
        const conn = connection(proj, wd, w.shape, inShape, shape);
        if (typeof conn === "string") throw bad(snn, `projection '${proj.id}' ${conn}`);
        addNeuronSums(proj, wd, w.shape, inShape, shape, all, neg, real);
        ops += fanOut(conn);
        padOps += paddingEvents(conn);
        return { src: srcs[q]!, conn };
      });
      if (neuron.kind === "ttfs") {
        const theta = f64(neuron.threshold.data);
        if (theta.length !== n) throw bad(snn, `has ${theta.length} thresholds for the ${n} neurons of '${pop.id}'`);
        if (!same(neuron.tMin, win.tMax)) throw bad(snn, `starts '${pop.id}' at t = ${neuron.tMin}, not where '${projs[0]!.from}' ends (${win.tMax})`);
        const dAll = all.map((v) => 1 + v);
        const jPad = all.map((v, i) => v - real[i]!);
        const uEnd = neuron.tMin - win.tMin;
        let safe = true;
        for (let i = 0; i < n && safe; i++) safe = uEnd * neg[i]! < theta[i]!;
        layer = { kind: "ttfs", id: pop.id, inputs, shape, n, synapticOps: ops, paddingOps: padOps, t0: win.tMin, tEnd: neuron.tMin, tMax: neuron.tMax, theta: toHwc(theta, shape), dAll: toHwc(dAll, shape), jPad: toHwc(jPad, shape), safe };
        // The ReLU layer this encodes: W = J/(1 + ΣJ) = J·(1 − S), b = (span + B·ΣJ − ϑ)/(1 + ΣJ).
        const span = neuron.tMax - win.tMin;
        const bn = neuron.tMax - neuron.tMin;
        const b = new Float64Array(n);
        for (let i = 0; i < n; i++) b[i] = (span + bn * all[i]! - theta[i]!) / (1 + all[i]!);
        const refInputs = projs.map((proj, q) => referenceInput(snn, proj, weights[q]!, srcs[q]! - 1, shapes[srcs[q]!]!, shape, dAll));
        reference.push({ kind: "linear", id: pop.id, origin: "conv", inputs: refInputs, outShape: shape, bias: b, relu: true } satisfies LinearStage);
        windows.push({ tMin: neuron.tMin, tMax: neuron.tMax });
      } else {
        if (k !== pops.length - 2) throw bad(snn, `has a read-out layer '${pop.id}' before its last layer`);
        if (snn.readout.kind !== "potential") throw bad(snn, `reads its output as ${snn.readout.kind}, not as a potential`);
        const bias = pop.bias === undefined ? new Float64Array(n) : Float64Array.from(pop.bias.data);
        if (bias.length !== n) throw bad(snn, `has ${bias.length} biases for the ${n} outputs`);
        const relu = snn.info.outputRelu === 1;
        layer = { kind: "readout", id: pop.id, inputs, shape, n, synapticOps: ops, paddingOps: padOps, t0: win.tMin, tEnd: snn.readout.at, bias: toHwc(bias, shape), relu };
        latency = snn.readout.at;
        const ones = new Float64Array(n).fill(1);
        const refInputs = projs.map((proj, q) => referenceInput(snn, proj, weights[q]!, srcs[q]! - 1, shapes[srcs[q]!]!, shape, ones));
        reference.push({ kind: "linear", id: pop.id, origin: "dense", inputs: refInputs, outShape: shape, bias, relu: false });
        windows.push({ tMin: snn.readout.at, tMax: snn.readout.at });
      }
    } else {
      throw bad(snn, `has a '${neuron.kind}' population '${pop.id}'`);
    }
    layers.push(layer);
    index.set(pop.id, layers.length);
    shapes.push(shape);
  });
  const last = layers[layers.length - 1];
  if (last === undefined || last.kind !== "readout") throw bad(snn, "does not end with a read-out layer");
  return { name: snn.name, key: `${snn.name}:${randomUUID()}`, input, layers, reference, latency };
}

/**
 * One input of the reference ReLU layer: the projection's weights divided by each target
 * neuron's slope `d` (CHW), which is one value per output channel when the IR came from a
 * conversion (a weight set's sum is per channel); otherwise the IR is refused.
 */
function referenceInput(snn: SpikingNetwork, proj: Projection, wd: Float64Array, src: number, inShape: readonly [number, number, number], outShape: readonly [number, number, number], d: Float64Array): LinearInput {
  const geometry = geometryOf(proj);
  const hw = outShape[1] * outShape[2];
  const offset = offsetOf(proj);
  const ch = Math.floor(offset / hw);
  const inN = sizeOf(inShape);
  const k = geometry.kind === "identity" ? inN / hw : proj.weight!.shape[0]!;
  const own = geometry.kind === "dense" ? 1 : hw;
  // Slope of each output channel this input writes, constant over the channel.
  const slope = new Float64Array(k);
  for (let o = 0; o < k; o++) {
    const first = offset + o * own;
    slope[o] = d[first]!;
    for (let p = 1; p < own; p++) if (d[first + p] !== slope[o]) throw bad(snn, `projection '${proj.id}' reaches neurons of one channel of '${proj.to}' with different weight sums`);
  }
  if (geometry.kind === "identity") {
    const per = inN / k;
    const weight = new Float64Array(k);
    for (let o = 0; o < k; o++) {
      weight[o] = wd[o * per]! / slope[o]!;
      for (let j = 1; j < per; j++) if (wd[o * per + j] !== wd[o * per]) throw bad(snn, `projection '${proj.id}' weighs neurons of one channel differently`);
    }
    return { src, geometry, inShape, weight, weightShape: [k], offset: ch };
  }
  const per = wd.length / k;
  const weight = new Float64Array(wd.length);
  for (let o = 0; o < k; o++) for (let j = 0; j < per; j++) weight[o * per + j] = wd[o * per + j]! / slope[o]!;
  return { src, geometry, inShape: geometry.kind === "dense" ? [inN] : inShape, weight, weightShape: proj.weight!.shape, offset: geometry.kind === "dense" ? offset : ch };
}

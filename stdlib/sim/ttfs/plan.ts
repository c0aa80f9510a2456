// Compiles a TTFS spiking network (the IR) into what the event loop reads: per layer its time
// window, thresholds and effective weights laid out for scatter (inputs outer, targets inner,
// neuron state in HWC order so a conv's output channels are contiguous), the per-neuron sums
// the closed form needs, and the float64 ReLU chain the IR encodes (for decoding checks).
// Plain data only (typed arrays), so a plan can be sent to worker threads. No simulation here.

import { randomUUID } from "node:crypto";
import { SpikelabError } from "../../errors.ts";
import type { Population, Projection, SpikingNetwork } from "../../ir/spiking.ts";
import { sizeOf } from "../../tensor/tensor.ts";
import { chw, conv64, type LinearGeometry, type LinearStage, type PoolStage, type Stage } from "../../convert/ttfs/stages.ts";

/** How the inputs of a layer reach its neurons. Dense rows: [input (HWC)][output]; conv taps: [inC][kH][kW][outC/groups]. */
export type Conn =
  | { readonly kind: "dense"; readonly inN: number; readonly outN: number; readonly rows: Float64Array; readonly rowsPos: Float64Array }
  | {
      readonly kind: "conv";
      readonly inC: number; readonly inH: number; readonly inW: number;
      readonly outC: number; readonly outH: number; readonly outW: number;
      readonly kH: number; readonly kW: number;
      readonly sH: number; readonly sW: number; readonly pH: number; readonly pW: number;
      readonly icg: number; readonly ocg: number;
      readonly taps: Float64Array;
      /** max(taps, 0): the bound that rules out a crossing before all inputs have arrived. */
      readonly tapsPos: Float64Array;
      /** For input row y: pairs (ky, oy) from rowStart[y] to rowStart[y+1] in rowPairs; likewise columns. */
      readonly rowStart: Int32Array; readonly rowPairs: Int32Array;
      readonly colStart: Int32Array; readonly colPairs: Int32Array;
    };

interface LayerBase {
  readonly id: string;
  /** Index of the layer it reads (0 = the input layer). */
  readonly src: number;
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

/** A layer of TTFS neurons: integrates from t0 (its source's t_min), inputs end at tEnd (its own t_min), forced to fire by tMax. */
export interface TtfsLayer extends LayerBase {
  readonly kind: "ttfs";
  readonly t0: number;
  readonly tEnd: number;
  readonly tMax: number;
  readonly conn: Conn;
  /** Per neuron, HWC: ϑ_i, 1 + Σ_j J_ij over all taps (padded included), Σ over padded taps only. */
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

export interface RelayLayer extends LayerBase {
  readonly kind: "relay";
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
  readonly t0: number;
  readonly tEnd: number;
  readonly conn: Conn;
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
  /** The ReLU network the IR encodes (W = J/(1 + ΣJ), b from ϑ), CHW, for decoded-activation checks. */
  readonly reference: readonly Stage[];
  readonly latency: number;
}

const bad = (snn: SpikingNetwork, message: string): SpikelabError =>
  new SpikelabError("unsupported", `simulate (ttfs): spiking network '${snn.name}' ${message}`, { hint: "convert the network with a ttfs rule set (e.g. stanojevic2022)" });

/** HWC index of each CHW index. */
export function chwToHwc(shape: readonly [number, number, number]): Int32Array {
  const [c, h, w] = shape;
  const out = new Int32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(ch * h + y) * w + x] = (y * w + x) * c + ch;
  return out;
}

function pairs(inSize: number, k: number, stride: number, pad: number, outSize: number): { start: Int32Array; list: Int32Array } {
  const start = new Int32Array(inSize + 1);
  const list: number[] = [];
  for (let y = 0; y < inSize; y++) {
    start[y] = list.length / 2;
    for (let ky = 0; ky < k; ky++) {
      const num = y + pad - ky;
      if (num < 0 || num % stride !== 0) continue;
      const oy = num / stride;
      if (oy < outSize) list.push(ky, oy);
    }
  }
  start[inSize] = list.length / 2;
  return { start, list: Int32Array.from(list) };
}

function outSize(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

/** Scatter layout of a dense or conv projection with weights `w` (IR layout) from `inShape` to `outShape`. */
function connection(proj: Projection, w: Float64Array, inShape: readonly [number, number, number], outShape: readonly [number, number, number]): Conn {
  const g = proj.geometry;
  const inN = sizeOf(inShape);
  const outN = sizeOf(outShape);
  if (g.kind === "dense") {
    if (w.length !== inN * outN) throw new Error(`plan: ${proj.id} weight holds ${w.length}, expected ${inN}x${outN}`);
    const hwc = chwToHwc(inShape);
    const rows = new Float64Array(inN * outN);
    for (let o = 0; o < outN; o++) for (let j = 0; j < inN; j++) rows[hwc[j]! * outN + o] = w[o * inN + j]!;
    return { kind: "dense", inN, outN, rows, rowsPos: rows.map((v) => (v > 0 ? v : 0)) };
  }
  if (g.kind !== "conv") throw new Error(`plan: ${proj.id} is not dense/conv`);
  const [inC, inH, inW] = inShape;
  const [kH, kW] = g.kernel;
  const outC = outShape[0];
  const outH = outSize(inH, kH, g.stride[0], g.padding[0]);
  const outW = outSize(inW, kW, g.stride[1], g.padding[1]);
  if (outC * outH * outW !== outN) throw new Error(`plan: ${proj.id} geometry gives ${outC}x${outH}x${outW}, population has ${outN}`);
  const icg = inC / g.groups;
  const ocg = outC / g.groups;
  const taps = new Float64Array(inC * kH * kW * ocg);
  for (let oc = 0; oc < outC; oc++) {
    const grp = Math.floor(oc / ocg);
    for (let ic = 0; ic < icg; ic++) {
      const c = grp * icg + ic;
      for (let ky = 0; ky < kH; ky++) for (let kx = 0; kx < kW; kx++) taps[((c * kH + ky) * kW + kx) * ocg + (oc - grp * ocg)] = w[((oc * icg + ic) * kH + ky) * kW + kx]!;
    }
  }
  const r = pairs(inH, kH, g.stride[0], g.padding[0], outH);
  const cl = pairs(inW, kW, g.stride[1], g.padding[1], outW);
  return {
    kind: "conv", inC, inH, inW, outC, outH, outW, kH, kW, sH: g.stride[0], sW: g.stride[1], pH: g.padding[0], pW: g.padding[1], icg, ocg,
    taps, tapsPos: taps.map((v) => (v > 0 ? v : 0)), rowStart: r.start, rowPairs: r.list, colStart: cl.start, colPairs: cl.list,
  };
}

/** Σ fan-out over real connections of a dense/conv layer (each source neuron spikes once per sample). */
function fanOut(conn: Conn): number {
  if (conn.kind === "dense") return conn.inN * conn.outN;
  let rows = 0;
  for (let y = 0; y < conn.inH; y++) rows += conn.rowStart[y + 1]! - conn.rowStart[y]!;
  let cols = 0;
  for (let x = 0; x < conn.inW; x++) cols += conn.colStart[x + 1]! - conn.colStart[x]!;
  return conn.inC * rows * cols * conn.ocg;
}

/** Per output neuron (CHW), the sum of `w` over the real (non-padded) taps: a conv of an all-ones input. */
function realTapSums(inShape: readonly [number, number, number], w: Float64Array, weightShape: readonly number[], g: Extract<LinearGeometry, { kind: "conv" }>, n: number): Float64Array {
  const out = new Float64Array(n);
  conv64(new Float64Array(sizeOf(inShape)).fill(1), inShape, w, weightShape, g, out);
  return out;
}

function toHwc(v: Float64Array, shape: readonly [number, number, number]): Float64Array {
  const map = chwToHwc(shape);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[map[i]!] = v[i]!;
  return out;
}

function geometryOf(p: Projection): LinearGeometry {
  const g = p.geometry;
  if (g.kind === "dense") return { kind: "dense" };
  if (g.kind === "conv") return { kind: "conv", kernel: g.kernel, stride: g.stride, padding: g.padding, groups: g.groups };
  throw new Error(`plan: ${p.id} has no linear geometry`);
}

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
  let latency = 0;

  pops.slice(1).forEach((pop: Population, k) => {
    const proj = snn.projections.find((p) => p.to === pop.id);
    if (proj === undefined) throw bad(snn, `has no projection into '${pop.id}'`);
    const src = index.get(proj.from);
    if (src === undefined) throw bad(snn, `projects into '${pop.id}' from '${proj.from}', which is not an earlier layer`);
    const inShape = shapes[src]!;
    const shape = chw(pop.shape);
    const n = sizeOf(shape);
    const win = windows[src]!;
    const neuron = pop.neuron;
    const g = proj.geometry;
    let layer: SimLayer;
    if (neuron.kind === "relay") {
      if (g.kind !== "maxpool") throw bad(snn, `relays '${pop.id}' through a ${g.kind} projection`);
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
      const pool: PoolStage = { kind: "maxpool", id: pop.id, kernel: g.kernel, stride: g.stride, padding: g.padding, inShape, outShape: shape, latest };
      reference.push(pool);
      windows.push({ tMin: win.tMin, tMax: win.tMax });
    } else {
      const w = proj.weight;
      if (w === undefined) throw bad(snn, `has no weights on '${proj.id}'`);
      const wd = w.data instanceof Float64Array ? w.data : Float64Array.from(w.data);
      const geometry = geometryOf(proj);
      const conn = connection(proj, wd, inShape, shape);
      const ops = fanOut(conn);
      const sets = geometry.kind === "dense" ? n : w.shape[0]!;
      const per = wd.length / sets;
      const perN = n / sets;
      const sumSet = new Float64Array(sets);
      for (let o = 0; o < sets; o++) {
        let s = 0;
        for (let j = 0; j < per; j++) s += wd[o * per + j]!;
        sumSet[o] = s;
      }
      const real = geometry.kind === "conv" ? realTapSums(inShape, wd, w.shape, geometry, n) : undefined;
      // Padding events: per output neuron, the padded taps of its window times the channels it reads.
      let padOps = 0;
      if (geometry.kind === "conv" && conn.kind === "conv") {
        const full = conn.kH * conn.kW;
        for (let oy = 0; oy < conn.outH; oy++) for (let ox = 0; ox < conn.outW; ox++) {
          let inside = 0;
          for (let ky = 0; ky < conn.kH; ky++) for (let kx = 0; kx < conn.kW; kx++) {
            const iy = oy * geometry.stride[0] - geometry.padding[0] + ky, ix = ox * geometry.stride[1] - geometry.padding[1] + kx;
            if (iy >= 0 && iy < conn.inH && ix >= 0 && ix < conn.inW) inside++;
          }
          padOps += (full - inside) * conn.icg * conn.outC;
        }
      }
      if (neuron.kind === "ttfs") {
        const theta = neuron.threshold.data instanceof Float64Array ? neuron.threshold.data : Float64Array.from(neuron.threshold.data);
        if (theta.length !== n) throw bad(snn, `has ${theta.length} thresholds for the ${n} neurons of '${pop.id}'`);
        if (Math.abs(neuron.tMin - win.tMax) > 1e-12 * Math.max(1, neuron.tMin)) throw bad(snn, `starts '${pop.id}' at t = ${neuron.tMin}, not where '${proj.from}' ends (${win.tMax})`);
        const dAll = new Float64Array(n);
        const jPad = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const set = Math.floor(i / perN);
          dAll[i] = 1 + sumSet[set]!;
          jPad[i] = real === undefined ? 0 : sumSet[set]! - real[i]!;
        }
        const negSet = new Float64Array(sets);
        for (let o = 0; o < sets; o++) {
          let s = 0;
          for (let j = 0; j < per; j++) if (wd[o * per + j]! < 0) s -= wd[o * per + j]!;
          negSet[o] = s;
        }
        const uEnd = neuron.tMin - win.tMin;
        let safe = true;
        for (let i = 0; i < n && safe; i++) safe = uEnd * negSet[Math.floor(i / perN)]! < theta[i]!;
        layer = { kind: "ttfs", id: pop.id, src, shape, n, synapticOps: ops, paddingOps: padOps, t0: win.tMin, tEnd: neuron.tMin, tMax: neuron.tMax, conn, theta: toHwc(theta, shape), dAll: toHwc(dAll, shape), jPad: toHwc(jPad, shape), safe };
        // The ReLU layer this encodes: W = J/(1 + ΣJ) = J·(1 − S), b = (span + B·ΣJ − ϑ)/(1 + ΣJ).
        const span = neuron.tMax - win.tMin;
        const bn = neuron.tMax - neuron.tMin;
        const W = new Float64Array(wd.length);
        for (let o = 0; o < sets; o++) for (let j = 0; j < per; j++) W[o * per + j] = wd[o * per + j]! / (1 + sumSet[o]!);
        const b = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const sj = sumSet[Math.floor(i / perN)]!;
          b[i] = (span + bn * sj - theta[i]!) / (1 + sj);
        }
        reference.push({ kind: "linear", id: pop.id, origin: geometry.kind, geometry, inShape, outShape: shape, weight: W, weightShape: w.shape, bias: b, relu: true } satisfies LinearStage);
        windows.push({ tMin: neuron.tMin, tMax: neuron.tMax });
      } else if (neuron.kind === "integrator") {
        if (k !== pops.length - 2) throw bad(snn, `has a read-out layer '${pop.id}' before its last layer`);
        if (snn.readout.kind !== "potential") throw bad(snn, `reads its output as ${snn.readout.kind}, not as a potential`);
        const bias = pop.bias === undefined ? new Float64Array(n) : Float64Array.from(pop.bias.data);
        if (bias.length !== n) throw bad(snn, `has ${bias.length} biases for the ${n} outputs`);
        const relu = snn.info.outputRelu === 1;
        layer = { kind: "readout", id: pop.id, src, shape, n, synapticOps: ops, paddingOps: padOps, t0: win.tMin, tEnd: snn.readout.at, conn, bias: toHwc(bias, shape), relu };
        latency = snn.readout.at;
        reference.push({ kind: "linear", id: pop.id, origin: geometry.kind, geometry, inShape, outShape: shape, weight: wd, weightShape: w.shape, bias, relu: false });
        windows.push({ tMin: snn.readout.at, tMax: snn.readout.at });
      } else {
        throw bad(snn, `has a '${neuron.kind}' population '${pop.id}'`);
      }
    }
    layers.push(layer);
    index.set(pop.id, layers.length);
    shapes.push(shape);
  });
  const last = layers[layers.length - 1];
  if (last === undefined || last.kind !== "readout") throw bad(snn, "does not end with a read-out layer");
  return { name: snn.name, key: `${snn.name}:${randomUUID()}`, input, layers, reference, latency };
}

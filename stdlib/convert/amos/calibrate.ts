// What AMOS conversion learns from data: per ReLU gate, the percentile of its positive outputs
// that sets α; per fitted gate, the range of its inputs that the fit covers. One streaming pass
// (two for a percentile below 100) over the calibration slice through the ANN's recorder.
// It must not fit or build circuits.

import { createHash } from "node:crypto";
import { recordActivations } from "../../ann/record.ts";
import type { RunContext } from "../../context.ts";
import { slice, type Dataset } from "../../data/dataset.ts";
import { fashionMnist, mnist } from "../../data/mnist.ts";
import { SpikelabError } from "../../errors.ts";
import type { Network, Node } from "../../ir/network.ts";
import { dataParamHint, type DataRef } from "../../ir/rules.ts";
import { PositivePercentile } from "../passes/percentile.ts";

/** Training samples used when `calib_data` is not set (as the rate family's normalisation). */
export const DEFAULT_CALIB_SAMPLES = 10_000;

export function dataLabel(d: Dataset): string {
  return `${d.name}.${d.split}[${d.offset}:${d.offset + d.count}]`;
}

/** The calibration slice: through the language's resolver, else stdlib/data's loaders by name. */
export function resolveCalibData(ref: DataRef | null, net: Network, ctx: RunContext): Dataset {
  const got = ctx.resolveData?.(ref, net);
  if (got !== undefined) return ref === null ? slice(got, 0, DEFAULT_CALIB_SAMPLES) : got;
  if (ref === null) {
    throw new SpikelabError("param", `AMOS conversion of '${net.name}' needs data to set α and the fit ranges, and the network's own training data is not known here`, {
      hint: `${dataParamHint("calib_data")}, or give \`alpha\` and \`fit_range\``,
    });
  }
  const loaders: Record<string, (split: "train" | "test") => Dataset> = { mnist, fashion_mnist: fashionMnist };
  const load = loaders[ref.dataset];
  if (load === undefined) throw new SpikelabError("name", `unknown dataset '${ref.dataset}' in calib_data`, { hint: `known here: ${Object.keys(loaders).join(", ")}` });
  return slice(load(ref.split), ref.start, ref.end);
}

export interface Calibration {
  /** ReLU gate id → the alpha_percentile of its positive outputs (NaN if it never fired). */
  readonly level: ReadonlyMap<string, number>;
  /** Fitted gate id → [min, max] of its inputs. */
  readonly range: ReadonlyMap<string, readonly [number, number]>;
  readonly data: string;
}

/** What a calibration depends on: the network's structure and every parameter, the data, the percentile, the gates. */
function calibrationKey(net: Network, data: Dataset, reluGates: readonly Node[], fittedGates: readonly Node[], percentile: number): string {
  const h = createHash("sha256");
  for (const n of net.nodes) {
    h.update(`${n.id}|${JSON.stringify(n.op)}|${n.inputs.join(",")}|`);
    for (const [k, t] of Object.entries(n.params)) h.update(k).update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  // The data by name and slice, and by content (labels and a strided sample of pixels: two seeds of a synthetic set differ).
  h.update(data.labels);
  const stride = Math.max(1, Math.floor(data.images.length / 100_000));
  const sample = new Float32Array(Math.ceil(data.images.length / stride));
  for (let i = 0, j = 0; i < data.images.length; i += stride) sample[j++] = data.images[i]!;
  h.update(new Uint8Array(sample.buffer));
  return `${h.digest("hex")}|${data.name}|${data.split}|${data.offset}|${data.count}|${percentile}|${reluGates.map((g) => g.id)}|${fittedGates.map((g) => g.id)}`;
}

// A K sweep converts the same network on the same data again and again; α's percentile and the
// fit ranges do not depend on K, so they are measured once per process.
const memo = new Map<string, Calibration>();

/**
 * Records `reluGates`' outputs (for α) and `fittedGates`' inputs (for the fit range) over `data`.
 * The ReLU's output is read, not its input: its positive values are the same and the ANN's
 * executor keeps fewer buffers.
 */
export function calibrate(net: Network, data: Dataset, reluGates: readonly Node[], fittedGates: readonly Node[], percentile: number, ctx: RunContext): Calibration {
  const key = calibrationKey(net, data, reluGates, fittedGates, percentile);
  const known = memo.get(key);
  if (known !== undefined) return known;
  const pct = new PositivePercentile(Math.max(1, reluGates.length), percentile);
  const reluIndex = new Map(reluGates.map((g, i) => [g.id, i]));
  const lo = new Map(fittedGates.map((g) => [g.inputs[0]!, Infinity]));
  const hi = new Map(fittedGates.map((g) => [g.inputs[0]!, -Infinity]));
  const ids = [...new Set([...reluGates.map((g) => g.id), ...fittedGates.map((g) => g.inputs[0]!)])];
  const progress = ctx.progress ? (p: Parameters<NonNullable<RunContext["progress"]>>[0]) => ctx.progress!({ ...p, label: `calibrate ${net.name} on ${dataLabel(data)}` }) : undefined;
  const pass = (first: boolean): void => {
    recordActivations(net, data, ids, (b) => {
      for (const [id, v] of b.values) {
        const r = reluIndex.get(id);
        if (r !== undefined) pct.add(r, v);
        if (first && lo.has(id)) {
          let a = lo.get(id)!, z = hi.get(id)!;
          for (let i = 0; i < v.length; i++) {
            const x = v[i]!;
            if (x < a) a = x;
            if (x > z) z = x;
          }
          lo.set(id, a);
          hi.set(id, z);
        }
      }
    }, { ...ctx, ...(progress ? { progress } : {}) });
  };
  if (ids.length > 0) {
    pass(true);
    if (reluGates.length > 0 && pct.needsSecondPass) {
      pct.nextPass();
      pass(false);
    }
  }
  const levels = reluGates.length > 0 ? pct.result() : new Float64Array(0);
  const cal: Calibration = {
    level: new Map(reluGates.map((g, i) => [g.id, levels[i]!])),
    range: new Map(fittedGates.map((g) => [g.id, [lo.get(g.inputs[0]!)!, hi.get(g.inputs[0]!)!] as const])),
    data: dataLabel(data),
  };
  memo.set(key, cal);
  return cal;
}

/**
 * A fit range from a recorded [min, max]: widened by 5 % of the span on each side (test inputs
 * stray a little beyond the calibration data's) and rounded outward to two significant digits of
 * the span, so the same layer gives the same range, hence the same cached fit, run after run.
 */
export function fitRangeOf(min: number, max: number): [number, number] {
  if (!(max > min)) {
    const c = Number.isFinite(min) ? min : 0;
    return [c - 1, c + 1];
  }
  const span = max - min;
  const step = 10 ** (Math.floor(Math.log10(span * 1.1)) - 1);
  const round = (v: number): number => Number(v.toPrecision(12));
  return [round(Math.floor((min - 0.05 * span) / step) * step), round(Math.ceil((max + 0.05 * span) / step) * step)];
}

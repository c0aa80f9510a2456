// The PyTorch-made ONNX models in test/fixtures/onnx (made by make_models.py, which recorded
// PyTorch's own MNIST accuracy in models.json) and the three families' conversions of them, shared
// by `npm test` (test/io/onnx-pytorch.test.ts, a slice) and `npm run verify interop` (all 10,000).
import { readFileSync } from "node:fs";
import { convertAmos } from "../../stdlib/convert/amos/convert.ts";
import { amosSchema } from "../../stdlib/convert/amos/schema.ts";
import { convertRate } from "../../stdlib/convert/rate/convert.ts";
import { rateSchema } from "../../stdlib/convert/rate/schema.ts";
import { convertTtfsFamily } from "../../stdlib/convert/ttfs/convert.ts";
import { ttfsSchema } from "../../stdlib/convert/ttfs/schema.ts";
import type { RunContext } from "../../stdlib/context.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { ruleSet, type DataRef, type ParamValue } from "../../stdlib/ir/rules.ts";
import type { SpikingNetwork } from "../../stdlib/ir/spiking.ts";
import { loadOnnx } from "../../stdlib/io/onnx.ts";

export const FIXTURES = new URL("../fixtures/onnx/", import.meta.url).pathname;

export interface ModelRecord {
  readonly file: string;
  readonly opset: number;
  readonly ops: readonly string[];
  readonly params: number;
  readonly test_correct: number;
  readonly test_accuracy: number;
  readonly slice_correct: number;
  readonly slice_accuracy: number;
  readonly bytes: number;
}

export interface Record_ {
  readonly torch: string;
  readonly slice: readonly [number, number];
  readonly models: Readonly<Record<"bn_maxpool" | "residual", ModelRecord>>;
}

export function record(): Record_ {
  return JSON.parse(readFileSync(`${FIXTURES}models.json`, "utf8")) as Record_;
}

export function pytorchModel(name: "bn_maxpool" | "residual"): Network {
  return loadOnnx(`${FIXTURES}${record().models[name].file}`, { name });
}

const train = (end: number): DataRef => ({ kind: "data", dataset: "mnist", split: "train", start: 0, end });

/** Rate conversion as rueckauer2017 (99.9th percentile, layer-wise), normalised on the first `norm` training images. */
export function toRate(net: Network, norm: number, overrides: Record<string, ParamValue> = {}, ctx: RunContext = {}): Promise<SpikingNetwork> {
  return convertRate(net, ruleSet(rateSchema, "rate", { norm_data: train(norm), ...overrides }), ctx);
}

/** Exact TTFS as stanojevic2022, windows from the first `windows` training images. */
export function toTtfs(net: Network, windows: number, ctx: RunContext = {}): Promise<SpikingNetwork> {
  return convertTtfsFamily(net, ruleSet(ttfsSchema, "ttfs", { window_data: train(windows) }), ctx);
}

/** AMOS as stockl2019_amos (ReLU gates with K = 10), α from the first `calib` training images. */
export function toAmos(net: Network, calib: number, ctx: RunContext = {}): Promise<SpikingNetwork> {
  return convertAmos(net, ruleSet(amosSchema, "amos", { K: 10, calib_data: train(calib) }), ctx);
}

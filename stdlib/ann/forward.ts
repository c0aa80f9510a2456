// The ANN's inference entry points over tensors: outputs (float32 fast path or float64 for
// exact checks), every node's activations for small inputs, and predictions. Batching is
// internal. Datasets, statistics and worker pools are in evaluate.ts and record.ts.

import { SpikelabError } from "../errors.ts";
import { inputNode, type Network } from "../ir/network.ts";
import { sizeOf, type Tensor, type Tensor64 } from "../tensor/tensor.ts";
import { type Dataset, sampleSize } from "../data/dataset.ts";
import { Executor } from "./executor.ts";
import { F32, F64, type Kernels } from "./kernels.ts";

export const DEFAULT_BATCH = 128;

/** Number of samples in `x`: [N, ...inputShape], or the input shape alone for one sample. */
export function sampleCount(net: Network, shape: readonly number[]): number {
  const want = inputNode(net).shape;
  const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);
  if (same(shape, want)) return 1;
  if (shape.length === want.length + 1 && same(shape.slice(1), want)) return shape[0]!;
  throw new SpikelabError("shape", `network '${net.name}' takes ${want.join("x")} inputs, got a tensor of shape ${shape.join("x")}`, { hint: "give one sample or a batch [N, ...input shape]" });
}

/**
 * Throws unless `data`'s samples fit the network's input: the same C x H x W, or a vector input
 * of the same size (an MLP reads images flattened, as stored).
 */
export function checkDataset(net: Network, data: Dataset): void {
  const want = inputNode(net).shape;
  const fits = want.length === 1 ? want[0] === sampleSize(data) : want.length === 3 && want.every((d, i) => d === data.shape[i]);
  if (!fits) {
    throw new SpikelabError("shape", `network '${net.name}' takes ${want.join("x")} inputs, but ${data.name} has ${data.shape.join("x")} samples`, {
      hint: want.length === 1 ? "the input size must equal channels x height x width" : "declare the network's input with the dataset's shape",
    });
  }
}

function runAll<A extends Float32Array | Float64Array>(net: Network, k: Kernels<A>, x: A, n: number, batch: number, keep: readonly string[]): Map<string, A> {
  const ids = new Set(keep);
  for (const id of ids) if (!net.nodes.some((m) => m.id === id)) throw new SpikelabError("name", `network '${net.name}' has no layer '${id}'`);
  const ex = new Executor(net, k, Math.max(1, Math.min(batch, n)), { keep: ids });
  const inSize = sizeOf(inputNode(net).shape);
  const out = new Map<string, A>();
  const wanted = ex.steps.map((s, i) => (ids.has(s.node.id) ? i : -1)).filter((i) => i >= 0);
  for (const i of wanted) {
    const len = n * ex.steps[i]!.size;
    out.set(ex.steps[i]!.node.id, (k.precision === "float64" ? new Float64Array(len) : new Float32Array(len)) as A);
  }
  try {
    for (let s = 0; s < n; s += ex.maxBatch) {
      const b = Math.min(ex.maxBatch, n - s);
      ex.run(x.subarray(s * inSize, (s + b) * inSize) as A, b);
      for (const i of wanted) out.get(ex.steps[i]!.node.id)!.set(ex.output(i), s * ex.steps[i]!.size);
    }
  } finally {
    ex.release();
  }
  return out;
}

function shaped<A extends Float32Array | Float64Array>(net: Network, id: string, n: number, single: boolean, data: A): Tensor<A> {
  const node = net.nodes.find((m) => m.id === id)!;
  return { shape: single ? [...node.shape] : [n, ...node.shape], data };
}

function isSingle(net: Network, x: Tensor<Float32Array | Float64Array>): boolean {
  return x.shape.length === inputNode(net).shape.length;
}

/** The output of `net` for x ([N, ...input] or one sample), float32 through the WASM kernels. */
export function forward(net: Network, x: Tensor, options: { batch?: number } = {}): Tensor {
  const n = sampleCount(net, x.shape);
  const out = net.nodes[net.nodes.length - 1]!.id;
  return shaped(net, out, n, isSingle(net, x), runAll(net, F32, x.data, n, options.batch ?? DEFAULT_BATCH, [out]).get(out)!);
}

/** The same in float64 (reference kernels; parameters widened from float32 exactly). Slow: for checks. */
export function forward64(net: Network, x: Tensor<Float32Array | Float64Array>, options: { batch?: number } = {}): Tensor64 {
  const n = sampleCount(net, x.shape);
  const out = net.nodes[net.nodes.length - 1]!.id;
  const x64 = x.data instanceof Float64Array ? x.data : Float64Array.from(x.data);
  return shaped(net, out, n, isSingle(net, x), runAll(net, F64, x64, n, options.batch ?? DEFAULT_BATCH, [out]).get(out)!);
}

/** Outputs of the named nodes (default: all) for x, float32. Holds them all: meant for small inputs. */
export function activations(net: Network, x: Tensor, nodes: readonly string[] = net.nodes.map((m) => m.id), options: { batch?: number } = {}): Map<string, Tensor> {
  const n = sampleCount(net, x.shape);
  const single = isSingle(net, x);
  const raw = runAll(net, F32, x.data, n, options.batch ?? DEFAULT_BATCH, nodes);
  return new Map([...raw].map(([id, d]) => [id, shaped(net, id, n, single, d)]));
}

/** Outputs of the named nodes (default: all) in float64. */
export function activations64(net: Network, x: Tensor<Float32Array | Float64Array>, nodes: readonly string[] = net.nodes.map((m) => m.id), options: { batch?: number } = {}): Map<string, Tensor64> {
  const n = sampleCount(net, x.shape);
  const single = isSingle(net, x);
  const x64 = x.data instanceof Float64Array ? x.data : Float64Array.from(x.data);
  const raw = runAll(net, F64, x64, n, options.batch ?? DEFAULT_BATCH, nodes);
  return new Map([...raw].map(([id, d]) => [id, shaped(net, id, n, single, d)]));
}

/** Index of the largest value in each row (the first one on a tie). */
export function argmaxRows(values: ArrayLike<number>, rows: number, cols: number, out: Int32Array = new Int32Array(rows), at = 0): Int32Array {
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bv = values[r * cols]!;
    for (let c = 1; c < cols; c++) {
      const v = values[r * cols + c]!;
      if (v > bv) {
        bv = v;
        best = c;
      }
    }
    out[at + r] = best;
  }
  return out;
}

// The oracle for ONNX import tests: runs an ONNX file through onnxruntime's WASM build (the npm
// package onnxruntime-web, offline under Node) and compares its outputs with spikelab's forward
// pass on the imported network. Test helper only.
import * as ort from "onnxruntime-web";
import * as assert from "uvu/assert";
import { forward } from "../../stdlib/ann/forward.ts";
import type { Network } from "../../stdlib/ir/network.ts";

// One thread: the machine's two cores are shared, and the oracle's speed does not matter.
ort.env.wasm.numThreads = 1;

/** Runs `bytes` on `x` (shape [N, ...sample]) and returns its single output, flattened. */
export async function runOrt(bytes: Uint8Array, x: Float32Array, shape: readonly number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = { [session.inputNames[0]!]: new ort.Tensor("float32", x, [...shape]) };
    const out = await session.run(feeds);
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Seeded uniform [0, 1) values (mulberry32), so failures reproduce. */
export function seededInputs(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}

/** Largest |ours − onnxruntime| over `count` samples; asserts it is within `tol`. */
export async function agreeWithOrt(net: Network, bytes: Uint8Array, x: Float32Array, count: number, tol = 1e-4): Promise<number> {
  const sample = net.nodes[0]!.shape;
  const ref = await runOrt(bytes, x, [count, ...sample]);
  const ours = forward(net, { shape: [count, ...sample], data: x }).data;
  assert.is(ours.length, ref.length, "output sizes");
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - ref[i]!));
  assert.ok(worst <= tol, `max |spikelab − onnxruntime| = ${worst} > ${tol}`);
  return worst;
}

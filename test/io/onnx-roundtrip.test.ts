// IR → ONNX → IR: the writer's files import to the same network (weights bit for bit) at
// opsets 9–21, and onnxruntime (an independent engine) computes what spikelab's forward pass
// computes on the imported network, within 1e-4, on 100 inputs.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initialize } from "../../stdlib/ann/init.ts";
import { avgpool, batchnorm, built, conv, dense, dropout, maxpool, sequential } from "../../stdlib/ann/sequential.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { encodeOnnx, importOnnx, loadOnnx, saveOnnx } from "../../stdlib/io/onnx.ts";
import { agreeWithOrt, seededInputs } from "./ort.ts";

const dir = mkdtempSync(join(tmpdir(), "spikelab-onnx-"));

/** Every IR op kind, with branches (concat, add), padding, groups and a trailing softmax. */
function everyOp(): Network {
  const net = initialize(built("every_op", [
    { id: "image", op: { kind: "input", shape: [3, 12, 12] }, inputs: [] },
    { id: "c1", op: conv(8, 3, { pad: 1 }), inputs: ["image"] },
    { id: "bn1", op: batchnorm({ eps: 1e-3, momentum: 0.05 }), inputs: ["c1"] },
    { id: "r1", op: { kind: "relu" }, inputs: ["bn1"] },
    { id: "c2", op: conv(8, 3, { pad: 1, groups: 2, bias: false }), inputs: ["r1"] },
    { id: "r2", op: { kind: "relu" }, inputs: ["c2"] },
    { id: "sum", op: { kind: "add" }, inputs: ["r1", "r2"] },
    { id: "c3", op: conv(4, 1), inputs: ["r1"] },
    { id: "cat", op: { kind: "concat" }, inputs: ["sum", "c3"] },
    { id: "mp", op: maxpool(3, { stride: 2, pad: 1 }), inputs: ["cat"] },
    { id: "ap", op: avgpool(2, { stride: 1, pad: 1 }), inputs: ["mp"] },
    { id: "s", op: { kind: "silu" }, inputs: ["ap"] },
    { id: "g", op: { kind: "globalavgpool" }, inputs: ["s"] },
    { id: "d", op: dropout(0.25), inputs: ["g"] },
    { id: "fc", op: dense(16), inputs: ["d"] },
    { id: "bn2", op: batchnorm(), inputs: ["fc"] },
    { id: "sig", op: { kind: "sigmoid" }, inputs: ["bn2"] },
    { id: "out", op: dense(5), inputs: ["sig"] },
    { id: "prob", op: { kind: "softmax" }, inputs: ["out"] },
  ]), { seed: 7 });
  // Batch-norm statistics away from the identity, so a wrong import would show.
  const nodes = net.nodes.map((n) => {
    if (n.op.kind !== "batchnorm") return n;
    const c = n.params.gamma!.data.length;
    const v = (f: (i: number) => number) => ({ shape: [c], data: Float32Array.from({ length: c }, (_, i) => f(i)) });
    return { ...n, params: { gamma: v((i) => 0.5 + 0.1 * i), beta: v((i) => 0.2 - 0.05 * i), mean: v((i) => 0.03 * i - 0.1), var: v((i) => 0.5 + 0.2 * i) } };
  });
  return { name: net.name, nodes };
}

function sameNetwork(a: Network, b: Network): void {
  assert.equal(b.nodes.map((n) => n.id), a.nodes.map((n) => n.id));
  a.nodes.forEach((n, i) => {
    const m = b.nodes[i]!;
    assert.equal(m.op, n.op, `${n.id} op`);
    assert.equal(m.inputs, n.inputs, `${n.id} inputs`);
    assert.equal(m.shape, n.shape, `${n.id} shape`);
    assert.equal(Object.keys(m.params).sort(), Object.keys(n.params).sort(), `${n.id} params`);
    for (const [k, t] of Object.entries(n.params)) {
      assert.equal(m.params[k]!.shape, t.shape);
      assert.equal(Array.from(new Uint32Array(m.params[k]!.data.buffer, m.params[k]!.data.byteOffset, t.data.length)), Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)), `${n.id}.${k} bits`);
    }
  });
}

for (const opset of [9, 11, 13, 17, 21]) {
  test(`opset ${opset}: every IR op round-trips through ONNX, and onnxruntime agrees within 1e-4 on 100 inputs`, async () => {
    const net = everyOp();
    const bytes = encodeOnnx(net, { opset });
    const back = importOnnx(bytes, { file: `every_op_${opset}.onnx`, name: "every_op" });
    sameNetwork(net, back);
    const worst = await agreeWithOrt(back, bytes, seededInputs(100 * 3 * 12 * 12, opset), 100);
    assert.ok(worst < 1e-5, `worst ${worst}`);
  });
}

test("a vector-input MLP saved with saveOnnx loads back and agrees with onnxruntime", async () => {
  const net = initialize(sequential("mlp", [20], [dense(32), "relu", dense(32), "sigmoid", dense(4)]), { seed: 3 });
  const path = join(dir, "mlp.onnx");
  saveOnnx(path, net);
  const back = loadOnnx(path);
  assert.is(back.name, "mlp");
  sameNetwork(net, back);
  await agreeWithOrt(back, encodeOnnx(net), seededInputs(100 * 20, 9), 100);
});

test("saving an untrained network as ONNX says to train it first", () => {
  const bare = sequential("bare", [4], [dense(2)]);
  try {
    encodeOnnx(bare);
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, "layer 'dense1' of 'bare' has no weight");
    assert.match(String((e as { hint?: string }).hint), "train or load");
  }
});

test.run();

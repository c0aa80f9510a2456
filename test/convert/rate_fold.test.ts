// Batch-norm folding and dropout removal: the folded layer computes the same affine map as
// layer + batch norm (checked by hand on a dense and a conv layer), and the graph is rewired.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildNetwork } from "../../stdlib/ir/shapes.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { foldBatchNorm, removeDropout } from "../../stdlib/convert/passes/fold.ts";
import { tensor } from "../../stdlib/tensor/tensor.ts";

function net(specs: Parameters<typeof buildNetwork>[1]): Network {
  const r = buildNetwork("t", specs);
  assert.equal(r.errors.map((e) => e.message), []);
  return r.network!;
}

test("dense + batchnorm folds to W' = κW, b' = κ(b − μ) + β", () => {
  const n = net([
    { id: "in", op: { kind: "input", shape: [3] }, inputs: [] },
    { id: "d", op: { kind: "dense", units: 2, bias: true }, inputs: ["in"], params: { weight: tensor([2, 3], [1, -2, 0.5, 0.25, 3, -1]), bias: tensor([2], [0.5, -1]) } },
    { id: "bn", op: { kind: "batchnorm", eps: 0, momentum: 0.9 }, inputs: ["d"], params: { gamma: tensor([2], [2, -1]), beta: tensor([2], [0.5, 1]), mean: tensor([2], [1, -2]), var: tensor([2], [4, 0.25]) } },
    { id: "r", op: { kind: "relu" }, inputs: ["bn"] },
  ]);
  const f = foldBatchNorm(n);
  assert.equal(f.nodes.map((x) => x.id), ["in", "d", "r"]);
  assert.equal(f.nodes[2]!.inputs, ["d"]);
  const d = f.nodes[1]!;
  // channel 0: κ = 2/√4 = 1; channel 1: κ = −1/√0.25 = −2
  assert.equal(Array.from(d.params.weight!.data), [1, -2, 0.5, -0.5, -6, 2]);
  // b'0 = 1·(0.5 − 1) + 0.5 = 0; b'1 = −2·(−1 + 2) + 1 = −1
  assert.equal(Array.from(d.params.bias!.data), [0, -1]);
});

test("conv without bias gains one; a batch norm after relu stays", () => {
  const w = tensor([2, 1, 1, 1], [3, 5]);
  const n = net([
    { id: "in", op: { kind: "input", shape: [1, 2, 2] }, inputs: [] },
    { id: "c", op: { kind: "conv", filters: 2, kernel: [1, 1], stride: [1, 1], padding: [0, 0], groups: 1, bias: false }, inputs: ["in"], params: { weight: w } },
    { id: "bn", op: { kind: "batchnorm", eps: 0, momentum: 0.9 }, inputs: ["c"], params: { gamma: tensor([2], [1, 1]), beta: tensor([2], [0, 2]), mean: tensor([2], [1, 0]), var: tensor([2], [1, 16]) } },
    { id: "r", op: { kind: "relu" }, inputs: ["bn"] },
    { id: "bn2", op: { kind: "batchnorm", eps: 0, momentum: 0.9 }, inputs: ["r"], params: { gamma: tensor([2], [1, 1]), beta: tensor([2], [0, 0]), mean: tensor([2], [0, 0]), var: tensor([2], [1, 1]) } },
  ]);
  const f = foldBatchNorm(n);
  assert.equal(f.nodes.map((x) => x.id), ["in", "c", "r", "bn2"]);
  const c = f.nodes[1]!;
  assert.ok(c.op.kind === "conv" && c.op.bias);
  assert.equal(Array.from(c.params.weight!.data), [3, 1.25]);
  assert.equal(Array.from(c.params.bias!.data), [-1, 2]);
});

test("a layer read twice is not folded (its other reader needs the unnormalised values)", () => {
  const n = net([
    { id: "in", op: { kind: "input", shape: [2] }, inputs: [] },
    { id: "d", op: { kind: "dense", units: 2, bias: false }, inputs: ["in"], params: { weight: tensor([2, 2], [1, 0, 0, 1]) } },
    { id: "bn", op: { kind: "batchnorm", eps: 0, momentum: 0.9 }, inputs: ["d"], params: { gamma: tensor([2], [2, 2]), beta: tensor([2], [0, 0]), mean: tensor([2], [0, 0]), var: tensor([2], [1, 1]) } },
    { id: "sum", op: { kind: "add" }, inputs: ["bn", "d"] },
  ]);
  assert.equal(foldBatchNorm(n).nodes.map((x) => x.id), ["in", "d", "bn", "sum"]);
});

test("dropout is removed and its readers rewired", () => {
  const n = net([
    { id: "in", op: { kind: "input", shape: [4] }, inputs: [] },
    { id: "d1", op: { kind: "dense", units: 3, bias: false }, inputs: ["in"] },
    { id: "drop", op: { kind: "dropout", rate: 0.5 }, inputs: ["d1"] },
    { id: "d2", op: { kind: "dense", units: 2, bias: false }, inputs: ["drop"] },
    { id: "drop2", op: { kind: "dropout", rate: 0.5 }, inputs: ["d2"] },
  ]);
  const f = removeDropout(n);
  assert.equal(f.nodes.map((x) => `${x.id}<${x.inputs.join(",")}`), ["in<", "d1<in", "d2<d1"]);
});

test.run();

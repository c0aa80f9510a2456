import { test } from "uvu";
import * as assert from "uvu/assert";
import { activations64 } from "../../stdlib/ann/forward.ts";
import { batchnorm, conv, dense, sequential } from "../../stdlib/ann/sequential.ts";
import { synthetic } from "../../stdlib/data/synthetic.ts";
import { SpikelabError } from "../../stdlib/errors.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { canonicalize } from "../../stdlib/convert/ttfs/canonical.ts";
import { scaleWeightSums, weightSums } from "../../stdlib/convert/ttfs/scale.ts";
import { forward64, type Stage } from "../../stdlib/convert/ttfs/stages.ts";
import { cnn, mlp, randomNet } from "./ttfs_nets.ts";

const data = synthetic({ count: 40, shape: [1, 12, 12], classes: 5, seed: 11 });

/** Largest |logit difference| between the canonical chain (input u) and the ANN fed p + (q − p)·u. */
function logitError(net: Network, stages: readonly Stage[], range: readonly [number, number] = [0, 1]): number {
  const n = 144;
  const [p, q] = range;
  // The logits: the last node, or its input when the network ends in a softmax.
  const last = net.nodes[net.nodes.length - 1]!;
  const id = last.op.kind === "softmax" ? last.inputs[0]! : last.id;
  const ann = activations64(net, { shape: [data.count, ...net.nodes[0]!.shape], data: Float64Array.from(data.images, (u) => p + (q - p) * u) }, [id]).get(id)!;
  const classes = ann.data.length / data.count;
  let err = 0;
  for (let i = 0; i < data.count; i++) {
    const outs = forward64(stages, Float64Array.from(data.images.subarray(i * n, (i + 1) * n)));
    const logits = outs[outs.length - 1]!;
    for (let c = 0; c < classes; c++) err = Math.max(err, Math.abs(logits[c]! - ann.data[i * classes + c]!));
  }
  return err;
}

test("folding batch norm before and after ReLU, pools and the input range keeps the logits (float64)", () => {
  for (const seed of [1, 2, 3]) {
    for (const net of [mlp(seed), cnn(seed)]) {
      for (const range of [[0, 1], [-1, 1]] as const) {
        const c = canonicalize(net, range);
        const err = logitError(net, c.stages, range);
        assert.ok(err < 1e-12, `${net.name} seed ${seed} range ${range}: logits differ by ${err}`);
      }
    }
  }
});

test("the CNN exercises min-pools: a negative batch-norm scale through a max pool flips it", () => {
  const c = canonicalize(cnn(2));
  const pools = c.stages.filter((s) => s.kind === "maxpool");
  assert.equal(pools.length, 2);
  const flipped = pools.reduce((k, p) => k + (p.kind === "maxpool" ? p.latest.reduce((a, b) => a + b, 0) : 0), 0);
  assert.ok(flipped > 0, "some channel has a negative scale in this seed");
  assert.equal(c.stages.map((s) => s.id), ["conv1", "avgpool1", "conv2", "maxpool1", "maxpool2", "conv3", "dense1", "dense2"]);
});

test("a batch norm after ReLU gives a padded conv position-dependent biases (corner, edge, interior)", () => {
  // input → BN (x' = 2x + 0.5) → conv 3x3 pad 1, all weights 1: the shift reaches 4, 6 or 9 real taps.
  const net0 = sequential("p", [1, 3, 3], [batchnorm({ eps: 0 }), conv(1, 3, { pad: 1 })]);
  const net: Network = {
    ...net0,
    nodes: net0.nodes.map((n) => {
      if (n.op.kind === "batchnorm") return { ...n, params: { gamma: { shape: [1], data: Float32Array.of(2) }, beta: { shape: [1], data: Float32Array.of(0.5) }, mean: { shape: [1], data: Float32Array.of(0) }, var: { shape: [1], data: Float32Array.of(1) } } };
      if (n.op.kind === "conv") return { ...n, params: { weight: { shape: [1, 1, 3, 3], data: new Float32Array(9).fill(1) }, bias: { shape: [1], data: Float32Array.of(0.25) } } };
      return n;
    }),
  };
  const c = canonicalize(net);
  const s = c.stages[0]!;
  assert.is(s.kind, "linear");
  if (s.kind !== "linear") return;
  assert.equal([...s.bias], [2.25, 3.25, 2.25, 3.25, 4.75, 3.25, 2.25, 3.25, 2.25]);
  assert.equal([...s.inputs[0]!.weight], new Array(9).fill(2));
  assert.is(c.outputRelu, false);
});

test("weight-sum scaling puts every hidden S_i in [-10, 0.99] and keeps the logits", () => {
  for (const net of [mlp(4), cnn(4)]) {
    const c = canonicalize(net);
    const { stages, rescaled } = scaleWeightSums(c.stages, -10, 0.99);
    assert.ok(rescaled.reduce((a, b) => a + b, 0) > 0, "the random nets have sums outside the bounds");
    for (const s of stages) {
      if (s.kind !== "linear" || !s.relu) continue;
      for (const S of weightSums(s)) assert.ok(S <= 0.99 + 1e-12 && S >= -10 - 1e-12, `${s.id}: S = ${S}`);
    }
    const err = logitError(net, stages);
    assert.ok(err < 1e-12, `${net.name}: scaling changed the logits by ${err}`);
  }
});

test("hidden activations of the canonical chain are the ANN's ReLU outputs (MLP: no BN, no scaling)", () => {
  const net = mlp(5);
  const c = canonicalize(net);
  const acts = activations64(net, { shape: [data.count, 144], data: data.images }, ["relu1", "relu2"]);
  const x = Float64Array.from(data.images.subarray(0, 144));
  const outs = forward64(c.stages, x);
  const r1 = acts.get("relu1")!.data;
  for (let i = 0; i < 40; i++) assert.ok(Math.abs(outs[0]![i]! - r1[i]!) < 1e-13);
});

function expectError(net: Network, code: string, fragment: string): void {
  try {
    canonicalize(net);
  } catch (e) {
    assert.instance(e, SpikelabError);
    const err = e as SpikelabError;
    assert.is(err.code, code);
    assert.ok(err.message.includes(fragment), err.message);
    assert.ok(err.hint !== undefined && err.hint.length > 0);
    return;
  }
  assert.unreachable(`${net.name} converted`);
}

test("networks outside the exact mapping are refused with the layer named and a fix", () => {
  expectError(randomNet(sequential("s", [16], [dense(8), "sigmoid", dense(2)]), 1), "unsupported", "layer 'sigmoid1' (sigmoid) is not a ReLU");
  expectError(randomNet(sequential("l", [16], [dense(8), dense(4), "relu", dense(2)]), 1), "unsupported", "'dense2' (dense) follows 'dense1' without a ReLU");
  expectError(randomNet(sequential("a", [1, 4, 4], [conv(2, 3, { pad: 1 }), { kind: "avgpool", kernel: [2, 2], stride: [2, 2], padding: [0, 0] }, "relu", "flatten", dense(2)]), 1), "unsupported", "averages 'conv1' before its ReLU");
  expectError(randomNet(sequential("m", [16], [dense(8), "softmax", "relu", dense(2)]), 1), "unsupported", "layer 'softmax1' (softmax) is not the last layer");
});

test("a ReLU after a batch norm after a ReLU becomes a layer of its own and keeps the logits", () => {
  const net = randomNet(sequential("r", [1, 12, 12], ["flatten", dense(8), "relu", batchnorm(), "relu", dense(5)]), 1);
  const c = canonicalize(net);
  assert.equal(c.stages.map((s) => (s.kind === "linear" ? `${s.id}:${s.inputs.map((i) => i.geometry.kind).join("+")}` : s.id)), ["dense1:dense", "relu2:identity", "dense2:dense"]);
  const err = logitError(net, c.stages);
  assert.ok(err < 1e-12, `logits differ by ${err}`);
});

test.run();

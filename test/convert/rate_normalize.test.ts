// Normalisation keeps the ANN's predictions exactly (ReLU is positively homogeneous), for every
// method and scope, on a LeNet, a batch-norm + max-pool LeNet, an Inception-style concat and a
// residual add (with the shortcut rescaled); and λ is what the definition says.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { sequential, conv, dense, avgpool, maxpool, batchnorm, dropout, built } from "../../stdlib/ann/sequential.ts";
import { initialize } from "../../stdlib/ann/init.ts";
import { activations, argmaxRows, forward } from "../../stdlib/ann/forward.ts";
import { mnist } from "../../stdlib/data/mnist.ts";
import { slice } from "../../stdlib/data/dataset.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import type { Tensor } from "../../stdlib/tensor/tensor.ts";
import { canonicalize } from "../../stdlib/convert/passes/canonical.ts";
import { normalize, type NormalizeOptions } from "../../stdlib/convert/passes/normalize.ts";
import { activationStream, convertRate } from "../../stdlib/convert/rate/convert.ts";
import { rateSchema } from "../../stdlib/convert/rate/schema.ts";
import { ruleSet } from "../../stdlib/ir/rules.ts";
import { SpikelabError } from "../../stdlib/errors.ts";
import { percentileSorted } from "../../stdlib/convert/passes/percentile.ts";

const train = slice(mnist("train"), 0, 300);
const test_ = slice(mnist("test"), 0, 300);
const x: Tensor = { shape: [test_.count, 1, 28, 28], data: test_.images };

function predictions(net: Network): Int32Array {
  const y = forward(net, x);
  return argmaxRows(y.data, test_.count, y.shape[1]!);
}

/** Random batch-norm statistics, so folding has something to fold. */
function randomBn(net: Network, seed: number): Network {
  let s = seed;
  const r = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return { ...net, nodes: net.nodes.map((n) => {
    if (n.op.kind !== "batchnorm") return n;
    const c = n.shape[0]!;
    const t = (f: () => number): Tensor => ({ shape: [c], data: Float32Array.from({ length: c }, f) });
    return { ...n, params: { gamma: t(() => 0.5 + r()), beta: t(() => r() - 0.3), mean: t(() => r() * 0.2), var: t(() => 0.5 + r()) } };
  }) };
}

const lenet = initialize(sequential("lenet", [1, 28, 28], [conv(6, 5, { pad: 2 }), "relu", avgpool(2), conv(16, 5), "relu", avgpool(2), "flatten", dense(120), "relu", dropout(0.5), dense(84), "relu", dense(10)]), { seed: 3 });
const lenetBn = randomBn(initialize(sequential("lenet_bn", [1, 28, 28], [conv(6, 5, { pad: 2, bias: false }), batchnorm(), "relu", maxpool(2), conv(16, 5), batchnorm(), maxpool(2), "relu", "flatten", dense(120), batchnorm(), "relu", dense(10), "softmax"]), { seed: 4 }), 9);

const c = (id: string, filters: number, k: number, inputs: string[], pad = 0) => ({ id, op: conv(filters, k, { pad }), inputs });
const inception = initialize(built("inception", [
  { id: "input", op: { kind: "input", shape: [1, 28, 28] }, inputs: [] },
  c("stem", 8, 3, ["input"], 1), { id: "r0", op: { kind: "relu" }, inputs: ["stem"] },
  { id: "p0", op: maxpool(2), inputs: ["r0"] },
  c("b1", 4, 1, ["p0"]), { id: "r1", op: { kind: "relu" }, inputs: ["b1"] },
  c("b2", 6, 3, ["p0"], 1), { id: "r2", op: { kind: "relu" }, inputs: ["b2"] },
  { id: "b3", op: maxpool(3, { stride: 1, pad: 1 }), inputs: ["p0"] },
  { id: "cat", op: { kind: "concat" }, inputs: ["r1", "r2", "b3"] },
  c("post", 8, 3, ["cat"]), { id: "r3", op: { kind: "relu" }, inputs: ["post"] },
  { id: "gap", op: { kind: "globalavgpool" }, inputs: ["r3"] },
  { id: "fc", op: dense(10), inputs: ["gap"] },
]), { seed: 5 });

const residual = randomBn(initialize(built("residual", [
  { id: "input", op: { kind: "input", shape: [1, 28, 28] }, inputs: [] },
  c("stem", 8, 3, ["input"], 1), { id: "r0", op: { kind: "relu" }, inputs: ["stem"] },
  { id: "p0", op: avgpool(2), inputs: ["r0"] },
  c("c1", 8, 3, ["p0"], 1), { id: "bn1", op: batchnorm(), inputs: ["c1"] }, { id: "r1", op: { kind: "relu" }, inputs: ["bn1"] },
  c("c2", 8, 3, ["r1"], 1), { id: "bn2", op: batchnorm(), inputs: ["c2"] },
  { id: "sum", op: { kind: "add" }, inputs: ["bn2", "p0"] }, { id: "r2", op: { kind: "relu" }, inputs: ["sum"] },
  { id: "p1", op: avgpool(2), inputs: ["r2"] }, { id: "fl", op: { kind: "flatten" }, inputs: ["p1"] },
  { id: "fc", op: dense(10), inputs: ["fl"] },
]), { seed: 6 }), 11);

const methods: NormalizeOptions[] = [
  { method: "percentile", percentile: 99.9, scope: "layerwise", normalizeOutput: true },
  { method: "percentile", percentile: 99, scope: "channelwise", normalizeOutput: true },
  { method: "max", percentile: 100, scope: "layerwise", normalizeOutput: false },
  { method: "weights", percentile: 100, scope: "channelwise", normalizeOutput: true },
];

for (const net of [lenet, lenetBn, inception, residual]) {
  const canon = canonicalize(net);
  const want = predictions(net);
  test(`${net.name}: canonical form (BN folded, dropout gone) predicts the same`, () => {
    assert.ok(!canon.nodes.some((n) => n.op.kind === "batchnorm" || n.op.kind === "dropout"));
    assert.equal(Array.from(predictions(canon)), Array.from(want));
  });
  for (const m of methods) {
    test(`${net.name}: ${m.method} ${m.scope} keeps every prediction`, async () => {
      const norm = await normalize(canon, m, activationStream(canon, train, {}));
      const got = predictions(norm.network);
      let same = 0;
      for (let i = 0; i < got.length; i++) if (got[i] === want[i]) same++;
      assert.is(same, got.length);
      // λ of the output is one number (channel-wise scaling of the scores would change the argmax).
      const out = norm.lambda.get(canon.nodes[canon.nodes.length - 1]!.id)!;
      assert.ok(out.every((v) => v === out[0]));
    });
  }
}

test("λ of a layer is the p-th percentile of its non-zero activations (brute force)", async () => {
  const canon = canonicalize(lenet);
  const norm = await normalize(canon, methods[0]!, activationStream(canon, train, {}));
  const xt: Tensor = { shape: [train.count, 1, 28, 28], data: train.images };
  const acts = activations(canon, xt, ["relu2", "dense3"]);
  for (const id of ["relu2", "dense3"]) {
    const v = Array.from(acts.get(id)!.data).filter((a) => a > 0).sort((a, b) => a - b);
    assert.is(norm.lambda.get(id)![0], percentileSorted(v, 99.9), id);
  }
  // The pooling layer inherits its input's λ; conv2 shares relu2's.
  assert.equal(norm.lambda.get("avgpool2"), norm.lambda.get("relu2"));
  assert.equal(norm.lambda.get("conv2"), norm.lambda.get("relu2"));
});

test("the residual shortcut gets a depthwise 1x1 scale λ_in/λ_add", async () => {
  const canon = canonicalize(residual);
  const norm = await normalize(canon, methods[0]!, activationStream(canon, train, {}));
  const sc = norm.network.nodes.find((n) => n.id === "sum_scale1")!;
  assert.ok(sc !== undefined && sc.op.kind === "conv" && sc.op.groups === 8);
  const ratio = norm.lambda.get("p0")![0]! / norm.lambda.get("r2")![0]!;
  assert.ok(Math.abs(sc.params.weight!.data[3]! - ratio) < 1e-6 * ratio);
});

test("a smooth gate is refused by name, with the family that maps it", async () => {
  const net = initialize(sequential("s", [784], [dense(32), "sigmoid", dense(10)]), { seed: 1 });
  try {
    await convertRate(net, ruleSet(rateSchema, "rueckauer2017", { normalize: "weights" }));
    assert.unreachable("a sigmoid network converted");
  } catch (e) {
    assert.instance(e, SpikelabError);
    assert.is((e as SpikelabError).message, "rate conversion maps ReLU networks; layer 'sigmoid1' is a sigmoid");
    assert.is((e as SpikelabError).hint, "convert it with the amos family, which fits circuits for sigmoid (e.g. `convert s with stockl2019_amos`), or train it with relu");
  }
});

test.run();

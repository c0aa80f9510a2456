// Whole-network backpropagation checked against central finite differences in float64, on a
// DAG holding every trainable op and every op backward passes through.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Network } from "../../stdlib/ir/network.ts";
import { Executor } from "../../stdlib/ann/executor.ts";
import { Backprop } from "../../stdlib/ann/backward.ts";
import { initialize } from "../../stdlib/ann/init.ts";
import { avgpool, batchnorm, built, conv, dense, dropout, maxpool } from "../../stdlib/ann/sequential.ts";
import { B64, F64 } from "../../stdlib/ann/kernels.ts";
import { Rng } from "../../stdlib/data/rng.ts";

function net(softmaxLast: boolean): Network {
  const specs = [
    { id: "x", op: { kind: "input", shape: [2, 7, 7] }, inputs: [] },
    { id: "a", op: conv(4, 3, { pad: 1 }), inputs: ["x"] },
    { id: "bn", op: batchnorm(), inputs: ["a"] },
    { id: "r1", op: { kind: "relu" }, inputs: ["bn"] },
    { id: "b", op: conv(4, 3, { pad: 1, groups: 2, stride: 1 }), inputs: ["r1"] },
    { id: "s", op: { kind: "silu" }, inputs: ["b"] },
    { id: "sum", op: { kind: "add" }, inputs: ["s", "r1"] },
    { id: "c", op: conv(2, 1), inputs: ["r1"] },
    { id: "sg", op: { kind: "sigmoid" }, inputs: ["c"] },
    { id: "cat", op: { kind: "concat" }, inputs: ["sum", "sg"] },
    { id: "mp", op: maxpool(2, { stride: 2, pad: 1 }), inputs: ["cat"] },
    { id: "ap", op: avgpool(2, { stride: 1 }), inputs: ["mp"] },
    { id: "gap", op: { kind: "globalavgpool" }, inputs: ["mp"] },
    { id: "fl", op: { kind: "flatten" }, inputs: ["ap"] },
    { id: "do", op: dropout(0.3), inputs: ["fl"] },
    { id: "d1", op: dense(6), inputs: ["do"] },
    { id: "bn2", op: batchnorm(), inputs: ["d1"] },
    { id: "d2", op: dense(3, { bias: false }), inputs: ["gap"] },
    { id: "sm", op: { kind: "softmax" }, inputs: ["d2"] },
    { id: "cat2", op: { kind: "concat" }, inputs: ["bn2", "sm"] },
    { id: "out", op: dense(4), inputs: ["cat2"] },
    ...(softmaxLast ? [{ id: "p", op: { kind: "softmax" }, inputs: ["out"] }] : []),
  ];
  const n = initialize(built("grad", specs as never), { seed: 5, scheme: "glorot" });
  const r = new Rng(2);
  for (const node of n.nodes) if (node.op.kind === "batchnorm") for (let i = 0; i < node.params.gamma!.data.length; i++) {
    node.params.gamma!.data[i] = 0.5 + r.uniform();
    node.params.beta!.data[i] = r.normal() * 0.3;
  }
  return n;
}

const BATCH = 5;
const rng = new Rng(9);
const x = Float64Array.from({ length: BATCH * 98 }, () => rng.uniform());
const labels = [0, 3, 1, 2, 3];

function lossAndGrads(network: Network): { loss: () => number; ex: Executor<Float64Array>; bp: Backprop<Float64Array> } {
  const ex = new Executor(network, F64, BATCH, { training: true });
  const bp = new Backprop(ex, F64, B64);
  const loss = (): number => {
    // The same dropout mask every time: a fresh generator with one seed.
    ex.run(x, BATCH, { training: { rng: new Rng(77), updateRunningStats: false } });
    return bp.run(labels);
  };
  return { loss, ex, bp };
}

for (const softmaxLast of [false, true]) {
  test(`every parameter gradient matches central finite differences (float64${softmaxLast ? ", trailing softmax fused into the loss" : ""})`, () => {
    const { loss, ex, bp } = lossAndGrads(net(softmaxLast));
    loss();
    let checked = 0;
    let worst = 0;
    for (const [i, grads] of bp.paramGrads) {
      const s = ex.steps[i]!;
      for (const [name, g] of Object.entries(grads)) {
        const analytic = Float64Array.from(g);
        const p = s.params[name]!;
        // A handful of entries per tensor, spread over it.
        for (const idx of [0, Math.floor(p.length / 3), Math.floor((2 * p.length) / 3), p.length - 1]) {
          const old = p[idx]!;
          const h = 1e-6;
          p[idx] = old + h;
          const up = loss();
          p[idx] = old - h;
          const down = loss();
          p[idx] = old;
          const numeric = (up - down) / (2 * h);
          const err = Math.abs(numeric - analytic[idx]!) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic[idx]!));
          worst = Math.max(worst, err);
          assert.ok(err < 1e-5, `${s.node.id}.${name}[${idx}]: analytic ${analytic[idx]} vs numeric ${numeric}`);
          checked++;
        }
      }
    }
    assert.is(checked, 4 * 15, "15 parameter tensors");
    assert.ok(worst < 1e-5);
  });
}

test("with a trailing softmax the loss and gradients equal those of the bare logits", () => {
  const a = lossAndGrads(net(false));
  const b = lossAndGrads(net(true));
  assert.is(a.loss(), b.loss());
  const ga = [...a.bp.paramGrads.values()].flatMap((g) => Object.values(g).flatMap((v) => Array.from(v)));
  const gb = [...b.bp.paramGrads.values()].flatMap((g) => Object.values(g).flatMap((v) => Array.from(v)));
  assert.equal(gb, ga);
});

test.run();

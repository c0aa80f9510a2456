// Small random ReLU networks for the exact-TTFS tests: every parameter random (biases, batch-norm
// statistics with some negative scales), so folding, padding and pooling paths are all exercised;
// chains, and DAGs with residual adds and Inception-style concats.
import { avgpool, batchnorm, built, conv, dense, dropout, maxpool, sequential, type Layer } from "../../stdlib/ann/sequential.ts";
import { initialize } from "../../stdlib/ann/init.ts";
import { Rng } from "../../stdlib/data/rng.ts";
import type { Dataset } from "../../stdlib/data/dataset.ts";
import type { Network, Op } from "../../stdlib/ir/network.ts";
import type { NodeSpec } from "../../stdlib/ir/shapes.ts";
import type { Tensor } from "../../stdlib/tensor/tensor.ts";

/** A copy of `net` with He-initialised weights and random biases and batch-norm statistics. */
export function randomNet(net: Network, seed: number): Network {
  const init = initialize(net, { seed });
  const rng = new Rng(seed + 1000);
  return {
    ...init,
    nodes: init.nodes.map((n) => {
      const params: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(n.params)) {
        const d = t.data.slice();
        for (let i = 0; i < d.length; i++) {
          if (k === "bias") d[i] = 0.1 * rng.normal();
          else if (k === "gamma") d[i] = rng.normal();
          else if (k === "beta") d[i] = 0.2 * rng.normal();
          else if (k === "mean") d[i] = 0.3 * rng.normal();
          else if (k === "var") d[i] = 0.5 + rng.uniform();
        }
        params[k] = { shape: t.shape, data: d };
      }
      return { ...n, params };
    }),
  };
}

export const MLP: readonly Layer[] = [dense(40), "relu", dense(30), "relu", dense(5)];

/** Every folding path: BN after ReLU into a padded conv, avg pool with padding, BN before a max pool and after it, strides, dropout, softmax. */
export const CNN: readonly Layer[] = [
  conv(4, 3, { pad: 1 }), "relu", batchnorm(), avgpool(3, { stride: 2, pad: 1 }),
  conv(6, 3, { pad: 1 }), maxpool(2), batchnorm(), "relu", batchnorm(), maxpool(2, { stride: 1 }),
  conv(5, 3, { stride: 2, pad: 1 }), "relu",
  "flatten", batchnorm(), dropout(0.5), dense(20), "relu", dense(5), "softmax",
];

export function mlp(seed: number): Network {
  return randomNet(sequential("mlp", [144], MLP), seed);
}

export function cnn(seed: number): Network {
  return randomNet(sequential("cnn", [1, 12, 12], CNN), seed);
}

/** A dataset object from explicit samples (values in [0, 1]). */
export function samples(values: readonly (readonly number[])[], shape: readonly [number, number, number]): Dataset {
  return {
    name: "hand",
    split: "train",
    shape,
    count: values.length,
    images: Float32Array.from(values.flat()),
    labels: new Uint8Array(values.length),
    classes: ["a", "b"],
    offset: 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Networks with branches (built node by node): residual adds and Inception-style concats.

type Spec = { id: string; op: Op | "relu" | "flatten" | "globalavgpool"; inputs: string[] };

export function graph(name: string, input: readonly number[], specs: readonly Spec[], seed: number): Network {
  const nodes: NodeSpec[] = [{ id: "input", op: { kind: "input", shape: [...input] }, inputs: [] }];
  for (const s of specs) nodes.push({ id: s.id, op: typeof s.op === "string" ? ({ kind: s.op } as Op) : s.op, inputs: s.inputs });
  return randomNet(built(name, nodes), seed);
}

export const n = (id: string, op: Spec["op"], ...inputs: string[]): Spec => ({ id, op, inputs });

/**
 * Post-activation residual blocks (ResNet): an identity shortcut of a ReLU output, a projection
 * shortcut (strided 1x1 conv + batch norm, a second pre-activation branch), batch norms before the
 * ReLUs, a shortcut through a batch norm after a ReLU (pending affine), max pooling at the end.
 */
export function residual(seed: number): Network {
  return graph("residual", [1, 12, 12], [
    n("c0", conv(4, 3, { pad: 1 }), "input"), n("b0", batchnorm(), "c0"), n("r0", "relu", "b0"),
    n("c1", conv(4, 3, { pad: 1 }), "r0"), n("b1", batchnorm(), "c1"), n("r1", "relu", "b1"), n("c2", conv(4, 3, { pad: 1 }), "r1"), n("b2", batchnorm(), "c2"),
    n("s1", { kind: "add" }, "b2", "r0"), n("r2", "relu", "s1"),
    n("c3", conv(6, 3, { stride: 2, pad: 1 }), "r2"), n("b3", batchnorm(), "c3"), n("r3", "relu", "b3"), n("c4", conv(6, 3, { pad: 1 }), "r3"),
    n("p", conv(6, 1, { stride: 2 }), "r2"), n("bp", batchnorm(), "p"),
    n("s2", { kind: "add" }, "c4", "bp"), n("r4", "relu", "s2"),
    n("bn", batchnorm(), "r4"), n("c5", conv(6, 3, { pad: 1 }), "bn"), n("s3", { kind: "add" }, "c5", "bn"), n("r5", "relu", "s3"),
    n("m", maxpool(2), "r5"), n("f", "flatten", "m"), n("d", dense(5), "f"),
  ], seed);
}

/**
 * Pre-activation residual blocks (ResNet v2): the sums stay linear (no ReLU after the add), so a
 * shortcut carries a pre-activation expression and each join reads inputs from several windows
 * back (the input itself three windows later). Ends in batch norm, ReLU, global average pooling.
 */
export function preact(seed: number): Network {
  return graph("preact", [1, 10, 10], [
    n("c0", conv(4, 3, { pad: 1 }), "input"),
    n("n1", batchnorm(), "c0"), n("a1", "relu", "n1"), n("c1", conv(4, 3, { pad: 1 }), "a1"), n("n2", batchnorm(), "c1"), n("a2", "relu", "n2"), n("c2", conv(4, 3, { pad: 1 }), "a2"),
    n("s1", { kind: "add" }, "c2", "c0"),
    n("n3", batchnorm(), "s1"), n("a3", "relu", "n3"), n("c3", conv(4, 3, { pad: 1 }), "a3"),
    n("s2", { kind: "add" }, "c3", "s1"),
    n("n4", batchnorm(), "s2"), n("a4", "relu", "n4"), n("g", "globalavgpool", "a4"), n("f", "flatten", "g"), n("d", dense(5), "f"),
  ], seed);
}

/**
 * An Inception block: a 1x1 branch, a 1x1 → 3x3 branch (one window deeper), a max-pool → 1x1
 * branch and an average-pool branch, concatenated (the ReLUs move after the concat, one population
 * of channel slices); then a concat of two convolutions before their batch norm and ReLU, a
 * concat of flattened tensors into a dense layer, and a read-out that adds two dense layers.
 */
export function inception(seed: number): Network {
  return graph("inception", [1, 10, 10], [
    n("stem", conv(6, 3, { pad: 1 }), "input"), n("rs", "relu", "stem"),
    n("a", conv(3, 1), "rs"), n("ra", "relu", "a"),
    n("b1", conv(3, 1), "rs"), n("rb1", "relu", "b1"), n("b2", conv(4, 3, { pad: 1 }), "rb1"), n("rb2", "relu", "b2"),
    n("c0", maxpool(3, { stride: 1, pad: 1 }), "rs"), n("c1", conv(3, 1), "c0"), n("rc", "relu", "c1"),
    n("e", avgpool(3, { stride: 1, pad: 1 }), "rs"),
    n("cat", { kind: "concat" }, "ra", "rb2", "rc", "e"),
    n("x", conv(4, 3, { stride: 2, pad: 1 }), "cat"), n("y", conv(3, 1, { stride: 2 }), "cat"), n("cat2", { kind: "concat" }, "x", "y"), n("bcat", batchnorm(), "cat2"), n("r2", "relu", "bcat"),
    n("f1", "flatten", "r2"), n("g", "globalavgpool", "cat"), n("f2", "flatten", "g"), n("v", { kind: "concat" }, "f1", "f2"),
    n("h", dense(12), "v"), n("rh", "relu", "h"),
    n("o1", dense(5), "rh"), n("o2", dense(5), "f2"), n("out", { kind: "add" }, "o1", "o2"),
  ], seed);
}

/** A residual MLP: a dense block around a vector shortcut, and a shortcut from the input itself. */
export function resmlp(seed: number): Network {
  return graph("resmlp", [1, 6, 6], [
    n("f", "flatten", "input"), n("d1", dense(36), "f"), n("r1", "relu", "d1"),
    n("d2", dense(20), "r1"), n("r2", "relu", "d2"), n("d3", dense(36), "r2"),
    n("s", { kind: "add" }, "d3", "r1", "f"), n("r3", "relu", "s"), n("d4", dense(5), "r3"),
  ], seed);
}

/**
 * Layers reading a concat or a sum of tensors already through their ReLU: a grouped conv whose
 * groups lie inside the slices, a 1x1 conv and an average pool read the tensors directly; a grouped
 * conv across a slice boundary and a batch norm → ReLU after a concat need the concat as a population.
 */
export function composed(seed: number): Network {
  return graph("composed", [1, 8, 8], [
    n("s", conv(4, 3, { pad: 1 }), "input"), n("rs", "relu", "s"),
    n("p", maxpool(3, { stride: 1, pad: 1 }), "rs"), n("q", avgpool(3, { stride: 1, pad: 1 }), "rs"), n("cat", { kind: "concat" }, "p", "q"),
    n("g", conv(8, 3, { pad: 1, groups: 2 }), "cat"), n("rg", "relu", "g"),
    n("u", conv(4, 1), "cat"), n("ru", "relu", "u"), n("sum", { kind: "add" }, "ru", "rs"), n("ap", avgpool(2), "sum"),
    n("t", conv(2, 1), "rs"), n("rt", "relu", "t"), n("mis", { kind: "concat" }, "p", "rt"), n("x", conv(4, 3, { pad: 1, groups: 2 }), "mis"), n("rx", "relu", "x"),
    n("bn", batchnorm(), "cat"), n("rb", "relu", "bn"),
    n("fx", "flatten", "rx"), n("fa", "flatten", "ap"), n("ft", "flatten", "rt"), n("fg", "flatten", "rg"), n("fb", "flatten", "rb"),
    n("v", { kind: "concat" }, "fx", "fa", "ft", "fg", "fb"), n("d", dense(5), "v"),
  ], seed);
}

// The exact-TTFS canonical form of networks with branches: residual adds (identity and projection
// shortcuts, pre-activation sums), Inception-style concats, a residual MLP. Folding, window
// alignment (relays) and weight-sum scaling keep the logits in float64; every layer reads one
// window; relays are shared; what cannot be made exact is refused with the layer named.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { activations64 } from "../../stdlib/ann/forward.ts";
import { synthetic } from "../../stdlib/data/synthetic.ts";
import { SpikelabError } from "../../stdlib/errors.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { alignWindows } from "../../stdlib/convert/ttfs/align.ts";
import { canonicalize } from "../../stdlib/convert/ttfs/canonical.ts";
import { scaleWeightSums, weightSums } from "../../stdlib/convert/ttfs/scale.ts";
import { forward64, type Stage } from "../../stdlib/convert/ttfs/stages.ts";
import { composed, graph, inception, n, preact, residual, resmlp } from "./ttfs_nets.ts";

/** Largest |logit difference| between the stages (input u) and the ANN fed p + (q − p)·u, over 30 random samples. */
function logitError(net: Network, stages: readonly Stage[], range: readonly [number, number] = [0, 1]): number {
  const shape = net.nodes[0]!.shape as [number, number, number];
  const data = synthetic({ count: 30, shape, classes: 5, seed: 7 });
  const size = shape.reduce((a, b) => a * b, 1);
  const [p, q] = range;
  const last = net.nodes[net.nodes.length - 1]!;
  const ann = activations64(net, { shape: [data.count, ...shape], data: Float64Array.from(data.images, (u) => p + (q - p) * u) }, [last.id]).get(last.id)!;
  let err = 0;
  for (let i = 0; i < data.count; i++) {
    const outs = forward64(stages, Float64Array.from(data.images.subarray(i * size, (i + 1) * size)));
    const logits = outs[outs.length - 1]!;
    for (let c = 0; c < 5; c++) err = Math.max(err, Math.abs(logits[c]! - ann.data[i * 5 + c]!));
  }
  return err;
}

function pipeline(net: Network, range: readonly [number, number] = [0, 1]) {
  const c = canonicalize(net, range);
  const a = alignWindows(c.stages, "input", net.nodes[0]!.shape);
  const s = scaleWeightSums(a.stages, -10, 0.99);
  return { c, a, s };
}

const nets = [residual, preact, inception, resmlp, composed];

test("folding, relays and weight-sum scaling keep the logits of random branched networks (float64)", () => {
  for (const seed of [1, 2]) {
    for (const make of nets) {
      const net = make(seed);
      for (const range of [[0, 1], [-1, 1]] as const) {
        const { c, s } = pipeline(net, range);
        const e0 = logitError(net, c.stages, range);
        const e1 = logitError(net, s.stages, range);
        assert.ok(e0 < 1e-12 && e1 < 1e-12, `${net.name} seed ${seed} range ${range}: canonical ${e0}, scaled ${e1}`);
        for (const st of s.stages) {
          if (st.kind !== "linear" || !st.relu) continue;
          for (const S of weightSums(st)) assert.ok(S <= 0.99 + 1e-12 && S >= -10 - 1e-12, `${st.id}: S = ${S}`);
        }
      }
    }
  }
});

test("every layer reads the window right before its own; relays carry the rest, one per source and window", () => {
  for (const make of nets) {
    const { a } = pipeline(make(3));
    a.stages.forEach((s, i) => {
      const level = a.levels[i]!;
      const lv = (src: number): number => (src < 0 ? 0 : a.levels[src]!);
      if (s.kind === "maxpool") assert.is(lv(s.src), level, `${s.id} pools within its source's window`);
      else for (const inp of s.inputs) assert.is(lv(inp.src), level - 1, `${s.id} reads ${inp.src} from window ${lv(inp.src)}, its own is ${level}`);
    });
    const relayIds = a.relays.map((i) => a.stages[i]!.id);
    assert.is(new Set(relayIds).size, relayIds.length);
    for (const i of a.relays) {
      const r = a.stages[i]!;
      assert.ok(r.kind === "linear" && r.origin === "relay" && r.inputs.length === 1 && r.inputs[0]!.geometry.kind === "identity" && r.bias.every((b) => b === 0));
    }
  }
  // Pre-activation: the input reaches the second join three windows later through input~1 → input~2 → input~3,
  // the first join reads input~2; c1 (window 2) is relayed once for the second join.
  const pre = pipeline(preact(1)).a;
  assert.equal(pre.relays.map((i) => pre.stages[i]!.id), ["input~1", "input~2", "c1~3", "input~3"]);
  assert.equal(pre.stages.filter((s) => s.kind === "linear" && s.origin !== "relay").map((s) => s.id), ["c0", "c1", "s1", "s2", "g", "d"]);
  const joins = pre.stages.filter((s) => s.id === "s1" || s.id === "s2");
  assert.equal(joins.map((s) => (s.kind === "linear" ? s.inputs.map((i) => (i.src < 0 ? "input" : pre.stages[i.src]!.id)) : [])), [["c1", "input~2"], ["s1", "c1~3", "input~3"]]);
  // The residual block's identity shortcut is a relay of r0's population (named after conv c0).
  const res = pipeline(residual(1)).a;
  assert.equal(res.relays.map((i) => res.stages[i]!.id), ["c0~2", "s1~4"]);
});

test("a concat of branches through their ReLU is one population of channel slices; a concat of tensors is read through", () => {
  const { c } = pipeline(inception(1));
  const ids = c.stages.map((s) => s.id);
  // No population for the ReLUs of a, b2, c1 (they move after 'cat'), none for the flattened concat 'v'.
  assert.equal(ids, ["stem", "b1", "c0", "e", "cat", "cat2", "g", "h", "out"]);
  const cat = c.stages[ids.indexOf("cat")]!;
  assert.ok(cat.kind === "linear");
  if (cat.kind !== "linear") return;
  assert.equal(cat.inputs.map((i) => [i.geometry.kind, i.offset, i.weightShape[0]]), [["conv", 0, 3], ["conv", 3, 4], ["conv", 7, 3], ["identity", 10, 6]]);
  // 'h' reads r2 and g directly: two dense inputs, columns split.
  const h = c.stages[ids.indexOf("h")]!;
  assert.ok(h.kind === "linear" && h.inputs.length === 2 && h.inputs.every((i) => i.geometry.kind === "dense"));
  // The read-out adds two dense layers: one stage, two inputs.
  const out = c.stages[c.stages.length - 1]!;
  assert.ok(out.kind === "linear" && !out.relu && out.inputs.length === 2);
  // composed(): a grouped conv aligned with the slices, a 1x1 conv and an average pool read the tensors directly;
  // a grouped conv across a slice boundary needs the concat as a population.
  const k = canonicalize(composed(1)).stages.map((s) => `${s.id}:${s.kind === "linear" ? s.inputs.map((i) => i.geometry.kind === "conv" ? `conv/${i.geometry.groups}@${i.offset}` : `${i.geometry.kind}@${i.offset}`).join("+") : "pool"}`);
  assert.equal(k, [
    "s:conv/1@0", "p:pool", "q:conv/4@0", "g:conv/1@0+conv/1@4", "u:conv/1@0+conv/1@0", "ap:conv/4@0+conv/4@0", "t:conv/1@0",
    "mis:identity@0+identity@4", "x:conv/2@0", "cat:identity@0+identity@4", "d:dense@0+dense@0+dense@0+dense@0+dense@0",
  ]);
});

function refused(net: Network, fragment: string): void {
  try {
    canonicalize(net);
  } catch (e) {
    assert.instance(e, SpikelabError);
    const err = e as SpikelabError;
    assert.is(err.code, "unsupported");
    assert.ok(err.message.includes(fragment), err.message);
    assert.ok((err.hint ?? "").length > 0);
    return;
  }
  assert.unreachable(`${net.name} converted`);
}

test("branches that cannot be made exact are refused, naming the layer and why", () => {
  // max(x) + y ≠ a linear join: a branch max-pooled before its ReLU cannot be added.
  refused(graph("mp", [1, 8, 8], [
    n("c1", { kind: "conv", filters: 2, kernel: [3, 3], stride: [1, 1], padding: [1, 1], groups: 1, bias: true }, "input"), n("m", { kind: "maxpool", kernel: [2, 2], stride: [2, 2], padding: [0, 0] }, "c1"),
    n("c2", { kind: "conv", filters: 2, kernel: [2, 2], stride: [2, 2], padding: [0, 0], groups: 1, bias: true }, "input"),
    n("s", { kind: "add" }, "m", "c2"), n("r", "relu", "s"), n("f", "flatten", "r"), n("d", { kind: "dense", units: 2, bias: true }, "f"),
  ], 1), "layer 's' (add) adds 'c1' between its max pooling and its ReLU");
  // A conv output flattened before its ReLU has no channel slices to place in a concat.
  refused(graph("fl", [1, 4, 4], [
    n("c1", { kind: "conv", filters: 2, kernel: [3, 3], stride: [1, 1], padding: [1, 1], groups: 1, bias: true }, "input"), n("f1", "flatten", "c1"),
    n("f0", "flatten", "input"), n("v", { kind: "concat" }, "f1", "f0"), n("r", "relu", "v"), n("d", { kind: "dense", units: 2, bias: true }, "r"),
  ], 1), "layer 'v' (concat) concatenates 'c1' flattened before its ReLU");
  // A join of two pre-activation branches read by a conv without a ReLU: two linear layers in a row.
  refused(graph("lin", [1, 4, 4], [
    n("c1", { kind: "conv", filters: 2, kernel: [3, 3], stride: [1, 1], padding: [1, 1], groups: 1, bias: true }, "input"),
    n("c2", { kind: "conv", filters: 2, kernel: [1, 1], stride: [1, 1], padding: [0, 0], groups: 1, bias: true }, "input"),
    n("s", { kind: "add" }, "c1", "c2"), n("c3", { kind: "conv", filters: 2, kernel: [1, 1], stride: [1, 1], padding: [0, 0], groups: 1, bias: true }, "s"), n("r", "relu", "c3"), n("f", "flatten", "r"), n("d", { kind: "dense", units: 2, bias: true }, "f"),
  ], 1), "layer 'c3' (conv) follows 's' without a ReLU between them");
  // Average pooling of a sum that may be negative (pre-activation branches).
  refused(graph("avg", [1, 4, 4], [
    n("c1", { kind: "conv", filters: 2, kernel: [3, 3], stride: [1, 1], padding: [1, 1], groups: 1, bias: true }, "input"), n("r1", "relu", "c1"),
    n("c2", { kind: "conv", filters: 2, kernel: [3, 3], stride: [1, 1], padding: [1, 1], groups: 1, bias: true }, "r1"),
    n("s", { kind: "add" }, "c2", "r1"), n("a", { kind: "avgpool", kernel: [2, 2], stride: [2, 2], padding: [0, 0] }, "s"), n("r", "relu", "a"), n("f", "flatten", "r"), n("d", { kind: "dense", units: 2, bias: true }, "f"),
  ], 1), "layer 'a' (avgpool) averages 's' before its ReLU");
});

test.run();

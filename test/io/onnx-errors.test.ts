// Files that are not usable ONNX models get a SpikelabError naming the file (and the node, op and
// what would be needed, for unsupported graphs), never a crash: zero-length, a PNG renamed .onnx,
// truncated and corrupt bytes, unknown ops, unsupported attributes, opsets outside 9–21. Through
// the language, a bad `load` is a diagnostic at its line:col and the session keeps its names.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import type { ExecuteResult, Output } from "../../dsl/api.ts";
import { createInterpreter } from "../../dsl/interpreter.ts";
import { initialize } from "../../stdlib/ann/init.ts";
import { dense, sequential } from "../../stdlib/ann/sequential.ts";
import { SpikelabError } from "../../stdlib/errors.ts";
import { saveNetwork } from "../../stdlib/io/netfile.ts";
import { encodeOnnx, importOnnx, loadOnnx } from "../../stdlib/io/onnx.ts";
import { f32, model, node, weights } from "./onnx-build.ts";

const dir = mkdtempSync(join(tmpdir(), "spikelab-onnx-bad-"));

function failure(f: () => unknown): SpikelabError {
  try {
    f();
  } catch (e) {
    if (e instanceof SpikelabError) return e;
    throw new Error(`expected a SpikelabError, got ${e instanceof Error ? e.stack : String(e)}`);
  }
  throw new Error("expected an error, got none");
}

/** A real 1x1 PNG (signature, IHDR, IDAT, IEND), as a renamed screenshot would start. */
function png(): Uint8Array {
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, "latin1"), data, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.from([0, 0]))), chunk("IEND", new Uint8Array(0))]);
}

const good = (): Uint8Array => encodeOnnx(initialize(sequential("m", [6], [dense(4), "relu", dense(3)]), { seed: 1 }));

/** One-op models around `n`, input "x" [N, 1, 4, 4]. */
const oneOp = (n: ReturnType<typeof node>, opset = 13, inits = [f32("W", [2, 1, 3, 3], weights(18, 1))]): Uint8Array =>
  model({ opset, inputs: [["x", ["N", 1, 4, 4]]], outputs: [[n.output[0]!, ["N", 2, 2, 2]]], nodes: [n], inits });

test("zero-length, PNG, spikelab's own format, folders and missing files are named for what they are", () => {
  const empty = join(dir, "empty.onnx");
  writeFileSync(empty, new Uint8Array(0));
  let e = failure(() => loadOnnx(empty));
  assert.is(e.code, "io");
  assert.is(e.message, `${empty}: the file is empty (0 bytes), not an ONNX model`);
  const pic = join(dir, "photo.onnx");
  writeFileSync(pic, png());
  e = failure(() => loadOnnx(pic));
  assert.is(e.message, `${pic}: this is a PNG image, not an ONNX model`);
  assert.match(String(e.hint), "torch.onnx.export");
  const own = join(dir, "net.onnx");
  saveNetwork(own, initialize(sequential("m", [4], [dense(2)]), { seed: 1 }));
  assert.is(failure(() => loadOnnx(own)).message, `${own}: this is a spikelab network file, not an ONNX model`);
  const folder = join(dir, "folder.onnx");
  mkdirSync(folder);
  assert.is(failure(() => loadOnnx(folder)).message, `${folder} is a folder, not an ONNX file`);
  assert.is(failure(() => loadOnnx(join(dir, "nothere.onnx"))).message, `${join(dir, "nothere.onnx")} not found`);
});

test("truncated and corrupt bytes are io errors at every cut, never a crash or a silent half-network", () => {
  const bytes = good();
  let errors = 0;
  for (let cut = 1; cut < bytes.length; cut += 7) {
    try {
      importOnnx(bytes.subarray(0, cut), { file: "cut.onnx" });
      assert.unreachable(`a cut at ${cut} of ${bytes.length} bytes imported`);
    } catch (e) {
      assert.ok(e instanceof SpikelabError, `cut ${cut}: ${String(e)}`);
      assert.is(e.code, "io");
      assert.ok(e.message.startsWith("cut.onnx: "), e.message);
      errors++;
    }
  }
  assert.ok(errors > 20);
  const half = failure(() => importOnnx(bytes.subarray(0, bytes.length >> 1), { file: "half.onnx" }));
  assert.match(half.message, /half\.onnx: not a (readable|usable) ONNX model/);
  // Flipped bytes in the middle (a damaged download).
  const flipped = bytes.slice();
  for (let i = 40; i < 60; i++) flipped[i] = flipped[i]! ^ 0xa5;
  assert.is(failure(() => importOnnx(flipped, { file: "flip.onnx" })).code, "io");
  const noise = Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24);
  assert.is(failure(() => importOnnx(noise, { file: "noise.onnx" })).code, "io");
});

test("an unknown op names the node and the op, and says what is supported", () => {
  const e = failure(() => importOnnx(oneOp(node("LeakyRelu", ["x"], ["y"], { alpha: { float: 0.1 } }, "/act/LeakyRelu")), { file: "leaky.onnx" }));
  assert.is(e.message, "leaky.onnx: node '/act/LeakyRelu' (LeakyRelu): 'LeakyRelu' is an operation spikelab cannot import: the conversion families need ReLU (or sigmoid/SiLU for AMOS); retrain with ReLU");
  const nhwc = failure(() => importOnnx(oneOp(node("Transpose", ["x"], ["y"], { perm: [0, 2, 3, 1] }, "/Transpose")), { file: "keras.onnx" }));
  assert.match(nhwc.message, "tf2onnx --inputs-as-nchw");
  assert.match(String(e.hint), "supported: Conv, Gemm, MatMul");
  assert.match(String(e.hint), "stdlib/io/onnx-ops.ts");
  const custom = failure(() => importOnnx(oneOp(node("Relu", ["x"], ["y"], {}, "r", "com.microsoft")), { file: "ms.onnx" }));
  assert.match(custom.message, "ms.onnx: node 'r' (Relu): is an op of the custom domain 'com.microsoft'");
});

test("unsupported attributes and shapes say what spikelab would need", () => {
  const conv = (attrs: Parameters<typeof node>[3]) => failure(() => importOnnx(oneOp(node("Conv", ["x", "W"], ["y"], attrs, "/c/Conv")), { file: "c.onnx" }));
  let e = conv({ dilations: [2, 2] });
  assert.is(e.message, "c.onnx: node '/c/Conv' (Conv): uses dilation 2x2");
  assert.match(String(e.hint), "no dilated convolution");
  e = conv({ pads: [0, 0, 1, 1] });
  assert.is(e.message, "c.onnx: node '/c/Conv' (Conv): pads [0, 0, 1, 1] are not symmetric");
  e = conv({ frobnicate: 3 });
  assert.is(e.message, "c.onnx: node '/c/Conv' (Conv): has attribute 'frobnicate', which spikelab's importer does not understand for Conv");
  const avg = failure(() => importOnnx(oneOp(node("AveragePool", ["x"], ["y"], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, "/p/AveragePool"), 13, []), { file: "p.onnx" }));
  assert.match(avg.message, "without counting the padding (count_include_pad=0)");
  const unflatten = model({
    inputs: [["v", ["N", 16]]], outputs: [["y", ["N", 1, 4, 4]]], inits: [{ ...f32("s", [4], []), dataType: 7, int64Data: [-1n, 1n, 4n, 4n] }],
    nodes: [node("Reshape", ["v", "s"], ["y"], {}, "/Reshape")],
  });
  e = failure(() => importOnnx(unflatten, { file: "u.onnx" }));
  assert.is(e.message, "u.onnx: node '/Reshape' (Reshape): reshapes 16 to 1x4x4 per sample");
  assert.match(String(e.hint), "flattening whole samples");
  // A weight whose data does not fill its dims (a damaged file).
  const short = oneOp(node("Conv", ["x", "W"], ["y"], {}, "/c/Conv"), 13, [f32("W", [2, 1, 3, 3], weights(10, 1))]);
  e = failure(() => importOnnx(short, { file: "w.onnx" }));
  assert.is(e.message, "w.onnx: initializer 'W' (FLOAT, 2x1x3x3) should hold 18 values but holds 10: the file is corrupt or truncated");
});

test("opsets outside 9–21, several inputs and dangling tensors are refused with the fix", () => {
  for (const opset of [8, 22]) {
    const e = failure(() => importOnnx(oneOp(node("Relu", ["x"], ["y"]), opset), { file: "o.onnx" }));
    assert.is(e.message, `o.onnx: the model uses ONNX opset ${opset}; spikelab imports opsets 9–21`);
    assert.match(String(e.hint), "opset_version=13");
  }
  const two = model({ inputs: [["a", ["N", 4]], ["b", ["N", 4]]], outputs: [["y", ["N", 4]]], nodes: [node("Add", ["a", "b"], ["y"])] });
  assert.is(failure(() => importOnnx(two, { file: "two.onnx" })).message, "two.onnx: the model has 2 inputs ('a', 'b'); spikelab networks take exactly one");
  const dangling = model({ inputs: [["a", ["N", 4]]], outputs: [["y", ["N", 4]]], nodes: [node("Add", ["a", "zz"], ["y"], {}, "add")] });
  assert.is(failure(() => importOnnx(dangling, { file: "d.onnx" })).message, "d.onnx: node 'add' (Add): reads tensor 'zz', which no earlier node or initializer produces");
});

test("through the language: a bad load is a diagnostic at its line, the session keeps its names and loads a good file next", async () => {
  const it = createInterpreter({ baseDir: dir });
  const run = async (src: string): Promise<ExecuteResult> => it.execute(src, "cell", { emit: (o: Output) => void o });
  writeFileSync(join(dir, "shot.onnx"), png());
  writeFileSync(join(dir, "good.onnx"), good());
  assert.ok((await run("a = 1")).ok);
  const bad = await run('a = 2\nload net from "shot.onnx"');
  assert.ok(!bad.ok);
  assert.equal(bad.errors.map((e) => `${e.loc?.line}:${e.loc?.column} ${e.code} ${e.message}`), [`2:1 io ${join(dir, "shot.onnx")}: this is a PNG image, not an ONNX model`]);
  const a = it.names().get("a");
  assert.equal(a, { kind: "number", value: 1 });
  assert.is(it.names().has("net"), false);
  const ok = await run('load net from "good.onnx"\nsave net to "again.onnx"\nload again from "again.onnx"');
  assert.ok(ok.ok, ok.ok ? "" : ok.errors.map((e) => e.message).join("; "));
  const net = it.names().get("again");
  assert.ok(net?.kind === "network");
  assert.equal(net.network.nodes.map((n) => n.op.kind), ["input", "dense", "relu", "dense"]);
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpikelabError } from "../../stdlib/errors.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { decodeNetwork, encodeNetwork, loadNetwork, saveNetwork } from "../../stdlib/io/netfile.ts";
import { networkFromJSON, networkToJSON } from "../../stdlib/io/netjson.ts";
import { initialize } from "../../stdlib/ann/init.ts";
import { avgpool, batchnorm, built, conv, dense, dropout, maxpool, sequential } from "../../stdlib/ann/sequential.ts";

const dir = mkdtempSync(join(tmpdir(), "spikelab-netfile-"));

function sampleNet(): Network {
  const net = initialize(built("branchy", [
    { id: "in", op: { kind: "input", shape: [3, 8, 8] }, inputs: [] },
    { id: "c1", op: conv(4, 3, { pad: 1, stride: 2, groups: 1 }), inputs: ["in"] },
    { id: "bn", op: batchnorm({ eps: 1e-3, momentum: 0.05 }), inputs: ["c1"] },
    { id: "r", op: { kind: "relu" }, inputs: ["bn"] },
    { id: "c2", op: conv(4, 1, { groups: 2, bias: false }), inputs: ["r"] },
    { id: "cat", op: { kind: "concat" }, inputs: ["r", "c2"] },
    { id: "mp", op: maxpool(2), inputs: ["cat"] },
    { id: "ap", op: avgpool(2, { stride: 1, pad: 1 }), inputs: ["mp"] },
    { id: "g", op: { kind: "globalavgpool" }, inputs: ["ap"] },
    { id: "s", op: { kind: "silu" }, inputs: ["g"] },
    { id: "d", op: dropout(0.25), inputs: ["s"] },
    { id: "fc", op: dense(3), inputs: ["d"] },
    { id: "sig", op: { kind: "sigmoid" }, inputs: ["fc"] },
    { id: "sum", op: { kind: "add" }, inputs: ["sig", "fc"] },
    { id: "sm", op: { kind: "softmax" }, inputs: ["sum"] },
  ]), { seed: 4 });
  // Values decimal JSON would lose: -0, NaN, a denormal, the largest float32.
  const w = net.nodes[1]!.params.weight!.data;
  w[0] = -0;
  w[1] = NaN;
  w[2] = 1e-45;
  w[3] = 3.4028234663852886e38;
  return net;
}

function sameBits(a: Network, b: Network): void {
  assert.is(b.name, a.name);
  assert.is(b.nodes.length, a.nodes.length);
  a.nodes.forEach((n, i) => {
    const m = b.nodes[i]!;
    assert.is(m.id, n.id);
    assert.equal(m.op, n.op);
    assert.equal(m.inputs, n.inputs);
    assert.equal(m.shape, n.shape);
    assert.equal(Object.keys(m.params), Object.keys(n.params));
    for (const [k, t] of Object.entries(n.params)) {
      assert.equal(m.params[k]!.shape, t.shape);
      const x = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
      const y = new Uint32Array(m.params[k]!.data.buffer, m.params[k]!.data.byteOffset, m.params[k]!.data.length);
      assert.equal(Array.from(y), Array.from(x), `${n.id}.${k} bits`);
    }
  });
}

test("save ⇄ load is bit for bit, with every op kind, branches and metadata", () => {
  const net = sampleNet();
  const path = join(dir, "branchy.spikelab");
  saveNetwork(path, net, { epochs: 3, data: "mnist.train", nested: { a: [1, 2] } });
  const back = loadNetwork(path);
  sameBits(net, back.network);
  assert.equal(back.metadata, { epochs: 3, data: "mnist.train", nested: { a: [1, 2] } });
  // Saving the loaded network gives the same bytes.
  assert.equal(Buffer.compare(Buffer.from(encodeNetwork(back.network, back.metadata)), readFileSync(path)), 0);
  // Uncompressed blobs round-trip the same; compression pays on real weights.
  sameBits(net, decodeNetwork(encodeNetwork(net, {}, { compress: false })).network);
  const big = initialize(sequential("mlp", [64], [dense(300), "relu", dense(10)]), { seed: 1 });
  const packed = encodeNetwork(big);
  const plain = encodeNetwork(big, {}, { compress: false });
  assert.ok(packed.length < 0.95 * plain.length, `${packed.length} vs ${plain.length}`);
  sameBits(big, decodeNetwork(packed).network);
  // An untrained network round-trips too (structure only).
  const bare = sequential("bare", [4], [dense(2), "relu"]);
  const b2 = decodeNetwork(encodeNetwork(bare));
  assert.equal(b2.network.nodes.map((n) => Object.keys(n.params).length), [0, 0, 0]);
});

test("toJSON / fromJSON: the IR round trip through JSON text, parameters exact", () => {
  const net = sampleNet();
  const text = JSON.stringify(networkToJSON(net));
  sameBits(net, networkFromJSON(JSON.parse(text)));
  const structure = networkToJSON(net, { params: "none" });
  assert.ok(structure.nodes.every((n) => n.params === undefined));
  assert.equal(structure.nodes[1]!.op, { kind: "conv", filters: 4, kernel: [3, 3], stride: [2, 2], padding: [1, 1], groups: 1, bias: true });
});

function ioError(f: () => unknown, ...parts: string[]): void {
  try {
    f();
  } catch (e) {
    assert.instance(e, SpikelabError);
    assert.is((e as SpikelabError).code, "io", (e as Error).message);
    for (const p of parts) assert.ok((e as Error).message.includes(p), `«${(e as Error).message}» should include «${p}»`);
    return;
  }
  assert.unreachable("expected an io error");
}

test("damaged files: wrong magic, truncation, flipped bits, bad JSON, bad ops are io errors naming the file", () => {
  const good = encodeNetwork(sampleNet());
  const write = (name: string, bytes: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const magic = good.slice();
  magic[0] = 0x41;
  ioError(() => loadNetwork(write("magic.bin", magic)), "magic.bin", "not a spikelab network file");
  ioError(() => loadNetwork(write("cut.bin", good.subarray(0, good.length - 10))), "cut.bin", "truncated", "bytes of parameters expected");
  ioError(() => loadNetwork(write("cuthead.bin", good.subarray(0, 40))), "cuthead.bin", "truncated: its description needs");
  ioError(() => loadNetwork(write("long.bin", Buffer.concat([good, Buffer.from([0, 0, 0, 0])]))), "4 unexpected bytes after the parameters");
  const flipped = good.slice();
  flipped[flipped.length - 5]! ^= 0x10;
  ioError(() => loadNetwork(write("flip.bin", flipped)), "flip.bin", "do not match their checksum");
  const len = new DataView(good.buffer).getUint32(12, true);
  const json = good.slice();
  json[16] = 0x78;
  ioError(() => decodeNetwork(json, "j.bin"), "j.bin", "not valid JSON");
  // Rewrite the description: an unknown op kind, then a shape that does not check.
  const rewrite = (edit: (h: Record<string, unknown> & { nodes: Record<string, unknown>[] }) => void): Uint8Array => {
    const h = JSON.parse(new TextDecoder().decode(good.subarray(16, 16 + len)));
    edit(h);
    const text = new TextEncoder().encode(JSON.stringify(h));
    const head = 16 + text.length;
    const pad = (4 - (head % 4)) % 4;
    const blobStart = 16 + len + ((4 - ((16 + len) % 4)) % 4);
    const out = new Uint8Array(head + pad + good.length - blobStart);
    out.set(good.subarray(0, 16));
    new DataView(out.buffer).setUint32(12, text.length, true);
    out.set(text, 16);
    out.set(good.subarray(blobStart), head + pad);
    return out;
  };
  ioError(() => decodeNetwork(rewrite((h) => ((h.nodes[1]!.op as Record<string, unknown>).kind = "convolution")), "k.bin"), "k.bin", "node 'c1' op.kind: unknown op kind \"convolution\"");
  ioError(() => decodeNetwork(rewrite((h) => ((h.nodes[1]!.op as Record<string, unknown>).filters = 5)), "f.bin"), "f.bin", "does not check", "parameter 'weight' should be 5x3x3x3");
  ioError(() => decodeNetwork(rewrite((h) => ((h.nodes[11]!.params as Record<string, Record<string, unknown>>).weight!.offset = 1e6)), "o.bin"), "o.bin", "lie outside");
  ioError(() => decodeNetwork(rewrite((h) => (h.version = 2)), "v.bin"), "v.bin", "format version 2");
  ioError(() => decodeNetwork(rewrite((h) => ((h.blob as Record<string, unknown>).encoding = "f16")), "e.bin"), "e.bin", "unknown parameter encoding \"f16\"");
  // A damaged compressed stream whose checksum was recomputed: caught when inflating.
  const badStream = rewrite((h) => ((h.blob as Record<string, unknown>).floats = 12));
  ioError(() => decodeNetwork(badStream, "z.bin"), "z.bin", "do not decompress");
  ioError(() => loadNetwork(join(dir, "none.bin")), "none.bin", "no such file");
  assert.throws(() => saveNetwork(join(dir, "no", "such", "x.bin"), sampleNet()), (e: unknown) => e instanceof SpikelabError && e.code === "io" && /its folder does not exist/.test(e.message));
});

test.run();

// Spiking networks survive spikelab's .snnet file (stdlib/io/snnfile.ts) bit for bit: networks
// each family's converter really produces (stdlib MLP and LeNet with batch norm and max pooling),
// every typed array with its element type, Infinity/NaN/-0, shared arrays; the reloaded network
// simulates to identical predictions and spike counts on real MNIST. Damaged, truncated and
// wrong-kind files are io errors naming the file and what is wrong.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { slice } from "../../stdlib/data/dataset.ts";
import { mnist } from "../../stdlib/data/mnist.ts";
import { SpikelabError } from "../../stdlib/errors.ts";
import { family } from "../../stdlib/families.ts";
import { decodeNetwork, encodeNetwork, loadNetwork, saveNetwork } from "../../stdlib/io/netfile.ts";
import { networkToJSON } from "../../stdlib/io/netjson.ts";
import { decodeSpikingNetwork, encodeSpikingNetwork, loadSpikingNetwork, saveSpikingNetwork } from "../../stdlib/io/snnfile.ts";
import { spikingFromJSON, spikingToJSON } from "../../stdlib/io/snnjson.ts";
import type { Family, ParamValue } from "../../stdlib/ir/rules.ts";
import { ruleSet, type DataRef } from "../../stdlib/ir/rules.ts";
import type { SimResult } from "../../stdlib/ir/results.ts";
import type { SpikingNetwork } from "../../stdlib/ir/spiking.ts";
import { loadStdlibModel } from "../../stdlib/models/registry.ts";

const dir = mkdtempSync(join(tmpdir(), "spikelab-snnfile-"));
const train: DataRef = { kind: "data", dataset: "mnist", split: "train", start: 0, end: 500 };
const data = slice(mnist("test"), 0, 100);

/** Every converted network of the round trip, by "model/family". */
const converted = new Map<string, SpikingNetwork>();

const cases: { model: string; family: Family; overrides: Record<string, ParamValue> }[] = [
  { model: "mlp", family: "rate", overrides: { norm_data: train } },
  { model: "mlp", family: "ttfs", overrides: { window_data: train } },
  { model: "mlp", family: "amos", overrides: { calib_data: train } },
  // Poisson input, a leak and spike read-out: the encoder's seed and a finite tau must survive.
  { model: "lenet_bn_max", family: "rate", overrides: { norm_data: train, input: "poisson", max_rate: 500, neuron: "lif", tau: 0.05, output: "spikes", seed: 7 } },
  { model: "lenet_bn_max", family: "ttfs", overrides: { window_data: train } },
  { model: "lenet_bn_max", family: "amos", overrides: { calib_data: train, form: "fs" } },
];

/** Where `a` and `b` differ in any bit, element type, key or prototype; undefined when identical. */
function difference(a: unknown, b: unknown, path = "snn"): string | undefined {
  if (typeof a === "number" || typeof b === "number") return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return a === b ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: ${Object.prototype.toString.call(a)} vs ${Object.prototype.toString.call(b)}`;
  if (ArrayBuffer.isView(a)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array((b as ArrayBufferView).buffer, (b as ArrayBufferView).byteOffset, (b as ArrayBufferView).byteLength);
    if (x.length !== y.length) return `${path}: ${x.length} vs ${y.length} bytes`;
    const i = x.findIndex((v, k) => v !== y[k]);
    return i < 0 ? undefined : `${path}: byte ${i} differs`;
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.join(",") !== kb.join(",")) return `${path}: keys ${ka.join(",")} vs ${kb.join(",")}`;
  for (const k of ka) {
    const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

function ioError(f: () => unknown, ...parts: string[]): SpikelabError {
  try {
    f();
  } catch (e) {
    assert.instance(e, SpikelabError, String(e));
    assert.is((e as SpikelabError).code, "io", (e as Error).message);
    for (const p of parts) assert.ok((e as Error).message.includes(p), `«${(e as Error).message}» should include «${p}»`);
    return e as SpikelabError;
  }
  return assert.unreachable("expected an io error") as never;
}

test("each family's converted MLP and LeNet round-trip bit for bit, element types kept", async () => {
  for (const c of cases) {
    const engine = family(c.family);
    const snn = await engine.convert!(loadStdlibModel(c.model).network, ruleSet(engine.schema, `t_${c.family}`, c.overrides), {});
    const key = `${c.model}/${c.family}`;
    converted.set(key, snn);
    const bytes = encodeSpikingNetwork(snn, { note: "test" });
    const back = decodeSpikingNetwork(bytes, `${key}.snnet`);
    assert.is(difference(snn, back.snn), undefined, key);
    assert.equal(back.metadata, { note: "test" });
    // Uncompressed blobs read the same.
    assert.is(difference(snn, decodeSpikingNetwork(encodeSpikingNetwork(snn, {}, { compress: false })).snn), undefined, `${key} uncompressed`);
    // And the description alone, arrays inline, through JSON text.
    assert.is(difference(snn, spikingFromJSON(JSON.parse(JSON.stringify(spikingToJSON(snn))))), undefined, `${key} inline JSON`);
  }
  // The element types the families chose, as reloaded.
  const ttfs = decodeSpikingNetwork(encodeSpikingNetwork(converted.get("mlp/ttfs")!)).snn;
  const hidden = ttfs.populations[1]!.neuron;
  assert.ok(hidden.kind === "ttfs" && hidden.threshold.data instanceof Float64Array);
  assert.instance(ttfs.projections[0]!.weight!.data, Float64Array);
  const rate = decodeSpikingNetwork(encodeSpikingNetwork(converted.get("lenet_bn_max/rate")!)).snn;
  assert.instance(rate.projections[0]!.weight!.data, Float32Array);
  assert.is(rate.rules.params.tau, 0.05);
  assert.is(rate.encoder.kind === "poisson" && rate.encoder.seed, 7);
  assert.is(decodeSpikingNetwork(encodeSpikingNetwork(converted.get("mlp/rate")!)).snn.rules.params.tau, Infinity);
  assert.equal(rate.rules.params.norm_data, train);
  // AMOS projections share their weights with the source network: stored once, shared again.
  const amos = converted.get("mlp/amos")!;
  const w = amos.projections[0]!.weight!.data;
  const srcNode = amos.source.nodes.find((n) => n.params.weight?.data === w);
  assert.ok(srcNode !== undefined, "the AMOS converter shares weights with its source");
  const amosBack = decodeSpikingNetwork(encodeSpikingNetwork(amos)).snn;
  assert.ok(amosBack.projections[0]!.weight!.data === amosBack.source.nodes.find((n) => n.id === srcNode.id)!.params.weight!.data);
  const once = encodeSpikingNetwork(amos, {}, { compress: false }).length;
  assert.ok(once < 1.2 * 4 * amos.source.nodes.reduce((s, n) => s + Object.values(n.params).reduce((t, p) => t + p.data.length, 0), 0), `${once} bytes: weights stored twice?`);
});

test("values JSON cannot hold: NaN payloads, -0, ±Infinity, denormals, integer arrays, undefined, $-keys", () => {
  const base = converted.get("mlp/rate")!;
  const weird = new Float64Array([NaN, -0, Infinity, -Infinity, 5e-324, -1.7976931348623157e308]);
  const payload = new DataView(new ArrayBuffer(8));
  payload.setUint32(0, 0x7ff80000 | 0x1234, true);
  payload.setUint32(4, 0x7ff4dead, true);
  const nanBits = new Float64Array(payload.buffer.slice(0));
  const f32 = new Float32Array([NaN, -0, 1e-45, 3.4028234663852886e38]);
  new Uint32Array(f32.buffer)[0] = 0x7fc0beef;
  const extra = {
    ...base,
    info: { ...base.info, weird: Array.from(weird), typed: weird, nan: nanBits, ints: new Int32Array([-2147483648, 0, 2147483647]), bytes: new Uint8Array([0, 255]) },
    populations: base.populations.map((p, i) => (i === 1 ? { ...p, bias: { shape: [4], data: f32 } } : p)),
    extension: { $ref: "kept as a key", undefinedValue: undefined, nested: [undefined, null, -0, { $number: "not a tag" }] },
  } as unknown as SpikingNetwork;
  const back = decodeSpikingNetwork(encodeSpikingNetwork(extra), "weird.snnet").snn;
  assert.is(difference(extra, back), undefined);
  assert.ok("undefinedValue" in (back as unknown as { extension: object }).extension);
  assert.is(new Uint32Array((back.populations[1]!.bias!.data as Float32Array).buffer)[0], 0x7fc0beef);
  assert.is(difference(extra, spikingFromJSON(JSON.parse(JSON.stringify(spikingToJSON(extra))))), undefined, "inline");
});

function sameRun(a: SimResult, b: SimResult, what: string): void {
  assert.equal(Array.from(b.predictions), Array.from(a.predictions), `${what}: predictions`);
  assert.is(b.spikesPerNeuron, a.spikesPerNeuron, `${what}: spikes per neuron`);
  assert.is(b.synapticOpsTotal, a.synapticOpsTotal, `${what}: synaptic operations`);
  assert.is(b.accuracy, a.accuracy, what);
  assert.is(difference(a.records, b.records, "records"), undefined, `${what}: spike trains`);
  assert.is(difference(a.rates, b.rates, "rates"), undefined, `${what}: spike counts per neuron`);
}

test("a reloaded spiking network simulates to identical predictions and spike counts on MNIST test[0:100]", async () => {
  for (const [key, snn] of converted) {
    const path = join(dir, `${key.replace("/", "_")}.snnet`);
    saveSpikingNetwork(path, snn);
    const back = loadSpikingNetwork(path).snn;
    const engine = family(snn.family);
    const opts = { workers: 1, record: [0, 3], ...(snn.family === "rate" ? { steps: 60 } : {}) };
    const a = await engine.simulate!(snn, data, opts, {});
    const b = await engine.simulate!(back, data, opts, {});
    sameRun(a, b, key);
    // Not a vacuous comparison: the runs classify MNIST and spike.
    assert.ok(a.accuracy > 0.8, `${key}: accuracy ${a.accuracy}`);
    assert.ok(a.spikesPerNeuron > 0, `${key}: no spikes`);
  }
});

test("wrong kind: a network file where a spiking network is expected, and the other way round", () => {
  const snnPath = join(dir, "kind.snnet");
  saveSpikingNetwork(snnPath, converted.get("mlp/ttfs")!);
  const netPath = join(dir, "kind.spikelab");
  saveNetwork(netPath, loadStdlibModel("mlp").network);
  let e = ioError(() => loadSpikingNetwork(netPath), "kind.spikelab", "holds a network, not a spiking network");
  assert.match(e.hint ?? "", /load it as a network/);
  e = ioError(() => loadNetwork(snnPath), "kind.snnet", "holds a spiking network, not a network");
  assert.match(e.hint ?? "", /\.snnet/);
  ioError(() => spikingFromJSON(networkToJSON(loadStdlibModel("mlp").network), { file: "n.json" }), "n.json", "holds a network, not a spiking network");
  ioError(() => decodeSpikingNetwork(new TextEncoder().encode("\x08\x07onnx-ish"), "m.onnx"), "m.onnx", "not a spikelab spiking network file");
  // The network format itself is unchanged by the shared container.
  const net = loadStdlibModel("mlp").network;
  assert.is(difference(net.nodes, decodeNetwork(encodeNetwork(net)).network.nodes, "nodes"), undefined);
});

test("damaged files are io errors naming the file and what is wrong", () => {
  const snn = converted.get("lenet_bn_max/ttfs")!;
  const good = encodeSpikingNetwork(snn);
  const write = (name: string, bytes: Uint8Array): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const magic = good.slice();
  magic[3] = 0x41;
  ioError(() => loadSpikingNetwork(write("magic.snnet", magic)), "magic.snnet", "not a spikelab spiking network file");
  ioError(() => loadSpikingNetwork(write("cut.snnet", good.subarray(0, good.length - 100))), "cut.snnet", "truncated", "bytes of arrays expected");
  ioError(() => loadSpikingNetwork(write("cuthead.snnet", good.subarray(0, 100))), "cuthead.snnet", "truncated: its description needs");
  ioError(() => loadSpikingNetwork(write("short.snnet", good.subarray(0, 12))), "short.snnet", "truncated inside its header");
  ioError(() => loadSpikingNetwork(write("long.snnet", Buffer.concat([good, Buffer.from([1, 2])]))), "long.snnet", "2 unexpected bytes after the arrays");
  const flipped = good.slice();
  flipped[flipped.length - 7]! ^= 0x04;
  ioError(() => loadSpikingNetwork(write("flip.snnet", flipped)), "flip.snnet", "do not match their checksum");
  const json = good.slice();
  json[20] = 0xff;
  ioError(() => decodeSpikingNetwork(json, "j.snnet"), "j.snnet", "not valid JSON");
  const version = good.slice();
  version[8] = 9;
  ioError(() => decodeSpikingNetwork(version, "v.snnet"), "v.snnet", "container version 9");

  // Rewrite the description (keeping the blob): each mistake named by its place.
  const len = new DataView(good.buffer).getUint32(12, true);
  const blobStart = 16 + len + ((4 - ((16 + len) % 4)) % 4);
  type H = Record<string, unknown> & { spiking: Record<string, unknown> & { populations: Record<string, unknown>[]; projections: Record<string, unknown>[] }; blob: Record<string, unknown> };
  const rewrite = (edit: (h: H) => void): Uint8Array => {
    const h = JSON.parse(new TextDecoder().decode(good.subarray(16, 16 + len))) as H;
    edit(h);
    const text = new TextEncoder().encode(JSON.stringify(h));
    const head = 16 + text.length;
    const pad = (4 - (head % 4)) % 4;
    const out = new Uint8Array(head + pad + good.length - blobStart);
    out.set(good.subarray(0, 16));
    new DataView(out.buffer).setUint32(12, text.length, true);
    out.set(text, 16);
    out.set(good.subarray(blobStart), head + pad);
    return out;
  };
  const hid = snn.populations[1]!.id;
  const proj = snn.projections[1]!.id;
  ioError(() => decodeSpikingNetwork(rewrite((h) => ((h.spiking.populations[1]!.neuron as Record<string, unknown>).kind = "lif")), "a.snnet"), "a.snnet", `population '${hid}' neuron.kind: expected one of if, ttfs, amos, integrator, relay, found "lif"`);
  ioError(() => decodeSpikingNetwork(rewrite((h) => (h.spiking.projections[1]!.to = "nowhere")), "b.snnet"), "b.snnet", `projection '${proj}' to: names no population ('nowhere'`);
  ioError(() => decodeSpikingNetwork(rewrite((h) => ((h.spiking.populations[1]!.neuron as Record<string, Record<string, unknown>>).threshold!.data = { $array: "float32", offset: 0, length: 2 })), "c.snnet"), "c.snnet", `population '${hid}' neuron.threshold.data: expected a Float64Array, found float32`);
  ioError(() => decodeSpikingNetwork(rewrite((h) => ((h.spiking.projections[0]!.weight as Record<string, Record<string, unknown>>).data!.offset = 1e9)), "d.snnet"), "d.snnet", "float64 values 1000000000..", "lie outside");
  ioError(() => decodeSpikingNetwork(rewrite((h) => (h.spiking.dtSeconds = { $number: "Nan" })), "e.snnet"), "e.snnet", "spiking.dtSeconds", "is not a special number");
  ioError(() => decodeSpikingNetwork(rewrite((h) => (h.spiking.family = "amos")), "f.snnet"), "f.snnet", "rules.family: expected amos");
  ioError(() => decodeSpikingNetwork(rewrite((h) => (h.version = 2)), "g.snnet"), "g.snnet", "format version 2");
  ioError(() => decodeSpikingNetwork(rewrite((h) => (h.blob.encoding = "zstd")), "h.snnet"), "h.snnet", 'unknown array encoding "zstd"');
  ioError(() => decodeSpikingNetwork(rewrite((h) => ((h.blob.segments as Record<string, unknown>[])[0]!.count = 3)), "i.snnet"), "i.snnet", "do not decompress");
  ioError(() => decodeSpikingNetwork(rewrite((h) => ((h.blob.segments as Record<string, unknown>[])[0]!.dtype = "float16")), "k.snnet"), "k.snnet", "blob segment 0", "known dtype");
  ioError(() => decodeSpikingNetwork(rewrite((h) => ((h.source as { nodes: { op: { kind: string } }[] }).nodes[1]!.op.kind = "convolution")), "l.snnet"), "l.snnet (source network)", 'unknown op kind "convolution"');
  ioError(() => loadSpikingNetwork(join(dir, "none.snnet")), "none.snnet", "no such file");
  ioError(() => saveSpikingNetwork(join(dir, "no", "such", "x.snnet"), snn), "its folder does not exist");
  // What cannot be written is refused on save, naming the field.
  ioError(() => encodeSpikingNetwork({ ...snn, info: { ...snn.info, when: new Date(0) } } as unknown as SpikingNetwork), "cannot save spiking network", "spiking network.info.when", "[object Date] is not plain data");
});

test.run();

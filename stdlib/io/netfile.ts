// spikelab's own weight file: one file holding a JSON description of the network IR (see
// netjson.ts) and one blob of float32 parameters, little-endian, whose offsets the JSON records.
// Save ⇄ load is bit for bit; damage anywhere is an io error naming the file. No other formats.
//
// Layout: "SPIKELAB" | u32 container version (1) | u32 JSON byte length L | L bytes of UTF-8 JSON |
// zero padding to a multiple of 4 | blob (blob.bytes bytes, CRC-32 blob.crc32). All integers LE.
// The blob holds blob.floats float32 values, LE, either as they are ("f32le") or, losslessly
// smaller, with their bytes split into four planes (all first bytes, then all second bytes, …)
// and deflated ("f32le-shuffle-deflate"): the sign/exponent plane of trained weights compresses well.

import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { SpikelabError } from "../errors.ts";
import type { Network } from "../ir/network.ts";
import { networkFromJSON, networkToJSON, type Json, type NetworkJson, type ParamJson } from "./netjson.ts";

const MAGIC = "SPIKELAB";
const CONTAINER_VERSION = 1;

export interface NetFile {
  readonly network: Network;
  /** Whatever the writer stored beside the network (training record, data, accuracy). */
  readonly metadata: Readonly<Record<string, Json>>;
}

interface HeaderJson extends NetworkJson {
  metadata: Record<string, Json>;
  blob: { bytes: number; crc32: number; floats: number; encoding: BlobEncoding };
}

export type BlobEncoding = "f32le" | "f32le-shuffle-deflate";

function shuffleDeflate(raw: Uint8Array): Uint8Array {
  const n = raw.length / 4;
  const planes = new Uint8Array(raw.length);
  for (let i = 0; i < n; i++) for (let k = 0; k < 4; k++) planes[k * n + i] = raw[i * 4 + k]!;
  return deflateRawSync(planes, { level: 9 });
}

function inflateUnshuffle(stored: Uint8Array, floats: number): Uint8Array {
  const planes = inflateRawSync(stored, { maxOutputLength: Math.max(1, floats * 4) });
  if (planes.length !== floats * 4) throw new Error(`${planes.length} bytes inflated, ${floats * 4} expected`);
  const raw = new Uint8Array(planes.length);
  for (let i = 0; i < floats; i++) for (let k = 0; k < 4; k++) raw[i * 4 + k] = planes[k * floats + i]!;
  return raw;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (the zlib / PNG polynomial). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The file's bytes for `net` (with or without parameters) and optional metadata. The blob is
 * compressed (losslessly) unless `compress` is false or compression would not make it smaller.
 */
export function encodeNetwork(net: Network, metadata: Readonly<Record<string, Json>> = {}, options: { compress?: boolean } = {}): Uint8Array {
  const json = networkToJSON(net, { params: "none" }) as HeaderJson;
  let floats = 0;
  json.nodes.forEach((nj, i) => {
    const params = net.nodes[i]!.params;
    if (Object.keys(params).length === 0) return;
    const out: Record<string, ParamJson> = {};
    for (const [k, t] of Object.entries(params)) {
      out[k] = { shape: [...t.shape], offset: floats, length: t.data.length };
      floats += t.data.length;
    }
    nj.params = out;
  });
  const raw = new Uint8Array(floats * 4);
  const dv = new DataView(raw.buffer);
  let at = 0;
  for (const n of net.nodes) {
    for (const t of Object.values(n.params)) {
      for (let i = 0; i < t.data.length; i++, at += 4) dv.setFloat32(at, t.data[i]!, true);
    }
  }
  const packed = options.compress === false || floats === 0 ? undefined : shuffleDeflate(raw);
  const blob = packed !== undefined && packed.length < raw.length ? packed : raw;
  json.metadata = { ...metadata };
  json.blob = { bytes: blob.length, crc32: crc32(blob), floats, encoding: blob === raw ? "f32le" : "f32le-shuffle-deflate" };
  const text = new TextEncoder().encode(JSON.stringify(json));
  const head = 16 + text.length;
  const pad = (4 - (head % 4)) % 4;
  const out = new Uint8Array(head + pad + blob.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const hv = new DataView(out.buffer);
  hv.setUint32(8, CONTAINER_VERSION, true);
  hv.setUint32(12, text.length, true);
  out.set(text, 16);
  out.set(blob, head + pad);
  return out;
}

function corrupt(file: string, what: string): SpikelabError {
  return new SpikelabError("io", `${file}: ${what}`, { hint: "the network file is damaged or incomplete; save or download it again" });
}

/** Parses a network file's bytes; `file` names it in errors. */
export function decodeNetwork(bytes: Uint8Array, file = "network file"): NetFile {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length < 8 || magic !== MAGIC) {
    const onnx = bytes.length > 2 && bytes[0] === 0x08;
    throw new SpikelabError("io", `${file}: not a spikelab network file (it does not start with "${MAGIC}")`, {
      hint: onnx ? "this looks like an ONNX model; load it as ONNX (a .onnx file name)" : "give a file written by spikelab's `save`",
    });
  }
  if (bytes.length < 16) throw corrupt(file, `truncated inside its header (${bytes.length} of 16 bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== CONTAINER_VERSION) {
    throw new SpikelabError("io", `${file}: container version ${version} is not one this spikelab reads (${CONTAINER_VERSION})`, { hint: "update spikelab, or save the network again with this version" });
  }
  const len = dv.getUint32(12, true);
  if (16 + len > bytes.length) throw corrupt(file, `truncated: its description needs ${len} bytes, only ${bytes.length - 16} follow the header`);
  let header: HeaderJson;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(16, 16 + len))) as HeaderJson;
  } catch (e) {
    throw corrupt(file, `its network description is not valid JSON (${(e as Error).message})`);
  }
  const blobInfo = (header as { blob?: unknown }).blob as { bytes?: unknown; crc32?: unknown; floats?: unknown; encoding?: unknown } | undefined;
  if (typeof blobInfo !== "object" || blobInfo === null || typeof blobInfo.bytes !== "number" || typeof blobInfo.crc32 !== "number" || typeof blobInfo.floats !== "number" || !Number.isInteger(blobInfo.floats) || blobInfo.floats < 0) {
    throw corrupt(file, "its description lacks a valid blob record (bytes, crc32, floats, encoding)");
  }
  const encoding = blobInfo.encoding;
  if (encoding !== "f32le" && encoding !== "f32le-shuffle-deflate") throw corrupt(file, `unknown parameter encoding ${JSON.stringify(encoding)}`);
  const floats = blobInfo.floats;
  if (encoding === "f32le" && blobInfo.bytes !== floats * 4) throw corrupt(file, `its blob record is inconsistent (${blobInfo.bytes} bytes for ${floats} float32 values)`);
  const start = 16 + len + ((4 - ((16 + len) % 4)) % 4);
  const have = bytes.length - start;
  if (have < blobInfo.bytes) throw corrupt(file, `truncated: ${blobInfo.bytes} bytes of parameters expected, ${Math.max(0, have)} found`);
  if (have > blobInfo.bytes) throw corrupt(file, `${have - blobInfo.bytes} unexpected bytes after the parameters`);
  const stored = bytes.subarray(start, start + blobInfo.bytes);
  if (crc32(stored) !== blobInfo.crc32) throw corrupt(file, "the parameters do not match their checksum (the file was altered or damaged)");
  let blob = stored;
  if (encoding === "f32le-shuffle-deflate") {
    try {
      blob = inflateUnshuffle(stored, floats);
    } catch (e) {
      throw corrupt(file, `its compressed parameters do not decompress (${(e as Error).message})`);
    }
  }
  const bv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const network = networkFromJSON(header, {
    file,
    blob: (where, offset, length) => {
      if (offset + length > floats) throw corrupt(file, `${where}: values ${offset}..${offset + length} lie outside the ${floats} stored`);
      const out = new Float32Array(length);
      for (let i = 0; i < length; i++) out[i] = bv.getFloat32((offset + i) * 4, true);
      return out;
    },
  });
  const metadata = header.metadata;
  return { network, metadata: typeof metadata === "object" && metadata !== null && !Array.isArray(metadata) ? metadata : {} };
}

/** Writes `net` to `path` (atomically: a temporary file renamed into place). */
export function saveNetwork(path: string, net: Network, metadata: Readonly<Record<string, Json>> = {}): void {
  const bytes = encodeNetwork(net, metadata);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpikelabError("io", `cannot write ${path} (${code === "ENOENT" ? "its folder does not exist" : code ?? String(e)})`, { hint: "check the path and that the folder exists and is writable", cause: e });
  }
}

/** Reads a network written by saveNetwork. */
export function loadNetwork(path: string): NetFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpikelabError("io", `${path}: cannot be read (${code === "ENOENT" ? "no such file" : code ?? String(e)})`, { cause: e });
  }
  return decodeNetwork(bytes, path);
}

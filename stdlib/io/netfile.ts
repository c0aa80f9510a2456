// spikelab's own weight file: one file holding a JSON description of the network IR (see
// netjson.ts) and one blob of float32 parameters, little-endian, whose offsets the JSON records.
// Save ⇄ load is bit for bit; damage anywhere is an io error naming the file. No other formats.
//
// Layout (container.ts, shared with spiking network files): "SPIKELAB" | u32 container version (1) |
// u32 JSON byte length L | L bytes of UTF-8 JSON (format "spikelab-network") | zero padding to a
// multiple of 4 | blob (blob.bytes bytes, CRC-32 blob.crc32). All integers LE. The blob holds
// blob.floats float32 values, LE, either as they are ("f32le") or, losslessly smaller, with their
// bytes split into four planes (all first bytes, then all second bytes, …) and deflated
// ("f32le-shuffle-deflate"): the sign/exponent plane of trained weights compresses well.

import { deflateRawSync, inflateRawSync } from "node:zlib";
import { SpikelabError } from "../errors.ts";
import type { Network } from "../ir/network.ts";
import { crc32, packContainer, readFileBytes, shuffleBytes, storedBlob, unpackContainer, unshuffleBytes, writeFileAtomic } from "./container.ts";
import { networkFromJSON, networkToJSON, type Json, type NetworkJson, type ParamJson } from "./netjson.ts";

export { crc32 };

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

function inflateUnshuffle(stored: Uint8Array, floats: number): Uint8Array {
  const planes = inflateRawSync(stored, { maxOutputLength: Math.max(1, floats * 4) });
  if (planes.length !== floats * 4) throw new Error(`${planes.length} bytes inflated, ${floats * 4} expected`);
  return unshuffleBytes(planes, 4);
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
  const packed = options.compress === false || floats === 0 ? undefined : deflateRawSync(shuffleBytes(raw, 4), { level: 9 });
  const blob = packed !== undefined && packed.length < raw.length ? packed : raw;
  json.metadata = { ...metadata };
  json.blob = { bytes: blob.length, crc32: crc32(blob), floats, encoding: blob === raw ? "f32le" : "f32le-shuffle-deflate" };
  return packContainer(json, blob);
}

function corrupt(file: string, what: string): SpikelabError {
  return new SpikelabError("io", `${file}: ${what}`, { hint: "the network file is damaged or incomplete; save or download it again" });
}

/** Parses a network file's bytes; `file` names it in errors. */
export function decodeNetwork(bytes: Uint8Array, file = "network file"): NetFile {
  const bad = (what: string): SpikelabError => corrupt(file, what);
  const { header: raw, blobStart } = unpackContainer(bytes, file, "spikelab-network", bad);
  const header = raw as unknown as HeaderJson;
  const blobInfo = (header as { blob?: unknown }).blob as { bytes?: unknown; crc32?: unknown; floats?: unknown; encoding?: unknown } | undefined;
  if (typeof blobInfo !== "object" || blobInfo === null || typeof blobInfo.bytes !== "number" || typeof blobInfo.crc32 !== "number" || typeof blobInfo.floats !== "number" || !Number.isInteger(blobInfo.floats) || blobInfo.floats < 0) {
    throw bad("its description lacks a valid blob record (bytes, crc32, floats, encoding)");
  }
  const encoding = blobInfo.encoding;
  if (encoding !== "f32le" && encoding !== "f32le-shuffle-deflate") throw bad(`unknown parameter encoding ${JSON.stringify(encoding)}`);
  const floats = blobInfo.floats;
  if (encoding === "f32le" && blobInfo.bytes !== floats * 4) throw bad(`its blob record is inconsistent (${blobInfo.bytes} bytes for ${floats} float32 values)`);
  const stored = storedBlob(bytes, blobStart, blobInfo.bytes, blobInfo.crc32, "parameters", bad);
  let blob = stored;
  if (encoding === "f32le-shuffle-deflate") {
    try {
      blob = inflateUnshuffle(stored, floats);
    } catch (e) {
      throw bad(`its compressed parameters do not decompress (${(e as Error).message})`);
    }
  }
  const bv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const network = networkFromJSON(header, {
    file,
    blob: (where, offset, length) => {
      if (offset + length > floats) throw bad(`${where}: values ${offset}..${offset + length} lie outside the ${floats} stored`);
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
  writeFileAtomic(path, encodeNetwork(net, metadata));
}

/** Reads a network written by saveNetwork. */
export function loadNetwork(path: string): NetFile {
  return decodeNetwork(readFileBytes(path), path);
}

// spikelab's spiking network file (.snnet in the language): the container of netfile.ts
// (container.ts) holding the spiking IR's JSON (snnjson.ts) and one blob of every typed array,
// one segment per element type. Save ⇄ load is bit for bit, element types kept; damage anywhere,
// or a network file given instead, is an io error naming the file. It must not convert or simulate.
//
// JSON: {format: "spikelab-spiking-network", version: 1, spiking, source, metadata, blob}, where
// blob = {bytes, crc32, encoding, segments: [{dtype, count}, …]}. The raw blob is the segments'
// little-endian values back to back, in that order; "le" stores it as it is, "le-shuffle-deflate"
// splits each segment into byte planes of its element width and deflates the lot (lossless).

import { deflateRawSync, inflateRawSync } from "node:zlib";
import { SpikelabError } from "../errors.ts";
import type { SpikingNetwork } from "../ir/spiking.ts";
import { crc32, packContainer, readFileBytes, shuffleBytes, storedBlob, unpackContainer, unshuffleBytes, writeFileAtomic } from "./container.ts";
import type { Json } from "./netjson.ts";
import { spikingFromJSON, spikingToJSON } from "./snnjson.ts";
import { ArrayTable, DTYPES, fromLeBytes, type DType, type TypedArray } from "./valuejson.ts";

export interface SnnFile {
  readonly snn: SpikingNetwork;
  /** Whatever the writer stored beside it (who saved it, on what data it was checked). */
  readonly metadata: Readonly<Record<string, Json>>;
}

export type SnnBlobEncoding = "le" | "le-shuffle-deflate";

interface Segment {
  dtype: DType;
  count: number;
}

/**
 * The file's bytes for `snn` and optional metadata. The blob is compressed (losslessly) unless
 * `compress` is false or compression would not make it smaller.
 */
export function encodeSpikingNetwork(snn: SpikingNetwork, metadata: Readonly<Record<string, Json>> = {}, options: { compress?: boolean } = {}): Uint8Array {
  const table = new ArrayTable();
  const json = spikingToJSON(snn, table);
  const segments = table.layout();
  const raw = concat(segments.map((s) => s.bytes));
  // Level 6, not 9: on float64 weights 9 takes ~15x as long for 0.1 % fewer bytes.
  const planes = raw.length === 0 || options.compress === false ? undefined : concat(segments.map((s) => shuffleBytes(s.bytes, DTYPES[s.dtype].BYTES_PER_ELEMENT)));
  const packed = planes === undefined ? undefined : deflateRawSync(planes, { level: 6 });
  const blob = packed !== undefined && packed.length < raw.length ? packed : raw;
  const encoding: SnnBlobEncoding = blob === raw ? "le" : "le-shuffle-deflate";
  const header = {
    ...json,
    metadata: { ...metadata },
    blob: { bytes: blob.length, crc32: crc32(blob), encoding, segments: segments.map((s): Segment => ({ dtype: s.dtype, count: s.count })) },
  };
  return packContainer(header, blob);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function corrupt(file: string, what: string): SpikelabError {
  return new SpikelabError("io", `${file}: ${what}`, { hint: "the spiking network file is damaged or incomplete; save it again" });
}

function segmentsOf(v: unknown, bad: (what: string) => SpikelabError): Segment[] {
  if (!Array.isArray(v)) throw bad("its blob record lacks its segments (a list of {dtype, count})");
  const seen = new Set<string>();
  return v.map((s: unknown, i) => {
    const o = s as { dtype?: unknown; count?: unknown } | null;
    if (typeof o !== "object" || o === null || typeof o.dtype !== "string" || !(o.dtype in DTYPES) || typeof o.count !== "number" || !Number.isInteger(o.count) || o.count < 0) {
      throw bad(`blob segment ${i} is not {dtype, count} with a known dtype (${Object.keys(DTYPES).join(", ")}): ${JSON.stringify(s)}`);
    }
    if (seen.has(o.dtype)) throw bad(`blob segment ${i}: a second ${o.dtype} segment`);
    seen.add(o.dtype);
    return { dtype: o.dtype as DType, count: o.count };
  });
}

/** Parses a spiking network file's bytes; `file` names it in errors. */
export function decodeSpikingNetwork(bytes: Uint8Array, file = "spiking network file"): SnnFile {
  const bad = (what: string): SpikelabError => corrupt(file, what);
  const { header, blobStart } = unpackContainer(bytes, file, "spikelab-spiking-network", bad);
  const info = header.blob as { bytes?: unknown; crc32?: unknown; encoding?: unknown; segments?: unknown } | undefined;
  if (typeof info !== "object" || info === null || typeof info.bytes !== "number" || !Number.isInteger(info.bytes) || info.bytes < 0 || typeof info.crc32 !== "number") {
    throw bad("its description lacks a valid blob record (bytes, crc32, encoding, segments)");
  }
  const encoding = info.encoding;
  if (encoding !== "le" && encoding !== "le-shuffle-deflate") throw bad(`unknown array encoding ${JSON.stringify(encoding)}`);
  const segments = segmentsOf(info.segments, bad);
  const widths = segments.map((s) => s.count * DTYPES[s.dtype].BYTES_PER_ELEMENT);
  const rawBytes = widths.reduce((a, b) => a + b, 0);
  if (encoding === "le" && info.bytes !== rawBytes) throw bad(`its blob record is inconsistent (${info.bytes} bytes for segments of ${rawBytes})`);
  const stored = storedBlob(bytes, blobStart, info.bytes, info.crc32, "arrays", bad);
  let raw = stored;
  if (encoding === "le-shuffle-deflate") {
    try {
      const planes = inflateRawSync(stored, { maxOutputLength: Math.max(1, rawBytes) });
      if (planes.length !== rawBytes) throw new Error(`${planes.length} bytes inflated, ${rawBytes} expected`);
      let at = 0;
      raw = concat(segments.map((s, i) => unshuffleBytes(planes.subarray(at, (at += widths[i]!)), DTYPES[s.dtype].BYTES_PER_ELEMENT)));
    } catch (e) {
      throw bad(`its compressed arrays do not decompress (${(e as Error).message})`);
    }
  }
  const whole = new Map<DType, TypedArray>();
  let at = 0;
  segments.forEach((s, i) => {
    whole.set(s.dtype, fromLeBytes(s.dtype, raw.subarray(at, at + widths[i]!)));
    at += widths[i]!;
  });
  // One object per reference, so arrays stored once for several fields come back shared.
  const made = new Map<string, TypedArray>();
  const snn = spikingFromJSON(header, {
    file,
    arrays: (where, dtype, offset, length) => {
      const seg = whole.get(dtype);
      if (seg === undefined || offset + length > seg.length) throw bad(`${where}: ${dtype} values ${offset}..${offset + length} lie outside the ${seg?.length ?? 0} stored`);
      const key = `${dtype}:${offset}:${length}`;
      let a = made.get(key);
      if (a === undefined) made.set(key, (a = seg.slice(offset, offset + length)));
      return a;
    },
  });
  const metadata = header.metadata;
  return { snn, metadata: typeof metadata === "object" && metadata !== null && !Array.isArray(metadata) ? (metadata as Record<string, Json>) : {} };
}

/** Writes `snn` to `path` (atomically: a temporary file renamed into place). */
export function saveSpikingNetwork(path: string, snn: SpikingNetwork, metadata: Readonly<Record<string, Json>> = {}): void {
  writeFileAtomic(path, encodeSpikingNetwork(snn, metadata));
}

/** Reads a spiking network written by saveSpikingNetwork. */
export function loadSpikingNetwork(path: string): SnnFile {
  return decodeSpikingNetwork(readFileBytes(path), path);
}

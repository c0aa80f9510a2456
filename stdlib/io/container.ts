// The byte container spikelab's own files share (networks: netfile.ts, spiking networks:
// snnfile.ts): magic, version, a JSON description, a CRC-checked binary blob, and byte-plane
// shuffling for lossless compression. It must not know what the JSON or the blob mean.
//
// Layout: "SPIKELAB" | u32 container version (1) | u32 JSON byte length L | L bytes of UTF-8 JSON |
// zero padding to a multiple of 4 | blob (blob.bytes bytes, CRC-32 blob.crc32). All integers LE.
// The JSON's `format` field says which kind of file it is.

import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { SpikelabError } from "../errors.ts";

export const MAGIC = "SPIKELAB";
export const CONTAINER_VERSION = 1;

/** What a container holds, as its JSON's `format` field names it. */
export type FileKind = "spikelab-network" | "spikelab-spiking-network";

const KIND_NOUN: Readonly<Record<FileKind, string>> = { "spikelab-network": "network", "spikelab-spiking-network": "spiking network" };

/** How to read each kind when it is given where the other was expected. */
const KIND_HINT: Readonly<Record<FileKind, string>> = {
  "spikelab-network": "a network (ANN) file: load it as a network, e.g. `load net from \"x.spikelab\"`, then convert it",
  "spikelab-spiking-network": "a spiking network file: load it as one (a .snnet file name in the language, or loadSpikingNetwork in TypeScript)",
};

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
 * Splits values of `width` bytes into `width` planes (all first bytes, then all second bytes, …):
 * the sign/exponent plane of trained weights is nearly constant, so deflate then compresses well.
 */
export function shuffleBytes(raw: Uint8Array, width: number): Uint8Array {
  const n = raw.length / width;
  const planes = new Uint8Array(raw.length);
  for (let i = 0; i < n; i++) for (let k = 0; k < width; k++) planes[k * n + i] = raw[i * width + k]!;
  return planes;
}

/** Inverse of shuffleBytes. */
export function unshuffleBytes(planes: Uint8Array, width: number): Uint8Array {
  const n = planes.length / width;
  const raw = new Uint8Array(planes.length);
  for (let i = 0; i < n; i++) for (let k = 0; k < width; k++) raw[i * width + k] = planes[k * n + i]!;
  return raw;
}

/** The file's bytes: `header` (its `blob` record filled in by the caller) and the stored blob. */
export function packContainer(header: object, blob: Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(header));
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

export type Corrupt = (what: string) => SpikelabError;

/**
 * Checks magic, version and description, and that the description is of `kind`; returns the
 * parsed description and where the blob starts. A file of the other kind is an io error saying so.
 */
export function unpackContainer(bytes: Uint8Array, file: string, kind: FileKind, corrupt: Corrupt): { header: Record<string, unknown>; blobStart: number } {
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (bytes.length < 8 || magic !== MAGIC) {
    const onnx = bytes.length > 2 && bytes[0] === 0x08;
    throw new SpikelabError("io", `${file}: not a spikelab ${KIND_NOUN[kind]} file (it does not start with "${MAGIC}")`, {
      hint: onnx ? "this looks like an ONNX model; load it as ONNX (a .onnx file name)" : "give a file written by spikelab's `save`",
    });
  }
  if (bytes.length < 16) throw corrupt(`truncated inside its header (${bytes.length} of 16 bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== CONTAINER_VERSION) {
    throw new SpikelabError("io", `${file}: container version ${version} is not one this spikelab reads (${CONTAINER_VERSION})`, { hint: `update spikelab, or save the ${KIND_NOUN[kind]} again with this version` });
  }
  const len = dv.getUint32(12, true);
  if (16 + len > bytes.length) throw corrupt(`truncated: its description needs ${len} bytes, only ${bytes.length - 16} follow the header`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(16, 16 + len)));
  } catch (e) {
    throw corrupt(`its ${KIND_NOUN[kind]} description is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw corrupt(`its description is not a JSON object`);
  const found = (header as { format?: unknown }).format;
  const other = (Object.keys(KIND_NOUN) as FileKind[]).find((k) => k !== kind && k === found);
  if (other !== undefined) {
    throw new SpikelabError("io", `${file}: holds a ${KIND_NOUN[other]}, not a ${KIND_NOUN[kind]}`, { hint: `this is ${KIND_HINT[other]}` });
  }
  return { header: header as Record<string, unknown>, blobStart: 16 + len + ((4 - ((16 + len) % 4)) % 4) };
}

/** The stored blob after the description: exactly `size` bytes whose CRC-32 is `crc`. */
export function storedBlob(bytes: Uint8Array, blobStart: number, size: number, crc: number, what: string, corrupt: Corrupt): Uint8Array {
  const have = bytes.length - blobStart;
  if (have < size) throw corrupt(`truncated: ${size} bytes of ${what} expected, ${Math.max(0, have)} found`);
  if (have > size) throw corrupt(`${have - size} unexpected bytes after the ${what}`);
  const stored = bytes.subarray(blobStart, blobStart + size);
  if (crc32(stored) !== crc) throw corrupt(`the ${what} do not match their checksum (the file was altered or damaged)`);
  return stored;
}

/** Writes `bytes` to `path` atomically (a temporary file renamed into place). */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpikelabError("io", `cannot write ${path} (${code === "ENOENT" ? "its folder does not exist" : code ?? String(e)})`, { hint: "check the path and that the folder exists and is writable", cause: e });
  }
}

/** A whole file's bytes; a missing or unreadable file is an io error naming it. */
export function readFileBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpikelabError("io", `${path}: cannot be read (${code === "ENOENT" ? "no such file" : code ?? String(e)})`, { cause: e });
  }
}

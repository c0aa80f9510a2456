// Reads IDX files (the format of MNIST and Fashion-MNIST), plain or gzipped, and checks them
// strictly: a wrong magic number, a truncated body or trailing bytes are io errors naming the
// file. It knows nothing of which dataset a file belongs to.

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { SpikelabError } from "../errors.ts";

export interface IdxArray {
  /** Dimension sizes from the header, e.g. [60000, 28, 28]. */
  readonly dims: readonly number[];
  /** The body, one unsigned byte per element, row-major. */
  readonly data: Uint8Array;
}

const TYPE_NAMES: Readonly<Record<number, string>> = { 0x08: "unsigned byte", 0x09: "signed byte", 0x0b: "short", 0x0c: "int", 0x0d: "float", 0x0e: "double" };

function corrupt(file: string, what: string, hint?: string): SpikelabError {
  return new SpikelabError("io", `${file}: ${what}`, { hint: hint ?? "the file is damaged or not an IDX file; download or reinstall it" });
}

/** Parses the bytes of one IDX file; `file` only names it in errors. Only unsigned-byte bodies are accepted. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw corrupt(file, `is ${bytes.length} bytes long, too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
    throw corrupt(file, `wrong magic number 0x${magic} (an IDX file starts with 0x0000 followed by a type byte and a dimension count)`);
  }
  const type = bytes[2]!;
  const ndims = bytes[3]!;
  if (type !== 0x08) {
    const name = TYPE_NAMES[type];
    throw corrupt(file, name === undefined ? `wrong magic number: unknown element type 0x${type.toString(16).padStart(2, "0")}` : `holds ${name} elements; spikelab reads only unsigned-byte IDX files`);
  }
  if (ndims === 0) throw corrupt(file, "wrong magic number: the header declares 0 dimensions");
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) throw corrupt(file, `is truncated inside its header (${bytes.length} of ${headerBytes} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    count *= d;
  }
  const have = bytes.length - headerBytes;
  if (have < count) {
    throw corrupt(file, `is truncated: its header declares ${dims.join("x")} = ${count} bytes of data, but only ${have} follow`);
  }
  if (have > count) {
    throw corrupt(file, `has ${have - count} bytes after the ${dims.join("x")} data its header declares (wrong count in the header?)`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Reads and parses an IDX file; gzip is detected by its magic bytes, whatever the name. */
export function readIdx(file: string): IdxArray {
  let raw: Uint8Array;
  try {
    raw = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpikelabError("io", `${file}: cannot be read (${code === "ENOENT" ? "no such file" : code ?? String(e)})`, { cause: e });
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (e) {
      throw corrupt(file, `is not a valid gzip file (${(e as Error).message})`);
    }
  }
  return parseIdx(raw, file);
}

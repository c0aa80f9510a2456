// ONNX files in and out: `load net from "model.onnx"` and `save net to "model.onnx"`. Reads the
// bytes (decoding and checks in onnx-proto.ts), translates the graph (onnx-import.ts) and writes
// networks (onnx-write.ts). File system access for ONNX lives here and nowhere else.

import { readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { SpikelabError } from "../errors.ts";
import type { Network } from "../ir/network.ts";
import { importModel } from "./onnx-import.ts";
import { decodeModel } from "./onnx-proto.ts";
import { encodeOnnx, type OnnxWriteOptions } from "./onnx-write.ts";

export { encodeOnnx, type OnnxWriteOptions } from "./onnx-write.ts";
export { MAX_OPSET, MIN_OPSET } from "./onnx-import.ts";

/** Models bigger than this are refused before reading (weights are held as float32 and float64 while importing). */
export const MAX_ONNX_BYTES = 2 * 1024 ** 3;

/** A network from ONNX bytes; `file` names them in errors, `name` names the network. */
export function importOnnx(bytes: Uint8Array, options: { file?: string; name?: string } = {}): Network {
  const file = options.file ?? "ONNX model";
  const model = decodeModel(bytes, file);
  const fallback = basename(file, extname(file)).replace(/[^A-Za-z0-9_]+/g, "_") || "onnx_model";
  return importModel(model, file, options.name ?? fallback);
}

/** Reads `path` as an ONNX model; a missing, unreadable, wrong or damaged file is a SpikelabError('io'). */
export function loadOnnx(path: string, options: { name?: string } = {}): Network {
  let bytes: Uint8Array;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new SpikelabError("io", `${path} is a folder, not an ONNX file`, { hint: "give the path of the .onnx file inside it" });
    if (st.size > MAX_ONNX_BYTES) throw new SpikelabError("resource", `${path} is ${(st.size / 1024 ** 3).toFixed(1)} GiB, more than spikelab imports`, { hint: "spikelab's networks are small conversion targets; export a smaller model" });
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof SpikelabError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpikelabError("io", code === "ENOENT" ? `${path} not found` : `cannot read ${path} (${code ?? String(e)})`, { hint: code === "ENOENT" ? "check the path; relative paths start at the notebook's or program's folder" : "check the file's permissions", cause: e });
  }
  return importOnnx(bytes, { file: path, ...(options.name === undefined ? {} : { name: options.name }) });
}

/** Writes `net` as an ONNX model (atomically: a crash leaves the old file or none). */
export function saveOnnx(path: string, net: Network, options: OnnxWriteOptions = {}): void {
  const bytes = encodeOnnx(net, options);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    throw new SpikelabError("io", `cannot write ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { hint: "check that the folder exists and is writable", cause: e });
  }
}

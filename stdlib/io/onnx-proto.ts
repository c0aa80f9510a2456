// The ONNX protobuf layer: bytes → ModelProto (official onnx.proto, compiled by the onnx-buf
// package for @bufbuild/protobuf), with every way a file can be wrong turned into an io error,
// and readers for tensors and node attributes. It knows the wire format, not what ops mean:
// translating a graph into spikelab's IR is onnx-import.ts's job.

import { fromBinary } from "@bufbuild/protobuf";
import {
  AttributeProto_AttributeType,
  ModelProtoSchema,
  TensorProto_DataLocation,
  TensorProto_DataType,
  type AttributeProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from "onnx-buf";
import { SpikelabError } from "../errors.ts";

/** A tensor whose values are known while importing: weights, constants, shape arithmetic. */
export interface ConstTensor {
  readonly dims: readonly number[];
  /**
   * Values in row-major order. Integer tensors hold whole numbers; in shape arithmetic the
   * batch size, unknown until run time, is NaN (see onnx-import.ts).
   */
  readonly values: Float64Array;
  readonly integer: boolean;
}

const size = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** What a file that is not ONNX starts with, so the error can say what it is instead. */
const SIGNATURES: readonly { readonly bytes: readonly number[]; readonly what: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], what: "a PNG image" },
  { bytes: [0xff, 0xd8, 0xff], what: "a JPEG image" },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: "a GIF image" },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: "a PDF document" },
  { bytes: [0x1f, 0x8b], what: "a gzip archive" },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: "a ZIP archive (a PyTorch .pt/.pth checkpoint or a Keras .keras file is one)" },
  { bytes: [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], what: "an HDF5 file (a Keras .h5 model or a NIR file is one)" },
  { bytes: [0x53, 0x50, 0x49, 0x4b, 0x45, 0x4c, 0x41, 0x42], what: "a spikelab network file" },
  { bytes: [0x80], what: "a Python pickle (a PyTorch checkpoint saved without zip is one)" },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: "an executable (ELF)" },
];

function sniff(bytes: Uint8Array): string | undefined {
  for (const s of SIGNATURES) if (bytes.length >= s.bytes.length && s.bytes.every((b, i) => bytes[i] === b)) return s.what;
  const head = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, 64)).trimStart();
  if (head.startsWith("{") || head.startsWith("[")) return "a JSON text";
  if (head.startsWith("<")) return "an XML/HTML text";
  return undefined;
}

const ioError = (file: string, message: string, hint: string, cause?: unknown): SpikelabError =>
  new SpikelabError("io", `${file}: ${message}`, { hint, ...(cause === undefined ? {} : { cause }) });

const REEXPORT = "export the model again, e.g. torch.onnx.export(model, example, \"model.onnx\", opset_version=13), or check the download";

/** Decodes an ONNX file's bytes; everything that makes it not a usable model is an io error naming `file`. */
export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  if (bytes.length === 0) throw ioError(file, "the file is empty (0 bytes), not an ONNX model", REEXPORT);
  const what = sniff(bytes);
  if (what !== undefined) throw ioError(file, `this is ${what}, not an ONNX model`, "load an .onnx file written by an ONNX exporter (torch.onnx.export, tf2onnx, keras2onnx)");
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: false });
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw ioError(file, `not a readable ONNX model: the protobuf data is corrupt or truncated (${detail})`, REEXPORT, e);
  }
  // Random or cut bytes can still parse as some protobuf; a real model has all of these.
  const graph = model.graph;
  if (graph === undefined || model.irVersion <= 0n || (graph.node.length === 0 && graph.output.length === 0)) {
    const missing = graph === undefined ? "no graph" : model.irVersion <= 0n ? "no IR version" : "an empty graph";
    throw ioError(file, `not a usable ONNX model: it has ${missing} (${bytes.length} bytes; corrupt, truncated, or not ONNX)`, REEXPORT);
  }
  return model;
}

/** Dims of a tensor as numbers; a negative or absurd dim means a damaged file. */
function dimsOf(t: TensorProto, file: string, what: string): number[] {
  return t.dims.map((d) => {
    const n = Number(d);
    if (!Number.isSafeInteger(n) || n < 0) throw ioError(file, `${what} has an invalid dimension ${d}`, REEXPORT);
    return n;
  });
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f === 0 ? s * Infinity : NaN;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(TensorProto_DataType).filter(([, v]) => typeof v === "number").map(([k, v]) => [v as number, k]),
);

export function dataTypeName(t: number): string {
  return TYPE_NAMES[t] ?? `type ${t}`;
}

/** The values of a TensorProto (initializer or constant). `what` names it in errors. */
export function readTensor(t: TensorProto, file: string, what: string): ConstTensor {
  const dims = dimsOf(t, file, what);
  const n = size(dims);
  if (t.dataLocation === TensorProto_DataLocation.EXTERNAL) {
    throw ioError(file, `${what} keeps its values in an external data file, which spikelab does not read`, "save the model with its weights inside: onnx.save_model(model, path, save_as_external_data=False)");
  }
  const raw = t.rawData;
  const hasRaw = raw.length > 0;
  const dt = t.dataType;
  const out = new Float64Array(n);
  const view = hasRaw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const need = (bytesEach: number, listLength: number): void => {
    const got = hasRaw ? raw.length / bytesEach : listLength;
    if (got !== n) {
      throw ioError(file, `${what} (${dataTypeName(dt)}, ${dims.join("x") || "scalar"}) should hold ${n} values but holds ${got}: the file is corrupt or truncated`, REEXPORT);
    }
  };
  let integer = false;
  switch (dt) {
    case TensorProto_DataType.FLOAT:
      need(4, t.floatData.length);
      for (let i = 0; i < n; i++) out[i] = view ? view.getFloat32(i * 4, true) : t.floatData[i]!;
      break;
    case TensorProto_DataType.DOUBLE:
      need(8, t.doubleData.length);
      for (let i = 0; i < n; i++) out[i] = view ? view.getFloat64(i * 8, true) : t.doubleData[i]!;
      break;
    case TensorProto_DataType.FLOAT16:
      need(2, t.int32Data.length);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view ? view.getUint16(i * 2, true) : t.int32Data[i]!);
      break;
    case TensorProto_DataType.INT64:
      integer = true;
      need(8, t.int64Data.length);
      for (let i = 0; i < n; i++) out[i] = Number(view ? view.getBigInt64(i * 8, true) : t.int64Data[i]!);
      break;
    case TensorProto_DataType.INT32:
      integer = true;
      need(4, t.int32Data.length);
      for (let i = 0; i < n; i++) out[i] = view ? view.getInt32(i * 4, true) : t.int32Data[i]!;
      break;
    case TensorProto_DataType.INT8:
    case TensorProto_DataType.UINT8:
    case TensorProto_DataType.BOOL:
      integer = true;
      need(1, t.int32Data.length);
      for (let i = 0; i < n; i++) out[i] = view ? (dt === TensorProto_DataType.INT8 ? view.getInt8(i) : view.getUint8(i)) : t.int32Data[i]!;
      break;
    default:
      throw ioError(file, `${what} has element type ${dataTypeName(dt)}, which spikelab cannot read`, "export the model with float32 weights");
  }
  return { dims, values: out, integer };
}

/** The shortest decimal whose float32 is the float32 of `x`: what the writer of the file meant. */
export function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f) || f === 0) return f;
  for (let p = 1; p <= 9; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return d;
  }
  return f;
}

// --- attributes ------------------------------------------------------------------------------

/** Reads a node's attributes by name, checking their types; unknown ones are reported by the importer. */
export class Attributes {
  private readonly byName: Map<string, AttributeProto>;
  readonly used = new Set<string>();

  constructor(private readonly node: NodeProto, private readonly where: string) {
    this.byName = new Map(node.attribute.map((a) => [a.name, a]));
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  private get(name: string, type: AttributeProto_AttributeType): AttributeProto | undefined {
    const a = this.byName.get(name);
    if (a === undefined) return undefined;
    this.used.add(name);
    // Old exporters leave `type` unset; then the field that is filled decides.
    if (a.type !== AttributeProto_AttributeType.UNDEFINED && a.type !== type) {
      throw new SpikelabError("io", `${this.where}: attribute '${name}' is a ${AttributeProto_AttributeType[a.type]}, expected ${AttributeProto_AttributeType[type]}`, { hint: "the file does not follow the ONNX operator spec; export it again" });
    }
    return a;
  }

  int(name: string, fallback: number): number {
    const a = this.get(name, AttributeProto_AttributeType.INT);
    return a === undefined ? fallback : Number(a.i);
  }

  /** A float attribute as the shortest decimal that is the same float32 (1e-5, not 9.99999974e-6). */
  float(name: string, fallback: number): number {
    const a = this.get(name, AttributeProto_AttributeType.FLOAT);
    return a === undefined ? fallback : shortestFloat32(a.f);
  }

  ints(name: string): number[] | undefined {
    const a = this.get(name, AttributeProto_AttributeType.INTS);
    return a === undefined ? undefined : a.ints.map((v) => Number(v));
  }

  floats(name: string): number[] | undefined {
    const a = this.get(name, AttributeProto_AttributeType.FLOATS);
    return a === undefined ? undefined : [...a.floats];
  }

  string(name: string, fallback: string): string {
    const a = this.get(name, AttributeProto_AttributeType.STRING);
    return a === undefined ? fallback : new TextDecoder().decode(a.s);
  }

  tensor(name: string): TensorProto | undefined {
    return this.get(name, AttributeProto_AttributeType.TENSOR)?.t;
  }

  /** Attributes present but never read: the importer does not know what they would change. */
  unused(): string[] {
    return this.names().filter((n) => !this.used.has(n));
  }

  get opType(): string {
    return this.node.opType;
  }
}

// Hand-built ONNX models for tests: the graphs exporters write that spikelab's own writer never
// does (MatMul + Add, PyTorch's Shape→Gather→Concat→Reshape, Constant nodes, scaling by
// constants), and broken ones. Test helper only; it writes protobuf through the official schema.
import { create, toBinary } from "@bufbuild/protobuf";
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  TensorProto_DataType,
  TensorProtoSchema,
  TensorShapeProto_DimensionSchema,
  TensorShapeProtoSchema,
  TypeProto_TensorSchema,
  TypeProtoSchema,
  ValueInfoProtoSchema,
  type AttributeProto,
  type NodeProto,
  type TensorProto,
} from "onnx-buf";

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | { tensor: TensorProto };

export function f32(name: string, dims: number[], values: ArrayLike<number>): TensorProto {
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: TensorProto_DataType.FLOAT, floatData: Array.from(values) });
}

export function i64(name: string, dims: number[], values: number[]): TensorProto {
  return create(TensorProtoSchema, { name, dims: dims.map(BigInt), dataType: TensorProto_DataType.INT64, int64Data: values.map(BigInt) });
}

function attr(name: string, v: AttrValue): AttributeProto {
  const T = AttributeProto_AttributeType;
  if (typeof v === "number") return create(AttributeProtoSchema, { name, type: T.INT, i: BigInt(v) });
  if (typeof v === "string") return create(AttributeProtoSchema, { name, type: T.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return create(AttributeProtoSchema, { name, type: T.INTS, ints: v.map(BigInt) });
  if ("float" in v) return create(AttributeProtoSchema, { name, type: T.FLOAT, f: v.float });
  if ("floats" in v) return create(AttributeProtoSchema, { name, type: T.FLOATS, floats: v.floats });
  return create(AttributeProtoSchema, { name, type: T.TENSOR, t: v.tensor });
}

export function node(opType: string, input: string[], output: string[], attrs: Record<string, AttrValue> = {}, name = output[0] ?? opType, domain = ""): NodeProto {
  return create(NodeProtoSchema, { opType, input, output, name, domain, attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)) });
}

function info(name: string, dims: (number | string)[]) {
  const dim = dims.map((d) => create(TensorShapeProto_DimensionSchema, { value: typeof d === "number" ? { case: "dimValue", value: BigInt(d) } : { case: "dimParam", value: d } }));
  return create(ValueInfoProtoSchema, { name, type: create(TypeProtoSchema, { value: { case: "tensorType", value: create(TypeProto_TensorSchema, { elemType: TensorProto_DataType.FLOAT, shape: create(TensorShapeProtoSchema, { dim }) }) } }) });
}

export interface ModelSpec {
  readonly inputs: readonly [string, (number | string)[]][];
  readonly outputs: readonly [string, (number | string)[]][];
  readonly nodes: readonly NodeProto[];
  readonly inits?: readonly TensorProto[];
  readonly opset?: number;
}

export function model(spec: ModelSpec): Uint8Array {
  const graph = create(GraphProtoSchema, {
    name: "handmade",
    node: [...spec.nodes],
    initializer: [...(spec.inits ?? [])],
    input: spec.inputs.map(([n, d]) => info(n, d)),
    output: spec.outputs.map(([n, d]) => info(n, d)),
  });
  const opset = spec.opset ?? 13;
  return toBinary(ModelProtoSchema, create(ModelProtoSchema, {
    irVersion: BigInt(opset <= 12 ? 6 : 7),
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: BigInt(opset) })],
    producerName: "spikelab-tests",
    graph,
  }));
}

/** Seeded normal-ish weights in [-0.5, 0.5). */
export function weights(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed * 2654435761 >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 4294967296 - 0.5;
  }
  return out;
}

// IR → ONNX: writes a network with trained weights as an ONNX model (opset 9–21, NCHW, batch
// axis symbolic "N") that onnxruntime and other tools run, and that onnx-import.ts reads back
// to the same network. It must not change the network: every IR op has one ONNX spelling here.

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
import { SpikelabError } from "../errors.ts";
import { hasWeights, outputNode, type Network, type Node } from "../ir/network.ts";
import { MAX_OPSET, MIN_OPSET } from "./onnx-import.ts";

export interface OnnxWriteOptions {
  /** Default-domain opset to write (9–21); default 13. */
  readonly opset?: number;
  /** Written to the model's producer_name. */
  readonly producer?: string;
}

function attr(name: string, v: number | readonly number[] | string, float = false): AttributeProto {
  if (typeof v === "string") return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.STRING, s: new TextEncoder().encode(v) });
  if (typeof v === "number") {
    return float ? create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.FLOAT, f: v }) : create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(v) });
  }
  return create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INTS, ints: v.map((x) => BigInt(x)) });
}

function floatTensor(name: string, dims: readonly number[], data: ArrayLike<number>): TensorProto {
  const f = Float32Array.from(data);
  return create(TensorProtoSchema, { name, dims: dims.map((d) => BigInt(d)), dataType: TensorProto_DataType.FLOAT, rawData: new Uint8Array(f.buffer) });
}

function valueInfo(name: string, sample: readonly number[]) {
  const dim = [create(TensorShapeProto_DimensionSchema, { value: { case: "dimParam", value: "N" } }), ...sample.map((d) => create(TensorShapeProto_DimensionSchema, { value: { case: "dimValue", value: BigInt(d) } }))];
  return create(ValueInfoProtoSchema, {
    name,
    type: create(TypeProtoSchema, { value: { case: "tensorType", value: create(TypeProto_TensorSchema, { elemType: TensorProto_DataType.FLOAT, shape: create(TensorShapeProtoSchema, { dim }) }) } }),
  });
}

/** The network as ONNX protobuf bytes. Throws SpikelabError when a layer has no weights yet. */
export function encodeOnnx(net: Network, options: OnnxWriteOptions = {}): Uint8Array {
  const opset = options.opset ?? 13;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) throw new SpikelabError("param", `ONNX opset ${opset} is outside ${MIN_OPSET}–${MAX_OPSET}`, { hint: "write opset 13 (the default) unless a reader needs another" });
  const nodes: NodeProto[] = [];
  const inits: TensorProto[] = [];
  const byId = new Map(net.nodes.map((n) => [n.id, n]));
  const node = (opType: string, name: string, inputs: readonly string[], outputs: readonly string[], attribute: AttributeProto[] = []): void => {
    nodes.push(create(NodeProtoSchema, { opType, name, input: [...inputs], output: [...outputs], attribute }));
  };
  const param = (n: Node, k: string): string => {
    const t = n.params[k];
    if (t === undefined) throw new SpikelabError("param", `layer '${n.id}' of '${net.name}' has no ${k}`, { hint: "train or load the network before saving it as ONNX" });
    const name = `${n.id}.${k}`;
    inits.push(floatTensor(name, t.shape, t.data));
    return name;
  };
  const pair = (p: readonly [number, number]): number[] => [p[0], p[1]];
  for (const n of net.nodes) {
    const ins = n.inputs;
    const out = [n.id];
    const op = n.op;
    switch (op.kind) {
      case "input":
        break;
      case "conv":
        node("Conv", n.id, [ins[0]!, param(n, "weight"), ...(op.bias ? [param(n, "bias")] : [])], out, [
          attr("kernel_shape", pair(op.kernel)), attr("strides", pair(op.stride)), attr("pads", [...pair(op.padding), ...pair(op.padding)]), attr("group", op.groups), attr("dilations", [1, 1]),
        ]);
        break;
      case "dense":
        node("Gemm", n.id, [ins[0]!, param(n, "weight"), ...(op.bias ? [param(n, "bias")] : [])], out, [attr("transB", 1)]);
        break;
      case "avgpool":
        node("AveragePool", n.id, [ins[0]!], out, [attr("kernel_shape", pair(op.kernel)), attr("strides", pair(op.stride)), attr("pads", [...pair(op.padding), ...pair(op.padding)]), attr("count_include_pad", 1)]);
        break;
      case "maxpool":
        node("MaxPool", n.id, [ins[0]!], out, [attr("kernel_shape", pair(op.kernel)), attr("strides", pair(op.stride)), attr("pads", [...pair(op.padding), ...pair(op.padding)])]);
        break;
      case "globalavgpool":
        // The IR's global pool gives [C]; ONNX's gives [N, C, 1, 1].
        node("GlobalAveragePool", n.id, [ins[0]!], [`${n.id}/pooled`]);
        node("Flatten", `${n.id}/Flatten`, [`${n.id}/pooled`], out, [attr("axis", 1)]);
        break;
      case "batchnorm":
        node("BatchNormalization", n.id, [ins[0]!, param(n, "gamma"), param(n, "beta"), param(n, "mean"), param(n, "var")], out, [attr("epsilon", op.eps, true), attr("momentum", 1 - op.momentum, true)]);
        break;
      case "relu":
        node("Relu", n.id, [ins[0]!], out);
        break;
      case "sigmoid":
        node("Sigmoid", n.id, [ins[0]!], out);
        break;
      case "silu":
        // The importer turns Mul(x, Sigmoid(x)) back into one SiLU named after the Sigmoid node.
        node("Sigmoid", n.id, [ins[0]!], [`${n.id}/sigmoid`]);
        node("Mul", `${n.id}/Mul`, [ins[0]!, `${n.id}/sigmoid`], out);
        break;
      case "softmax":
        node("Softmax", n.id, [ins[0]!], out, [attr("axis", 1)]);
        break;
      case "dropout":
        if (opset < 12) node("Dropout", n.id, [ins[0]!], out, [attr("ratio", op.rate, true)]);
        else {
          inits.push(floatTensor(`${n.id}.ratio`, [], [op.rate]));
          node("Dropout", n.id, [ins[0]!, `${n.id}.ratio`], out);
        }
        break;
      case "flatten":
        node("Flatten", n.id, [ins[0]!], out, [attr("axis", 1)]);
        break;
      case "concat":
        node("Concat", n.id, ins, out, [attr("axis", 1)]);
        break;
      case "add": {
        // Add takes two inputs in every opset; longer sums become a chain.
        let acc = ins[0]!;
        for (let i = 1; i < ins.length; i++) {
          const o = i === ins.length - 1 ? n.id : `${n.id}/sum${i}`;
          node("Add", o, [acc, ins[i]!], [o]);
          acc = o;
        }
        break;
      }
    }
    if (hasWeights(op) && n.params.weight === undefined) throw new SpikelabError("param", `layer '${n.id}' has no weights`, { hint: "train or load the network first" });
  }
  const input = net.nodes[0]!;
  const output = outputNode(net);
  if (byId.get(input.id)?.op.kind !== "input") throw new SpikelabError("shape", `network '${net.name}' has no input node`);
  const graph = create(GraphProtoSchema, {
    name: net.name,
    node: nodes,
    initializer: inits,
    input: [valueInfo(input.id, input.shape)],
    output: [valueInfo(output.id, output.shape)],
  });
  const model = create(ModelProtoSchema, {
    // IR version 7 is what opset 13 was released with; onnxruntime reads 3–10.
    irVersion: BigInt(opset <= 12 ? 6 : opset <= 14 ? 7 : opset <= 18 ? 8 : opset <= 20 ? 9 : 10),
    opsetImport: [create(OperatorSetIdProtoSchema, { domain: "", version: BigInt(opset) })],
    producerName: options.producer ?? "spikelab",
    producerVersion: "0.1.0",
    graph,
  });
  return toBinary(ModelProtoSchema, model);
}

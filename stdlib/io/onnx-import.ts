// ONNX import: a decoded ModelProto → spikelab's network IR. Walks the graph in order, keeps
// every tensor either as a value known now (weights, constants, shape arithmetic) or as an IR
// node, lets onnx-ops.ts translate each op, then builds the network through the same shape
// checker a written network goes through. It must not run the network or read files itself.

import type { ModelProto, NodeProto } from "onnx-buf";
import { SpikelabError } from "../errors.ts";
import type { Network, Op } from "../ir/network.ts";
import { buildNetwork, outputShape, type NodeSpec } from "../ir/shapes.ts";
import type { Tensor } from "../tensor/tensor.ts";
import { Attributes, dataTypeName, readTensor, type ConstTensor } from "./onnx-proto.ts";
import { SUPPORTED_OPS, TRANSLATORS } from "./onnx-ops.ts";

/** Opsets of the default domain this importer follows (the issue's range; newer ops may change meaning). */
export const MIN_OPSET = 9;
export const MAX_OPSET = 21;

/** What a user most likely needs for ops exporters often write and the IR has no node for. */
const OP_HINTS: Readonly<Record<string, string>> = {
  Transpose: "spikelab's IR is NCHW; export Keras/TensorFlow models with NCHW inputs (tf2onnx --inputs-as-nchw) so no transposes remain",
  LeakyRelu: "the conversion families need ReLU (or sigmoid/SiLU for AMOS); retrain with ReLU",
  Tanh: "the IR has relu, sigmoid and silu gates; retrain with one of them",
  ConvTranspose: "the IR has no transposed convolution",
  LSTM: "the IR has no recurrent layers",
};

/** A tensor produced by an IR node, with its per-sample shapes in the IR and in ONNX. */
export interface NodeValue {
  readonly kind: "node";
  readonly id: string;
  /** ONNX's per-sample shape (batch left out); differs from the IR node's shape after global pooling ([C,1,1] vs [C]). */
  readonly shape: readonly number[];
  /** Zero padding [h, w] an ONNX Pad put around the IR node's output, for the next Conv or AveragePool to take over. */
  readonly pad?: readonly [number, number];
}

export type Value = NodeValue | { readonly kind: "const"; readonly t: ConstTensor };

/** A node being built; translators may fold constants into it (a bias, a scale) while nothing else reads it. */
export interface Work {
  readonly id: string;
  op: Op;
  readonly inputs: readonly string[];
  params: Record<string, Tensor>;
  readonly shape: readonly number[];
  /** The ONNX tensor it stands for now (a fold moves it on), to know whether anything else reads it. */
  tensor: string;
}

/** What a translator sees of the import in progress. */
export interface ImportState {
  readonly file: string;
  readonly opset: number;
  /** The graph input's batch dimension when the file fixes it (a number), else undefined. */
  readonly batch: number | undefined;
  value(name: string, where: string): Value;
  node(name: string, where: string): NodeValue;
  /** Like `node`, but also a zero-padded value (a Conv or AveragePool folds the padding into its own). */
  padded(name: string, where: string): NodeValue;
  constant(name: string, where: string): ConstTensor;
  /** The input at `i` if the node has it (optional inputs may be absent or ""). */
  optional(n: NodeProto, i: number): Value | undefined;
  /** Adds an IR node reading `inputs` (IR ids); `base` seeds its id. Shapes are checked here. */
  emit(base: string, op: Op, inputs: readonly string[], params: Record<string, Tensor>, where: string, onnxShape?: readonly number[]): NodeValue;
  work(id: string): Work;
  /** How many node inputs and graph outputs read the ONNX tensor `name`. */
  readers(name: string): number;
}

export const importError = (where: string, message: string, hint: string): SpikelabError => new SpikelabError("io", `${where}: ${message}`, { hint });

/** An IR id from an ONNX node name: "/layer1/conv_a/Conv" → "layer1_conv_a", "/Relu_1" → "relu_1". */
function baseName(n: NodeProto): string {
  const parts = n.name.split("/").filter((p) => p !== "");
  const last = parts[parts.length - 1];
  const opLike = (p: string): boolean => new RegExp(`^${n.opType}(_\\d+)?$`).test(p);
  if (parts.length > 1 && last !== undefined && opLike(last)) parts.pop();
  let s = parts.join("_").replace(/[^A-Za-z0-9_]+/g, "_").replace(/_+/g, "_").replace(/^_|_$/g, "");
  if (parts.length === 1 && opLike(parts[0]!)) s = s.toLowerCase();
  return s === "" || /^\d/.test(s) ? n.opType.toLowerCase() : s;
}

/** Translates `model` (already decoded by onnx-proto.ts) into a checked network named `name`. */
export function importModel(model: ModelProto, file: string, name: string): Network {
  const graph = model.graph!;
  const opsetEntry = model.opsetImport.find((o) => o.domain === "" || o.domain === "ai.onnx");
  // IR version 3+ files must say their opset; older ones meant opset 1, outside our range anyway.
  const opset = opsetEntry === undefined ? 1 : Number(opsetEntry.version);
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw importError(file, `the model uses ONNX opset ${opset}; spikelab imports opsets ${MIN_OPSET}–${MAX_OPSET}`, `export it again with an opset in that range, e.g. torch.onnx.export(..., opset_version=13), or convert it with onnx.version_converter.convert_version(model, 13)`);
  }

  const values = new Map<string, Value>();
  for (const t of graph.initializer) values.set(t.name, { kind: "const", t: readTensor(t, file, `initializer '${t.name}'`) });
  if (graph.sparseInitializer.length > 0) throw importError(file, "the model has sparse initializers, which spikelab does not read", "export it with dense weights");

  const readerCount = new Map<string, number>();
  for (const n of graph.node) for (const i of n.input) if (i !== "") readerCount.set(i, (readerCount.get(i) ?? 0) + 1);
  for (const o of graph.output) readerCount.set(o.name, (readerCount.get(o.name) ?? 0) + 1);

  // The one real input: graph inputs that are not initializers (IR < 4 lists weights as inputs too).
  const inputs = graph.input.filter((i) => !values.has(i.name));
  if (inputs.length !== 1) {
    throw importError(file, `the model has ${inputs.length} inputs (${inputs.map((i) => `'${i.name}'`).join(", ") || "none"}); spikelab networks take exactly one`, "export a model with a single image or vector input");
  }
  const input = inputs[0]!;
  const tt = input.type?.value.case === "tensorType" ? input.type.value.value : undefined;
  if (tt === undefined) throw importError(file, `input '${input.name}' is not a tensor`, "export a model whose input is a float tensor [N, C, H, W] or [N, F]");
  if (tt.elemType !== 1) throw importError(file, `input '${input.name}' holds ${dataTypeName(tt.elemType)} values; spikelab feeds float32 images`, "export the model with a float32 input");
  const dims = tt.shape?.dim ?? [];
  const sample = dims.slice(1).map((d, i) => {
    if (d.value.case === "dimValue" && d.value.value > 0n) return Number(d.value.value);
    throw importError(file, `input '${input.name}' dimension ${i + 1} is ${d.value.case === "dimParam" ? `the symbol '${d.value.value}'` : "unknown"}; spikelab needs fixed sizes for everything but the batch`, "export with a fixed image size (dynamic_axes only on the batch axis)");
  });
  if (sample.length !== 1 && sample.length !== 3) {
    throw importError(file, `input '${input.name}' has shape [${dims.map((d) => (d.value.case === "dimValue" ? String(d.value.value) : d.value.value ?? "?")).join(", ")}]; spikelab reads [N, C, H, W] images or [N, F] vectors`, sample.length === 2 ? "add a channel axis: export with an input of shape [N, 1, H, W]" : "export the model with an NCHW image input");
  }
  const batchDim = dims[0]?.value.case === "dimValue" ? Number(dims[0].value.value) : undefined;

  const works: Work[] = [];
  const byId = new Map<string, Work>();
  const taken = new Set<string>();
  const uniqueId = (base: string): string => {
    let id = base;
    for (let k = 2; taken.has(id); k++) id = `${base}_${k}`;
    taken.add(id);
    return id;
  };
  let currentTensor = "";
  const lookup = (nm: string, where: string): Value => {
    const v = values.get(nm);
    if (v === undefined) throw importError(where, `reads tensor '${nm}', which no earlier node or initializer produces`, "the graph is damaged or not in topological order; export it again");
    return v;
  };
  const state: ImportState = {
    file,
    opset,
    batch: batchDim,
    value(nm, where) {
      const v = lookup(nm, where);
      if (v.kind === "node" && v.pad !== undefined) throw importError(where, `reads '${nm}', a zero-padded tensor (Pad)`, "spikelab folds a Pad only into the Conv or AveragePool right after it");
      return v;
    },
    padded(nm, where) {
      const v = lookup(nm, where);
      if (v.kind !== "node") throw importError(where, `needs '${nm}' to be computed from the input, but it is a constant`, "spikelab imports ops whose data input depends on the network's input");
      return v;
    },
    node(nm, where) {
      const v = state.value(nm, where);
      if (v.kind !== "node") throw importError(where, `needs '${nm}' to be computed from the input, but it is a constant`, "spikelab imports ops whose data input depends on the network's input");
      return v;
    },
    constant(nm, where) {
      const v = state.value(nm, where);
      if (v.kind !== "const") throw importError(where, `needs '${nm}' to be a constant (an initializer or Constant node), but it is computed at run time`, "export with do_constant_folding=True so weights and shapes are stored as constants");
      return v.t;
    },
    optional(n, i) {
      const nm = n.input[i];
      return nm === undefined || nm === "" ? undefined : state.value(nm, `${file}: node '${n.name}' (${n.opType})`);
    },
    emit(base, op, ins, params, where, onnxShape) {
      const id = uniqueId(base);
      let shape: number[];
      try {
        shape = outputShape(id, op, ins.map((i) => byId.get(i)!.shape));
      } catch (e) {
        if (e instanceof SpikelabError) throw new SpikelabError(e.code, `${where}: ${e.message}`, { ...(e.hint === undefined ? {} : { hint: e.hint }), cause: e });
        throw e;
      }
      const w: Work = { id, op, inputs: [...ins], params, shape, tensor: currentTensor };
      works.push(w);
      byId.set(id, w);
      return { kind: "node", id, shape: onnxShape ?? shape };
    },
    work(id) {
      return byId.get(id)!;
    },
    readers(nm) {
      return readerCount.get(nm) ?? 0;
    },
  };

  const inputId = uniqueId(input.name.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "") || "input");
  const inWork: Work = { id: inputId, op: { kind: "input", shape: sample }, inputs: [], params: {}, shape: sample, tensor: input.name };
  works.push(inWork);
  byId.set(inputId, inWork);
  values.set(input.name, { kind: "node", id: inputId, shape: sample });

  graph.node.forEach((n, index) => {
    const label = n.name === "" ? `#${index}` : `'${n.name}'`;
    const where = `${file}: node ${label} (${n.opType})`;
    if (n.domain !== "" && n.domain !== "ai.onnx") {
      throw importError(where, `is an op of the custom domain '${n.domain}', which spikelab cannot import`, `supported ops (default domain): ${SUPPORTED_OPS.join(", ")}; export without custom ops`);
    }
    const translate = TRANSLATORS.get(n.opType);
    if (translate === undefined) {
      const why = OP_HINTS[n.opType];
      throw importError(where, `'${n.opType}' is an operation spikelab cannot import${why === undefined ? "" : `: ${why}`}`, `supported: ${SUPPORTED_OPS.join(", ")}; replace '${n.opType}' in the model before exporting it, or add it to stdlib/io/onnx-ops.ts with an IR op that computes it`);
    }
    const attrs = new Attributes(n, where);
    currentTensor = n.output[0] ?? "";
    const outs = translate(n, attrs, state, where, baseName(n));
    const unused = attrs.unused();
    if (unused.length > 0) {
      throw importError(where, `has attribute${unused.length > 1 ? "s" : ""} ${unused.map((u) => `'${u}'`).join(", ")}, which spikelab's importer does not understand for ${n.opType}`, "export without it, or with its default value");
    }
    n.output.forEach((o, i) => {
      if (o === "") return;
      const v = outs[i];
      if (v === undefined) {
        if (state.readers(o) > 0) throw importError(where, `output ${i} ('${o}') is read by the graph, but spikelab computes only the first output of ${n.opType}`, "export in inference mode (model.eval()), where the extra outputs are unused");
        return;
      }
      values.set(o, v);
    });
  });

  if (graph.output.length !== 1) {
    throw importError(file, `the model has ${graph.output.length} outputs (${graph.output.map((o) => `'${o.name}'`).join(", ")}); spikelab networks have one`, "export a model with a single output");
  }
  const outName = graph.output[0]!.name;
  const out = state.value(outName, file);
  if (out.kind !== "node") throw importError(file, `the output '${outName}' is a constant that does not depend on the input`, "export the model's real output");

  // Keep what the output depends on (ONNX order is topological, so the output comes last).
  const keep = new Set<string>([out.id]);
  for (let i = works.length - 1; i >= 0; i--) if (keep.has(works[i]!.id)) for (const x of works[i]!.inputs) keep.add(x);
  if (!keep.has(inputId)) throw importError(file, "the output does not depend on the input", "export the model's real output");
  const specs: NodeSpec[] = works.filter((w) => keep.has(w.id)).map((w) => ({ id: w.id, op: w.op, inputs: w.inputs, params: w.params }));
  const built = buildNetwork(name, specs);
  if (built.network === undefined) {
    const e = built.errors[0]!;
    throw new SpikelabError(e.code, `${file}: ${e.message}`, { ...(e.hint === undefined ? {} : { hint: e.hint }), cause: e });
  }
  return built.network;
}

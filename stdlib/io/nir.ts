// `export snn to "x.nir"`: writes the NIR graph of nir-graph.ts as HDF5 (through h5wasm, the HDF5
// C library compiled to WebAssembly), in the layout NIR's own reader expects: a root `version`
// string and a `node` group with `type`, `nodes/<name>/<field>`, an E×2 string dataset `edges`
// and `metadata`. Only the fields each node type has are written (NIR rejects unknown ones).

import { existsSync, renameSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { SpikelabError } from "../errors.ts";
import type { SpikingNetwork } from "../ir/spiking.ts";
import { NIR_VERSION, nirGraph, type NirGraph, type NirNode, type NirOptions } from "./nir-graph.ts";

export { NIR_VERSION, nirGraph, thresholdBelow, type NirGraph, type NirNode, type NirOptions } from "./nir-graph.ts";

type H5 = typeof import("h5wasm/node");
type Group = InstanceType<H5["Group"]>;

let h5: Promise<H5> | undefined;

/** h5wasm loads its WebAssembly once per process, on first export. */
async function hdf5(): Promise<H5> {
  h5 ??= (async () => {
    const m = await import("h5wasm/node");
    await m.ready;
    return m;
  })();
  return h5;
}

const ints = (v: readonly number[]): BigInt64Array => BigInt64Array.from(v.map((x) => BigInt(x)));

function writeNode(g: Group, node: NirNode): void {
  g.create_dataset({ name: "type", data: node.type });
  const tensor = (name: string, t: { shape: readonly number[]; data: Float32Array }): void => {
    g.create_dataset({ name, data: t.data, shape: [...t.shape], dtype: "<f" });
  };
  const vec = (name: string, v: readonly number[]): void => {
    g.create_dataset({ name, data: ints(v), shape: [v.length] });
  };
  const scalar = (name: string, v: number): void => {
    g.create_dataset({ name, data: ints([v]), shape: [] });
  };
  switch (node.type) {
    case "Input":
    case "Output":
      vec("shape", node.shape);
      break;
    case "Affine":
      tensor("weight", node.weight);
      tensor("bias", node.bias);
      break;
    case "Linear":
      tensor("weight", node.weight);
      break;
    case "Conv2d":
      vec("input_shape", node.input_shape);
      tensor("weight", node.weight);
      vec("stride", node.stride);
      vec("padding", node.padding);
      vec("dilation", node.dilation);
      scalar("groups", node.groups);
      tensor("bias", node.bias);
      break;
    case "SumPool2d":
      vec("kernel_size", node.kernel_size);
      vec("stride", node.stride);
      vec("padding", node.padding);
      break;
    case "Flatten":
      vec("input_type", node.input_type);
      scalar("start_dim", node.start_dim);
      scalar("end_dim", node.end_dim);
      break;
    case "IF":
      tensor("r", node.r);
      tensor("v_threshold", node.v_threshold);
      tensor("v_reset", node.v_reset);
      break;
  }
}

/** Writes `graph` to `path` as a NIR HDF5 file (atomically: a failure leaves no partial file). */
export async function writeNirFile(graph: NirGraph, path: string): Promise<void> {
  const m = await hdf5();
  const final = resolve(path);
  const tmp = `${final}.tmp-${process.pid}`;
  let f: InstanceType<H5["File"]> | undefined;
  try {
    f = new m.File(tmp, "w");
    f.create_dataset({ name: "version", data: NIR_VERSION });
    const root = f.create_group("node");
    root.create_dataset({ name: "type", data: "NIRGraph" });
    const nodes = root.create_group("nodes");
    for (const [name, node] of graph.nodes) writeNode(nodes.create_group(name), node);
    root.create_dataset({ name: "edges", data: graph.edges.flatMap(([a, b]) => [a, b]), shape: [graph.edges.length, 2] });
    const meta = root.create_group("metadata");
    for (const [k, v] of Object.entries(graph.metadata)) {
      if (typeof v === "string") meta.create_dataset({ name: k, data: v });
      else meta.create_dataset({ name: k, data: Float64Array.of(v), shape: [] });
    }
    f.close();
    f = undefined;
    renameSync(tmp, final);
  } catch (e) {
    try {
      f?.close();
    } catch {
      // the file is being thrown away
    }
    if (existsSync(tmp)) rmSync(tmp, { force: true });
    throw new SpikelabError("io", `cannot write ${path} (${e instanceof Error ? e.message : String(e)})`, { hint: "check that the folder exists and is writable", cause: e });
  }
}

/** Builds and writes the NIR file of `snn`; returns the graph written. */
export async function exportNir(snn: SpikingNetwork, path: string, options: NirOptions = {}): Promise<NirGraph> {
  const graph = nirGraph(snn, options);
  await writeNirFile(graph, path);
  return graph;
}

// spikelab's TypeScript API (package.json `exports` and `types`): what a TypeScript notebook
// (tslab) or another program imports as "spikelab". It re-exports the public modules that exist
// and must not add behaviour of its own; stages add their entry points here as they land.

export * from "./plot/index.ts";
export { SpikelabError, InterruptedError, isSpikelabError, throwIfAborted, type ErrorCode, type SourceLocation } from "./errors.ts";
export type { Progress, RunContext } from "./context.ts";
export { type Dataset, sampleSize, slice } from "./data/dataset.ts";
export { mnist, fashionMnist, MNIST_CLASSES, FASHION_MNIST_CLASSES } from "./data/mnist.ts";
export { cifar10, CIFAR10_CLASSES } from "./data/cifar.ts";
export { synthetic, type SyntheticOptions } from "./data/synthetic.ts";
export { normalize, take, shuffle } from "./data/transform.ts";
export { buildNetwork, outputShape, paramCount, type NodeSpec, type BuildResult } from "./ir/shapes.ts";
export { inputNode, outputNode, nodeById, type Network, type Node, type Op } from "./ir/network.ts";
export { neuronCount, synapseCount, type SpikingNetwork, type Population, type Projection } from "./ir/spiking.ts";
export { ruleSet, type RuleSet, type Family, type FamilySchema } from "./ir/rules.ts";
export type { SimResult, SpikeRecord } from "./ir/results.ts";
export { family, families, type FamilyEngine, type SimOptions } from "./families.ts";
export { loadStdlibModel, listStdlibModels, readCard, type ModelCard } from "./models/registry.ts";
export { saveNetwork, loadNetwork, encodeNetwork, decodeNetwork, type NetFile } from "./io/netfile.ts";
export { saveSpikingNetwork, loadSpikingNetwork, encodeSpikingNetwork, decodeSpikingNetwork, type SnnFile } from "./io/snnfile.ts";
export { spikingToJSON, spikingFromJSON, type SpikingNetworkJson } from "./io/snnjson.ts";
export { train, type TrainOptions, type TrainResult, type EpochRecord } from "./ann/train.ts";
export { evaluate, predict, type Evaluation } from "./ann/evaluate.ts";
export { forward, forward64, activations, activations64 } from "./ann/forward.ts";
export { annOps, annOpsPerLayer } from "./ann/opcount.ts";
export { importOnnx, loadOnnx, saveOnnx, encodeOnnx, type OnnxWriteOptions } from "./io/onnx.ts";
export { exportNir, nirGraph, type NirGraph, type NirOptions } from "./io/nir.ts";
export { createPool, type WorkerPool } from "./tensor/pool.ts";

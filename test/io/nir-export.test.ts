// NIR export, read back by an independent reader (Debian's python3-h5py, test/io/nir_check.py):
// the file's layout is NIR's (root version, node/type, nodes/<name>/<fields>, E×2 edges,
// metadata), every node has exactly its type's fields, parameters are the spiking network's, and
// running the file with NIR's semantics in numpy gives spikelab's own spike counts and read-out.
// What NIR cannot express is refused with the reason, or approximated only when asked, loudly.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initialize } from "../../stdlib/ann/init.ts";
import { avgpool, built, conv, dense, maxpool, sequential } from "../../stdlib/ann/sequential.ts";
import { convertRate } from "../../stdlib/convert/rate/convert.ts";
import { rateSchema } from "../../stdlib/convert/rate/schema.ts";
import { SpikelabError } from "../../stdlib/errors.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { ruleSet, type ParamValue } from "../../stdlib/ir/rules.ts";
import type { SpikingNetwork } from "../../stdlib/ir/spiking.ts";
import { exportNir, NIR_VERSION, thresholdBelow } from "../../stdlib/io/nir.ts";
import { saveOnnx } from "../../stdlib/io/onnx.ts";
import { createInterpreter } from "../../dsl/interpreter.ts";
import { referenceSimulate } from "../../stdlib/sim/rate/reference.ts";
import { hasCommand, withTool } from "../helpers/outside.ts";
import { seededInputs } from "./ort.ts";

const dir = mkdtempSync(join(tmpdir(), "spikelab-nir-"));
const PY = "/usr/bin/python3";
const h5py = hasCommand(PY, ["-c", "import h5py, numpy"]);
const withH5 = withTool(test, h5py, "Debian's python3-h5py", "apt-get install python3-h5py");

interface Field { dtype: string; shape: number[]; value: unknown }
type Layout = Record<string, Field | { group: Layout }>;
interface Report { root: string[]; layout: Layout; simulation?: { spikes: Record<string, number>; output: number[] }[] }

function readBack(path: string, inputs?: number[][], steps?: number): Report {
  const args = [new URL("./nir_check.py", import.meta.url).pathname, path];
  if (inputs !== undefined) {
    const f = join(dir, "inputs.json");
    writeFileSync(f, JSON.stringify(inputs));
    args.push(f, String(steps));
  }
  const r = spawnSync(PY, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`nir_check.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
}

const group = (l: Layout, k: string): Layout => (l[k] as { group: Layout }).group;
const field = (l: Layout, k: string): Field => l[k] as Field;

/** A conv net with an average pool kept as neurons, a residual add and a concatenation. */
function branchy(): Network {
  const net = initialize(built("branchy", [
    { id: "image", op: { kind: "input", shape: [1, 8, 8] }, inputs: [] },
    { id: "c1", op: conv(4, 3, { pad: 1 }), inputs: ["image"] },
    { id: "r1", op: { kind: "relu" }, inputs: ["c1"] },
    { id: "p1", op: avgpool(2), inputs: ["r1"] },
    { id: "c2", op: conv(4, 3, { pad: 1 }), inputs: ["p1"] },
    { id: "sum", op: { kind: "add" }, inputs: ["c2", "p1"] },
    { id: "r2", op: { kind: "relu" }, inputs: ["sum"] },
    { id: "cat", op: { kind: "concat" }, inputs: ["r2", "p1"] },
    { id: "flat", op: { kind: "flatten" }, inputs: ["cat"] },
    { id: "fc", op: dense(10), inputs: ["flat"] },
  ]), { seed: 5 });
  // Positive biases so that some neurons are driven by their bias alone.
  return { ...net, nodes: net.nodes.map((n) => (n.params.bias ? { ...n, params: { ...n.params, bias: { shape: n.params.bias.shape, data: n.params.bias.data.map((b) => Math.abs(b) + 0.05) } } } : n)) };
}

async function rate(overrides: Record<string, ParamValue>, net: Network = branchy()): Promise<SpikingNetwork> {
  return convertRate(net, ruleSet(rateSchema, "nir_test", { normalize: "weights", dt: 0.001, ...overrides }));
}

const FIELDS: Record<string, string[]> = {
  Input: ["shape", "type"],
  Output: ["shape", "type"],
  Affine: ["bias", "type", "weight"],
  Linear: ["type", "weight"],
  Conv2d: ["bias", "dilation", "groups", "input_shape", "padding", "stride", "type", "weight"],
  SumPool2d: ["kernel_size", "padding", "stride", "type"],
  Flatten: ["end_dim", "input_type", "start_dim", "type"],
  IF: ["r", "type", "v_reset", "v_threshold"],
};

withH5("a reset-to-zero rate network: NIR layout, exact fields, parameters, and the same spikes when run with NIR's semantics", async () => {
  const snn = await rate({ reset: "zero" });
  const path = join(dir, "branchy.nir");
  await exportNir(snn, path);
  const images = Array.from({ length: 4 }, (_, i) => Array.from(seededInputs(64, 100 + i)));
  const steps = 40;
  const rep = readBack(path, images, steps);
  assert.equal(rep.root, ["node", "version"]);
  assert.equal(field(rep.layout, "version"), { dtype: "string", shape: [], value: NIR_VERSION });
  const node = group(rep.layout, "node");
  assert.equal(Object.keys(node).sort(), ["edges", "metadata", "nodes", "type"]);
  assert.is(field(node, "type").value, "NIRGraph");
  const nodes = group(node, "nodes");
  const typeOf = (k: string): string => field(group(nodes, k), "type").value as string;
  assert.equal(Object.fromEntries(Object.keys(nodes).sort().map((k) => [k, typeOf(k)])), {
    c1: "Conv2d", c2: "Conv2d", cat: "IF", cat_flat: "Flatten", fc: "Affine", input: "Input", output: "Output",
    p1: "IF", p1_sum: "SumPool2d", p1_to_cat: "Conv2d", r1: "IF", r2: "IF", r2_to_cat: "Conv2d", sum_scale1: "Conv2d",
  });
  for (const k of Object.keys(nodes)) assert.equal(Object.keys(group(nodes, k)).sort(), FIELDS[typeOf(k)], `${k} (${typeOf(k)}) fields`);
  const edges = field(node, "edges");
  assert.equal(edges.shape, [edges.shape[0]!, 2]);
  assert.equal(edges.value, [
    ["input", "c1"], ["c1", "r1"], ["r1", "p1_sum"], ["p1_sum", "p1"], ["p1", "c2"], ["c2", "r2"], ["p1", "sum_scale1"], ["sum_scale1", "r2"],
    ["r2", "r2_to_cat"], ["r2_to_cat", "cat"], ["p1", "p1_to_cat"], ["p1_to_cat", "cat"], ["cat", "cat_flat"], ["cat_flat", "fc"], ["fc", "output"],
  ]);
  // Parameters: the spiking network's weights, biases as b·dt per step, r = 1/dt, thresholds in threshold units.
  const c1 = group(nodes, "c1");
  const proj = snn.projections.find((p) => p.id === "c1")!;
  assert.equal(field(c1, "weight"), { dtype: "<f4", shape: [4, 1, 3, 3], value: Array.from(proj.weight!.data) });
  const pop = snn.populations.find((p) => p.id === "r1")!;
  assert.equal(field(c1, "bias").value, Array.from(pop.bias!.data, (b) => Math.fround(b * 0.001)));
  assert.equal([field(c1, "input_shape").value, field(c1, "stride").value, field(c1, "padding").value, field(c1, "dilation").value, field(c1, "groups")], [[8, 8], [1, 1], [1, 1], [1, 1], { dtype: "<i8", shape: [], value: [1] }]);
  const r1 = group(nodes, "r1");
  assert.equal(field(r1, "r").shape, [4, 8, 8]);
  assert.ok((field(r1, "r").value as number[]).every((v) => v === Math.fround(1000)));
  assert.ok((field(r1, "v_threshold").value as number[]).every((v) => v === thresholdBelow(1)));
  assert.ok((field(r1, "v_reset").value as number[]).every((v) => v === 0));
  assert.ok((field(group(nodes, "p1"), "v_threshold").value as number[]).every((v) => v === thresholdBelow(4)), "a 2x2 sum pool's neurons fire at 4");
  assert.equal(field(group(nodes, "p1_sum"), "kernel_size").value, [2, 2]);
  assert.equal(field(group(nodes, "cat_flat"), "input_type").value, [8, 4, 4]);
  assert.equal([field(group(nodes, "cat_flat"), "start_dim").value, field(group(nodes, "cat_flat"), "end_dim").value], [[0], [-1]]);
  assert.equal(field(group(nodes, "input"), "shape").value, [1, 8, 8]);
  assert.equal(field(group(nodes, "output"), "shape").value, [10]);
  const meta = group(node, "metadata");
  assert.is(field(meta, "dt").value instanceof Array ? (field(meta, "dt").value as number[])[0] : NaN, 0.001);
  assert.is(field(meta, "reset").value, "zero");
  // Run with NIR's semantics (numpy) against spikelab's reference simulator: same spikes, same read-out.
  const sims = rep.simulation!;
  images.forEach((img, s) => {
    const ref = referenceSimulate(snn, img, { sample: s, steps });
    for (const [id, trains] of ref.spikes) {
      if (id === "image" || id === "fc") continue;
      const count = trains.reduce((a, t) => a + t.length, 0);
      assert.is(sims[s]!.spikes[id], count, `sample ${s}, layer ${id}: NIR ${sims[s]!.spikes[id]} spikes, spikelab ${count}`);
    }
    const out = sims[s]!.output;
    assert.is(out.indexOf(Math.max(...out)), ref.predictions[steps - 1], `sample ${s} read-out`);
  });
  const total = sims.reduce((a, r) => a + Object.values(r.spikes).reduce((x, y) => x + y, 0), 0);
  assert.ok(total > 500, `the test network spikes (${total} spikes)`);
});

test("reset by subtraction is refused, and with the approximation asked for it warns loudly and says so in the file", async () => {
  const snn = await rate({});
  const path = join(dir, "subtract.nir");
  try {
    await exportNir(snn, path);
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof SpikelabError);
    assert.is(e.code, "unsupported");
    assert.match(e.message, "export to NIR: 'branchy_nir_test' resets by subtraction");
    assert.match(e.message, "NIR's IF neuron can only reset to v_reset");
    assert.match(String(e.hint), "convert with `reset: zero`");
  }
  assert.is(existsSync(path), false, "nothing written");
  const log: string[] = [];
  const g = await exportNir(snn, path, { subtractReset: "zero", log: (m) => log.push(m) });
  assert.is(log.length, 1);
  assert.match(log[0]!, /^WARNING: NIR cannot express reset by subtraction/);
  assert.match(String(g.metadata.reset), "written as reset to v_reset = 0");
  assert.ok(existsSync(path));
});

test("gated max-pooling and leaky neurons are refused with what to convert with instead", async () => {
  const pooled = initialize(sequential("pooled", [1, 8, 8], [conv(2, 3), "relu", maxpool(2), "flatten", dense(3)]), { seed: 2 });
  const gated = await rate({ reset: "zero" }, pooled);
  try {
    await exportNir(gated, join(dir, "gated.nir"));
    assert.unreachable();
  } catch (e) {
    assert.ok(e instanceof SpikelabError);
    assert.match(e.message, "is a gated max-pool");
    assert.match(String(e.hint), "convert with `maxpool: avg`");
  }
  await exportNir(await rate({ reset: "zero", maxpool: "avg" }, pooled), join(dir, "avg.nir"));
  const lif = await rate({ reset: "zero", neuron: "lif", tau: 0.02 });
  try {
    await exportNir(lif, join(dir, "lif.nir"));
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, "uses leaky neurons (tau 20 ms)");
  }
});

test("through the language: export writes a reset-to-zero network; a subtraction-reset one is a diagnostic at its line unless `{ reset: zero }` asks for the approximation, which warns", async () => {
  saveOnnx(join(dir, "branchy.onnx"), branchy());
  const it = createInterpreter({ baseDir: dir });
  const out: string[] = [];
  const run = (src: string) => it.execute(src, "cell", { emit: (o) => void (o.kind === "text" && out.push(o.text)) });
  const ok = await run('load net from "branchy.onnx"\nconversion z extends rate {\n  reset: zero\n  normalize: weights\n}\nsnn = convert net with z\nexport snn to "lang.nir"');
  assert.ok(ok.ok, ok.ok ? "" : ok.errors.map((e) => e.message).join("; "));
  assert.ok(existsSync(join(dir, "lang.nir")));
  const bad = await run('use rueckauer2017\nconversion s extends rueckauer2017 {\n  normalize: weights\n}\nsub = convert net with s\nexport sub to "sub.nir"');
  assert.ok(!bad.ok);
  assert.equal(bad.errors.map((e) => `${e.loc?.line}:${e.loc?.column} ${e.code}`), ["6:1 unsupported"]);
  assert.match(bad.errors[0]!.message, "resets by subtraction");
  assert.match(String(bad.errors[0]!.hint), "export SNN to \"file.nir\" { reset: zero }");
  assert.is(existsSync(join(dir, "sub.nir")), false);
  // Asked for, the approximation is written, with the warning on the user's stderr.
  out.length = 0;
  // (A failed cell binds nothing, so this one converts again.)
  const approx = await run('use rueckauer2017\nconversion s extends rueckauer2017 {\n  normalize: weights\n}\nsub = convert net with s\nexport sub to "sub.nir" { reset: zero }');
  assert.ok(approx.ok, approx.ok ? "" : approx.errors.map((e) => e.message).join("; "));
  assert.ok(existsSync(join(dir, "sub.nir")));
  assert.equal(out.filter((t) => t.startsWith("WARNING: NIR cannot express reset by subtraction")).length, 1, out.join(""));
});

test.run();

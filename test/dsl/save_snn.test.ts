// The language saves and loads spiking networks: `save snn to "x.snnet"` writes the whole
// spiking network, `load back from "x.snnet"` binds it (checking already knows it is one), and
// the reloaded network simulates exactly as the converted one. A file name of the wrong kind is
// a type error at its line:col; a network file under a .snnet name an io error with a hint.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Output } from "../../dsl/api.ts";
import { createInterpreter } from "../../dsl/interpreter.ts";
import { check } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "spikelab-save-snn-"));
const models = new URL("../../stdlib/models/", import.meta.url).pathname;

test("save snn to a .snnet file, load it back, simulate: identical predictions and spikes", async () => {
  const interp = createInterpreter({ baseDir: dir });
  const program = `
dataset mnist = mnist()
load net from "${models}mlp.spikelab"
snn = convert net with rate { norm_data: mnist.train[0:500], input: poisson, seed: 3 }
save snn to "mlp_rate.snnet"
load back from "mlp_rate.snnet"
a = simulate snn on mnist.test[0:60] { steps: 40, workers: 1 }
b = simulate back on mnist.test[0:60] { steps: 40, workers: 1 }
`;
  const r = await interp.execute(program, "save.snn", { emit: (_: Output) => undefined });
  assert.ok(r.ok, r.ok ? "" : r.errors.map((e) => `${e.loc?.line}:${e.loc?.column} ${e.message}`).join("; "));
  const a = interp.names().get("a"), b = interp.names().get("b"), back = interp.names().get("back");
  assert.ok(a?.kind === "result" && b?.kind === "result" && back?.kind === "snn");
  if (a?.kind !== "result" || b?.kind !== "result" || back?.kind !== "snn") return;
  assert.is(back.snn.name, "net_rate");
  assert.is(back.snn.encoder.kind === "poisson" && back.snn.encoder.seed, 3);
  assert.equal(Array.from(b.result.predictions), Array.from(a.result.predictions));
  assert.is(b.result.spikesPerNeuron, a.result.spikesPerNeuron);
  assert.is(b.result.synapticOpsTotal, a.result.synapticOpsTotal);
  assert.ok(a.result.accuracy > 0.8, `accuracy ${a.result.accuracy}`);
});

test("a network file under a .snnet name is an io error naming the file", async () => {
  const interp = createInterpreter({ baseDir: dir });
  copyFileSync(join(models, "mlp.spikelab"), join(dir, "really_a_network.snnet"));
  const r = await interp.execute(`load x from "really_a_network.snnet"`, "cell", { emit: () => undefined });
  assert.ok(!r.ok);
  if (r.ok) return;
  const e = r.errors[0]!;
  assert.is(e.code, "io");
  assert.match(e.message, /really_a_network\.snnet: holds a network, not a spiking network/);
  assert.match(e.hint ?? "", /load it as a network/);
  assert.is(e.loc?.line, 1);
});

test("checking: a loaded .snnet is a spiking network; file names of the wrong kind are refused at line:col", async () => {
  const ok = await check(`dataset mnist = mnist()
load s from "lenet_rate.snnet"
r = simulate s on mnist.test[0:10]
save s to "copy.snnet"
`);
  assert.equal(ok.messages, []);
  assert.is(ok.bindings.get("s")?.kind === "unknown" && (ok.bindings.get("s") as { of: string }).of, "snn");

  const bad = await check(`dataset mnist = mnist()
network net (input 784) {
  dense 2
}
s = convert net with rate
save net to "net.snnet"
save s to "s.spikelab"
load net from "s.snnet"
simulate net on mnist.test
`);
  assert.equal(bad.messages.slice(0, 3), [
    '6:13 .snnet files hold spiking networks; "net.snnet" would not load back as a network',
    '7:11 a spiking network is saved to a .snnet file, not "s.spikelab"',
    "8:6 load net from a .snnet file needs a spiking network, got a network",
  ]);
  assert.match(bad.errors[1]!.hint ?? "", /save snn to "s\.snnet"/);
});

test.run();

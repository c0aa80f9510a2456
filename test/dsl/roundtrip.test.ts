// The network IR a program declares survives JSON (stdlib/io/netjson.ts) and spikelab's own
// file format (stdlib/io/netfile.ts: JSON + binary weights) losslessly: ops, wiring, shapes and
// every parameter bit for bit (NaN and -0 included), for a LeNet, an Inception block and a
// residual block with batch norm.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { initialize } from "../../stdlib/ann/init.ts";
import { decodeNetwork, encodeNetwork } from "../../stdlib/io/netfile.ts";
import { networkFromJSON, networkToJSON } from "../../stdlib/io/netjson.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import { network } from "./helpers.ts";

const SOURCE = `network lenet (input 1x28x28) {
  conv 6 kernel 5 pad 2 -> relu
  avgpool 2
  conv 16 kernel 5 -> relu
  avgpool 2
  flatten
  dense 120 -> relu
  dense 84 -> relu
  dense 10
}
network inception (input 3x16x16) {
  stem: conv 8 kernel 3 pad 1 -> batchnorm -> relu
  a: conv 4 kernel 1 -> relu
  b: from stem -> conv 4 kernel 1 -> relu -> conv 6 kernel 3 pad 1 groups 2 -> relu
  c: from stem -> maxpool 3 stride 1 pad 1 -> conv 4 kernel 1 bias false -> relu
  concat a b c
  globalavgpool
  dropout 0.25
  dense 10 -> softmax
}
network residual (input 8x8x8) {
  x: conv 8 kernel 3 pad 1 -> batchnorm -> relu
  conv 8 kernel 3 pad 1 -> batchnorm -> silu
  conv 8 kernel 3 pad 1 -> sigmoid
  add x -> relu
  flatten
  dense 10
}`;

/** Everything but `loc` (where the source declared a layer, which files do not keep). */
function essence(net: Network): unknown {
  return {
    name: net.name,
    nodes: net.nodes.map((n) => ({
      id: n.id,
      op: n.op,
      inputs: n.inputs,
      shape: n.shape,
      params: Object.fromEntries(Object.entries(n.params).map(([k, t]) => [k, { shape: t.shape, bytes: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("hex") }])),
    })),
  };
}

async function trained(name: string): Promise<Network> {
  const net = initialize(await network(SOURCE, name), { seed: 7 });
  // Values text would not keep: NaN, -0, the smallest subnormal.
  const first = net.nodes.find((n) => n.params.weight !== undefined)!;
  first.params.weight!.data.set([NaN, -0, 1.4e-45], 0);
  return net;
}

for (const name of ["lenet", "inception", "residual"]) {
  test(`${name}: JSON round trip is lossless`, async () => {
    const net = await trained(name);
    assert.ok(net.nodes.some((n) => Object.keys(n.params).length > 0));
    const text = JSON.stringify(networkToJSON(net));
    const back = networkFromJSON(JSON.parse(text), { file: `${name}.json` });
    assert.equal(essence(back), essence(net));
    assert.is(JSON.stringify(networkToJSON(back)), text, "and writing it again gives the same text");
  });

  test(`${name}: the file format (JSON + binary weights) round trip is bit for bit`, async () => {
    const net = await trained(name);
    for (const compress of [false, true]) {
      const file = decodeNetwork(encodeNetwork(net, { source: "test" }, { compress }), `${name}.spikelab`);
      assert.equal(essence(file.network), essence(net), `compress ${compress}`);
      assert.equal(file.metadata.source, "test");
    }
  });
}

test("structure-only JSON rebuilds the same shapes without parameters", async () => {
  const net = await trained("inception");
  const back = networkFromJSON(JSON.parse(JSON.stringify(networkToJSON(net, { params: "none" }))));
  assert.equal(back.nodes.map((n) => [n.id, n.shape.join("x"), Object.keys(n.params).length]), net.nodes.map((n) => [n.id, n.shape.join("x"), 0]));
});

test.run();

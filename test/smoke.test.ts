import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildNetwork } from "../stdlib/ir/shapes.ts";

test("lenet shapes", () => {
  const r = buildNetwork("lenet", [
    { id: "in", op: { kind: "input", shape: [1, 28, 28] }, inputs: [] },
    { id: "c1", op: { kind: "conv", filters: 6, kernel: [5, 5], stride: [1, 1], padding: [2, 2], groups: 1, bias: true }, inputs: ["in"] },
    { id: "p1", op: { kind: "avgpool", kernel: [2, 2], stride: [2, 2], padding: [0, 0] }, inputs: ["c1"] },
  ]);
  assert.equal(r.errors.length, 0);
  assert.equal(r.network!.nodes[2]!.shape, [6, 14, 14]);
});
test.run();

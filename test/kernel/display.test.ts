import { test } from "uvu";
import * as assert from "uvu/assert";
import { Display, PLOTLY_MIME, snnTable } from "../../kernel/display.ts";
import { ProgressDisplay, progressBundle } from "../../kernel/progress.ts";
import { buildNetwork } from "../../stdlib/ir/shapes.ts";
import type { SpikingNetwork } from "../../stdlib/ir/spiking.ts";
import { ruleSet } from "../../stdlib/ir/rules.ts";
import { FAKE_RECORDS, fakeRaster } from "./fake-interpreter.ts";
import type { MimeBundle } from "../../kernel/display.ts";

test("a figure: Plotly JSON with plain arrays, offline HTML with plotly.js only the first time, SVG with one mark per spike", () => {
  const d = new Display();
  const first = d.bundle({ kind: "figure", figure: fakeRaster() });
  const second = d.bundle({ kind: "figure", figure: fakeRaster() });
  assert.equal(Object.keys(first).sort(), [PLOTLY_MIME, "image/svg+xml", "text/html", "text/plain"]);
  const spec = first[PLOTLY_MIME] as { data: { x: unknown }[] };
  assert.ok(Array.isArray(spec.data[0]!.x), "typed arrays became JSON arrays");
  assert.equal(spec.data[0]!.x, [1, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const marker = "embedded by spikelab for offline use";
  assert.ok((first["text/html"] as string).includes(marker));
  assert.not.ok((second["text/html"] as string).includes(marker));
  assert.ok((first["text/html"] as string).length > 1_000_000, "the library itself is inline, not a URL");
  assert.is(((second["text/html"] as string).match(/<script/g) ?? []).length, 1);
  const spikes = FAKE_RECORDS.reduce((a, r) => a + r.neuron.length, 0);
  assert.is(((first["image/svg+xml"] as string).match(/class="point"/g) ?? []).length, spikes);
  assert.is(first["text/plain"], "<figure 'raster (sample 0)': 2 traces>");
  // Two figures must not share a div id.
  const id = (b: MimeBundle) => /<div id="([^"]+)"/.exec(b["text/html"] as string)?.[1];
  assert.is.not(id(first), id(second));
});

test("a network displays as a layer table (shape, parameters)", () => {
  const net = buildNetwork("tiny", [
    { id: "in", op: { kind: "input", shape: [1, 4, 4] }, inputs: [] },
    { id: "flat", op: { kind: "flatten" }, inputs: ["in"] },
    { id: "fc", op: { kind: "dense", units: 3, bias: true }, inputs: ["flat"] },
  ]).network!;
  const b = new Display().bundle({ kind: "network", network: net });
  assert.is(
    b["text/plain"],
    ["network tiny", "layer  op       shape  parameters", "-----  -------  -----  ----------", "in     input    1×4×4           0", "flat   flatten  16              0", "fc     dense 3  3               0", "total                           0", ""].join("\n"),
  );
  assert.match(b["text/html"] as string, /<table/);
  assert.match(b["text/markdown"] as string, /\| fc \| dense 3 \| 3 \|/);
});

test("an SNN displays populations with neurons and synapses", () => {
  const source = buildNetwork("n", [
    { id: "in", op: { kind: "input", shape: [4] }, inputs: [] },
    { id: "fc", op: { kind: "dense", units: 2, bias: false }, inputs: ["in"] },
  ]).network!;
  const weight = { shape: [2, 4], data: new Float32Array(8) } as unknown as NonNullable<SpikingNetwork["projections"][number]["weight"]>;
  const snn: SpikingNetwork = {
    name: "n_rate",
    family: "rate",
    rules: ruleSet({ family: "rate", doc: "", params: [] }, "r"),
    source,
    dtSeconds: 1e-3,
    encoder: { kind: "analog" },
    populations: [
      { id: "in", shape: [4], neuron: { kind: "if", threshold: 1, reset: "subtract", tauSeconds: Infinity }, sourceNode: "in" },
      { id: "fc", shape: [2], neuron: { kind: "integrator" }, sourceNode: "fc" },
    ],
    projections: [{ id: "p", from: "in", to: "fc", geometry: { kind: "dense" }, weight }],
    readout: { kind: "membrane" },
    info: {},
  };
  const t = snnTable(snn);
  assert.equal(t.rows, [["in", "if", "4", 4, 0], ["fc", "integrator", "2", 2, 8], ["total", "", "", 6, 8]]);
  assert.is(t.title, "spiking network n_rate (rate, analog input, membrane read-out)");
});

test("plain values are text/plain in the language's own format", () => {
  const d = new Display();
  assert.equal(d.bundle({ kind: "number", value: 42 }), { "text/plain": "42" });
  assert.equal(d.bundle({ kind: "list", items: [{ kind: "number", value: 1 }, { kind: "bool", value: true }] }), { "text/plain": "[1, true]" });
});

test("progress bar text: done/total, figures, elapsed, ETA", () => {
  const b = progressBundle({ label: "simulate lenet_rate", done: 250, total: 1000, unit: "images", figures: { spikes: 1_234_567 } }, 5);
  assert.is(b["text/plain"], "simulate lenet_rate [########......................] 25% 250/1000 images · spikes 1.23M · elapsed 5.0 s · ETA 15.0 s");
  assert.match(b["text/html"] as string, /<progress value="250" max="1000"/);
});

test("progress is throttled: first and last go out at once, the rest at most every interval", () => {
  let now = 0;
  const sent: { id: string; update: boolean; text: string; at: number }[] = [];
  const p = new ProgressDisplay({ show: (b, id, update) => sent.push({ id, update, text: b["text/plain"] as string, at: now }) }, "bar", 200, () => now);
  for (let i = 1; i <= 100; i++) {
    now = i * 10; // one report every 10 ms for 1 s
    p.report({ label: "train", done: i, total: 100, unit: "batches" });
  }
  p.flush();
  assert.is(sent[0]!.update, false);
  assert.ok(sent.slice(1).every((s) => s.update && s.id === "bar-0"));
  // First at 10 ms, then at most one per 200 ms (sends happen on reports at 210, 410, …), then the final one.
  assert.equal(sent.map((s) => s.at), [10, 210, 410, 610, 810, 1000]);
  assert.match(sent[sent.length - 1]!.text, /100\/100 batches · elapsed 1\.0 s · done$/);
  // A second task's clock starts where the first one's last report left off.
  now = 1500;
  p.report({ label: "simulate", done: 5, total: 10, unit: "images" });
  assert.match(sent[sent.length - 1]!.text, /5\/10 images · elapsed 0\.5 s · ETA 0\.5 s$/);
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { SpikelabError } from "../../stdlib/errors.ts";
import type { Table } from "../../stdlib/plot/figure.ts";
import { resultsTable } from "../../stdlib/plot/summary.ts";
import { columnFormats, formatAuto, formatCell, formatSi, tableHtml, tableMarkdown, tableText } from "../../stdlib/plot/table.ts";
import type { SimResult } from "../../stdlib/ir/results.ts";

const t: Table = {
  kind: "table", title: "Percentile sweep",
  columns: ["percentile", "accuracy", "synaptic ops", "note"],
  rows: [
    [99, 0.9912, 1234567, "p|99"],
    [99.9, 0.99125, 98765, null],
    [100, 0.9, 12, "max-norm"],
  ],
};

test("number formats: auto, percent, count, si, fixed", () => {
  assert.equal([0.5, 12.3456, 1234, 12345, 1234567, 12345678, 1e-6, -42, NaN].map(formatAuto),
    ["0.5", "12.35", "1234", "12,345", "1,234,567", "12.3 M", "1.00e-6", "-42", "NaN"]);
  assert.is(formatSi(999_999), "1 M");
  assert.is(formatSi(1500), "1.5 k");
  assert.is(formatCell(0.99125, "percent"), "99.13 %");
  assert.is(formatCell(0.5, "percent:0"), "50 %");
  assert.is(formatCell(1234567.4, "count"), "1,234,567");
  assert.is(formatCell(2.5e9, "si"), "2.5 G");
  assert.is(formatCell(3.14159, "fixed:3"), "3.142");
  assert.equal([71.98512756824493, 7.01892, 0.183729, 1, 12345.6, 0.5, 3e-6].map((v) => formatCell(v, "sig:4")),
    ["71.99", "7.019", "0.1837", "1", "12,350", "0.5", "3.000e-6"]);
  assert.is(formatCell(2 / 3, "sig:2"), "0.67");
  assert.is(formatCell(null), "\u2014");
  assert.is(formatCell(true), "yes");
});

test("a column named like accuracy with fractions is shown as percent; explicit formats win", () => {
  assert.equal(columnFormats(t), ["auto", "percent", "auto", "auto"]);
  assert.equal(columnFormats({ ...t, rows: [[1, 97.5, 3, "x"]] }), ["auto", "auto", "auto", "auto"]);
  assert.equal(columnFormats({ ...t, formats: [undefined, "fixed:4", "si", undefined] }), ["auto", "fixed:4", "si", "auto"]);
});

test("plain text: aligned columns, numbers right-aligned", () => {
  assert.is(tableText(t), [
    "Percentile sweep",
    "percentile  accuracy  synaptic ops  note",
    "----------  --------  ------------  --------",
    "        99   99.12 %     1,234,567  p|99",
    "      99.9   99.13 %        98,765  \u2014",
    "       100   90.00 %            12  max-norm",
    "",
  ].join("\n"));
});

test("markdown: alignment row, pipes escaped", () => {
  assert.is(tableMarkdown(t), [
    "**Percentile sweep**",
    "",
    "| percentile | accuracy | synaptic ops | note |",
    "| ---: | ---: | ---: | --- |",
    "| 99 | 99.12 % | 1,234,567 | p\\|99 |",
    "| 99.9 | 99.13 % | 98,765 | \u2014 |",
    "| 100 | 90.00 % | 12 | max-norm |",
    "",
  ].join("\n"));
});

test("HTML: caption, escaped cells, right-aligned numeric columns", () => {
  const h = tableHtml({ kind: "table", columns: ["name", "n"], rows: [["<b>&", 12345]] });
  assert.is(h, '<table class="spikelab-table"><thead><tr><th style="text-align:left">name</th><th style="text-align:right">n</th></tr></thead>\n<tbody>\n<tr><td style="text-align:left">&lt;b&gt;&amp;</td><td style="text-align:right">12,345</td></tr>\n</tbody></table>');
  assert.ok(tableHtml(t).includes('<caption style="text-align:left;font-weight:bold">Percentile sweep</caption>'));
});

test("a ragged row or an unknown format is a SpikelabError naming the row or column", () => {
  try {
    tableText({ kind: "table", title: "t", columns: ["a", "b"], rows: [[1, 2], [3]] });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, SpikelabError);
    assert.is((e as SpikelabError).code, "shape");
    assert.match((e as Error).message, "row 2 has 1 cells for 2 columns");
  }
  assert.throws(() => tableText({ kind: "table", columns: ["a"], rows: [[1]], formats: ["pct" as "percent"] }), (e: unknown) => e instanceof SpikelabError && /column "a".*"pct"/.test((e as Error).message));
});

const result = (over: Partial<SimResult>): SimResult => ({
  kind: "simresult", family: "rate", network: "lenet_rate", data: "mnist.test[0:100]", samples: 100,
  labels: new Uint8Array(0), predictions: new Int32Array(0), annPredictions: new Int32Array(0),
  accuracy: 0.99, annAccuracy: 0.991, agreement: 0.995, latency: { value: 100, unit: "steps" },
  spikesPerNeuron: 4.25, synapticOps: [], synapticOpsTotal: 2_000_000, annOps: 1_000_000,
  records: [], info: {}, partial: false, ...over,
});

test("results table: one row per family, energies stated in the title", () => {
  const table = resultsTable([result({})]);
  assert.match(table.title!, "0.9 pJ per synaptic operation, 4.6 pJ per ANN MAC");
  const text = tableText(table);
  assert.match(text, /rate\s+lenet_rate\s+mnist\.test\[0:100\]\s+100\s+99\.00 %\s+99\.10 %\s+99\.50 %\s+100 steps\s+4\.25\s+2,000,000\s+1,000,000\s+1\.8\s+2\.3\n/);
});

test("results read alike in text, markdown and HTML: percent with 2 decimals, latency to 4 digits with its unit, counts separated", () => {
  // The figures of the quick start's three runs (spikelab run stdlib/quickstart.snn).
  const rs = [
    result({ network: "lenet_avg_rueckauer2017", data: "mnist.test[0:1000]", samples: 1000, accuracy: 0.991, annAccuracy: 0.992, agreement: 0.999, spikesPerNeuron: 7.01892, synapticOpsTotal: 3171100, annOps: 839558 }),
    result({ family: "ttfs", network: "lenet_avg_ttfs", data: "mnist.test[0:1000]", samples: 1000, accuracy: 0.992, annAccuracy: 0.992, agreement: 1, latency: { value: 71.98512756824493, unit: "time units" }, spikesPerNeuron: 1, synapticOpsTotal: 412960, annOps: 839558 }),
    result({ family: "amos", network: "lenet_avg_stockl2019_amos", data: "mnist.test[0:1000]", samples: 1000, accuracy: 0.992, annAccuracy: 0.992, agreement: 1, latency: { value: 40, unit: "steps" }, spikesPerNeuron: 0.183729, synapticOpsTotal: 2339780.5, annOps: 839558 }),
  ];
  const table = resultsTable(rs);
  const want = [
    ["rate", "lenet_avg_rueckauer2017", "mnist.test[0:1000]", "1,000", "99.10 %", "99.20 %", "99.90 %", "100 steps", "7.019", "3,171,100", "839,558", "2.854", "1.931"],
    ["ttfs", "lenet_avg_ttfs", "mnist.test[0:1000]", "1,000", "99.20 %", "99.20 %", "100.00 %", "71.99 time units", "1", "412,960", "839,558", "0.3717", "1.931"],
    ["amos", "lenet_avg_stockl2019_amos", "mnist.test[0:1000]", "1,000", "99.20 %", "99.20 %", "100.00 %", "40 steps", "0.1837", "2,339,781", "839,558", "2.106", "1.931"],
  ];
  const text = tableText(table).split("\n");
  want.forEach((cells, i) => assert.equal(text[i + 3]!.trim().split(/\s{2,}/), cells, `text row ${i + 1}`));
  const md = tableMarkdown(table).split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| family") && !l.startsWith("| ---"));
  assert.equal(md.map((l) => l.slice(2, -2).split(" | ")), want);
  const html = [...tableHtml(table).matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1])).filter((r) => r.length > 0);
  assert.equal(html, want);
  assert.is(formatCell(1_234_567, "count"), "1,234,567");
});

test.run();

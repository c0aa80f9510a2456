import { test } from "uvu";
import * as assert from "uvu/assert";
import { d3Format, defaultLabel, linearTicks, logTicks, niceStep } from "../../stdlib/plot/ticks.ts";

const labels = (ts: { label: string }[]): string[] => ts.map((t) => t.label);

test("niceStep rounds up to 2, 5 or 10 × 10^k strictly above the rough step, as Plotly's roundDTick", () => {
  assert.equal([0.7, 1, 1.99, 2, 4.9, 5, 0.03, 6.76, 2758].map(niceStep), [1, 2, 2, 5, 5, 10, 0.05, 10, 5000]);
});

test("linear ticks: one per 80 px on x, labels with just the digits the step needs", () => {
  assert.equal(labels(linearTicks(0, 49, 500, "x")), ["0", "10", "20", "30", "40"]);
  assert.equal(labels(linearTicks(-0.04, 1.0, 265, "y")), ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
  assert.equal(linearTicks(-0.04, 1.0, 265, "y").map((t) => t.at), [0, 0.2, 0.4, 0.6, 0.8, 1]);
});

test("linear ticks: true minus sign, SI suffixes past 10^3, micro below 10^-3", () => {
  assert.equal(labels(linearTicks(-2, 4, 540, "x")), ["\u22122", "\u22121", "0", "1", "2", "3", "4"]);
  assert.equal(labels(linearTicks(0, 20000, 500, "x")), ["0", "5k", "10k", "15k", "20k"]);
  assert.equal(labels(linearTicks(0, 9000, 500, "x")), ["0", "2000", "4000", "6000", "8000"]);
  assert.equal(labels(linearTicks(0, 0.0003, 300, "y")), ["0", "50\u03bc", "100\u03bc", "150\u03bc", "200\u03bc", "250\u03bc", "300\u03bc"]);
});

test("tick options: dtick/tick0, tickvals/ticktext, tickformat, prefix and suffix", () => {
  assert.equal(labels(linearTicks(0, 1, 300, "x", { dtick: 0.25 })), ["0", "0.25", "0.5", "0.75", "1"]);
  assert.equal(labels(linearTicks(0, 10, 300, "x", { tickvals: [1, 5, 20], ticktext: ["one", "five", "twenty"] })), ["one", "five"]);
  assert.equal(labels(linearTicks(0, 1, 300, "y", { tickformat: ".0%" })), ["0%", "20%", "40%", "60%", "80%", "100%"]);
  assert.equal(labels(linearTicks(0, 2, 300, "x", { dtick: 1, ticksuffix: " ms" })), ["0 ms", "1 ms", "2 ms"]);
  assert.is(defaultLabel(0.125, 0.25, 0), "0.125");
});

test("d3-format subset", () => {
  assert.is(d3Format(0.5, ".0%"), "50%");
  assert.is(d3Format(0.98765, ".2%"), "98.77%");
  assert.is(d3Format(-1.234, ".2f"), "\u22121.23");
  assert.is(d3Format(1234567, ",d"), "1,234,567");
  assert.is(d3Format(1200000, "~s"), "1.2M");
  assert.is(d3Format(1234567, ".3s"), "1.23M");
  assert.is(d3Format(1e9, ".2~s"), "1G");
  assert.is(d3Format(1.5, "$.2f"), undefined);
});

test("log ticks: whole decades when crowded, 1-2-5 or every digit in between", () => {
  assert.equal(labels(logTicks(0, 6, 500, "x")), ["1", "10", "100", "1000", "10k", "100k", "1M"]);
  const d1 = logTicks(Math.log10(3e4), Math.log10(3e6), 500, "x");
  assert.equal(labels(d1).slice(0, 9), ["3", "4", "5", "6", "7", "8", "9", "100k", "2"]);
  assert.equal(d1.filter((t) => !t.minor).map((t) => t.label), ["100k", "1M"]);
  const d2 = logTicks(-1, 2, 300, "y");
  assert.equal(labels(d2), ["0.1", "2", "5", "1", "2", "5", "10", "2", "5", "100"]);
  assert.equal(d2.filter((t) => t.minor).length, 6);
  // Less than a decade: linear ticks in value space.
  const l = logTicks(Math.log10(2), Math.log10(8), 400, "x");
  assert.equal(labels(l), ["2", "3", "4", "5", "6", "7", "8"]);
});

test.run();

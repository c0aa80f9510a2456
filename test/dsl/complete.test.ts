// Editor services at chosen cursors: completion (keywords, names in scope, layer kinds, options,
// rule-set parameters and their keywords, plot kinds, modules, fields), inspect, is-complete.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createInterpreter } from "../../dsl/interpreter.ts";

const it = createInterpreter({ baseDir: "/tmp" });

/** Completion at the `|` in `src`: the matches and the replaced range. */
function at(src: string): { matches: readonly string[]; start: number; end: number } {
  const offset = src.indexOf("|");
  return it.complete(src.replace("|", ""), offset);
}

test.before(async () => {
  const r = await it.execute("use rueckauer2017, lenet\ndataset mnist = mnist()\nsteps_fast = 5", "setup", { emit: () => {} });
  assert.ok(r.ok);
});

test("statement keywords and names in scope", () => {
  assert.equal(at("pr|").matches, ["print"]);
  assert.equal(at("x = le|").matches, ["len", "lenet", "lenet_bn_max", "lenet_silu"]);
  const fresh = at("x = 1\n|").matches;
  for (const w of ["network", "conversion", "use", "sweep", "steps_fast", "mnist", "rueckauer2017", "sqrt"]) assert.ok(fresh.includes(w), w);
  assert.equal(at("x = sq|"), { matches: ["sqrt"], start: 4, end: 6 });
});

test("inside a network: layer kinds, then that layer's options, joins take layer names", () => {
  assert.equal(at("network n (input 784) {\n  de|").matches, ["dense"]);
  assert.equal(at("network n (input 784) {\n  d|").matches, ["dense", "dropout"]);
  assert.equal(at("network n (input 1x28x28) {\n  conv 6 ke|").matches, ["kernel"]);
  assert.equal(at("network n (input 1x28x28) {\n  maxpool 2 |").matches.filter((m) => ["stride", "pad"].includes(m)), ["pad", "stride"]);
  assert.equal(at("network n (input 784) {\n  a: dense 3\n  concat |").matches, ["a", "input"]);
});

test("inside a record: the parameters of the family or options in context, and their keywords", () => {
  assert.equal(at("conversion c extends rate { res|").matches, ["reset"]);
  assert.equal(at("conversion c extends rueckauer2017 { reset: su|").matches, ["subtract"]);
  assert.equal(at("conversion c extends rate { reset: |").matches, ["subtract", "zero"]);
  assert.equal(at("conversion c extends amos { alpha: au|").matches, ["auto"]);
  assert.equal(at("conversion c extends ttfs { z|").matches, ["zeta"]);
  assert.equal(at("x = convert lenet with rueckauer2017 { perc|").matches, ["percentile"]);
  assert.equal(at("s = simulate (convert lenet with rate) on mnist.test { st|").matches, ["steps"]);
  assert.equal(at("train lenet on mnist.train { ep|").matches, ["epochs"]);
  assert.equal(at("y = synthetic(cou|").matches, ["count"]);
  const cell = "conversion mine extends rate { steps: 10 }\nx = convert lenet with mine { no|";
  assert.equal(at(cell).matches, ["norm_data", "normalize", "normalize_output"], "a rule set bound earlier in the same cell");
});

test("plot kinds, modules, bases, fields", () => {
  assert.equal(at("plot ra|").matches, ["raster", "rates"]);
  assert.equal(at("use rue|").matches, ["rueckauer2016", "rueckauer2017"]);
  assert.equal(at("conversion d extends |").matches, ["amos", "rate", "rueckauer2017", "ttfs"]);
  assert.equal(at("mnist.t|"), { matches: ["test", "train"], start: 6, end: 7 });
  assert.equal(at("rueckauer2017.ou|").matches, ["output"]);
  assert.equal(at("a = mnist()\nb = a.|").matches, ["test", "train"]);
});

test("the replaced range covers the whole word under the cursor", () => {
  assert.equal(at("x = conv|ert"), { matches: ["convert"], start: 4, end: 11 });
});

test("inspect: layers, parameters, bound values, keywords", () => {
  assert.match(it.inspect("conv 6", 1).markdown, /\*\*conv\*\* \(layer\): 2-D convolution/);
  assert.match(it.inspect("x = percentile", 6).text, /^percentile \(rate parameter, default 99\.9\): p for percentile normalisation/);
  const r = it.inspect("rueckauer2017", 3);
  assert.ok(r.found);
  assert.match(r.text, /conversion rueckauer2017 \(rate\) extends rueckauer2016 → rate/);
  assert.match(r.text, /output +membrane/);
  assert.match(it.inspect("sweep p", 2).text, /run the block for each value/);
  assert.is(it.inspect("nothing_here", 2).found, false);
});

test("is-complete: complete, incomplete (with indent), invalid", () => {
  const s = (src: string): string => {
    const r = it.isComplete(src);
    return `${r.status}/${r.indent.length}`;
  };
  assert.is(s(""), "complete/0");
  assert.is(s("x = 1"), "complete/0");
  assert.is(s("network n (input 784) {"), "incomplete/2");
  assert.is(s("network n (input 784) {\n  a: dense 3 -> relu\n  b: from a -> relu -> conv (1 + "), "incomplete/4");
  assert.is(s("x = 1 +"), "incomplete/2");
  assert.is(s("network n (input 784) {\n  dense 10 ->"), "incomplete/2");
  assert.is(s("sweep p in [1] {\n  row { p: p }"), "incomplete/2");
  assert.is(s("x = 1 2"), "invalid/0");
  assert.is(s('print "a'), "invalid/0");
  assert.is(s("x = )"), "invalid/0");
});

test.run();

// At least 40 bad programs, each with the exact error it must produce: message and line:col
// (one pass reports them all; here most programs hold one mistake). Also: every error carries
// a location, and none is an internal error.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { check } from "./helpers.ts";

/** [what is wrong, program, every expected "line:col message"] */
const CASES: readonly (readonly [string, string, readonly string[]])[] = [
  ["typo in layer", "network n (input 1x28x28) {\n  cnov 6 kernel 5\n}", ["2:3 unknown layer 'cnov' — did you mean 'conv'?"]],
  ["typo in option", "network n (input 1x28x28) {\n  conv 6 kernal 5\n}", ["2:10 unknown conv option 'kernal' — did you mean 'kernel'?"]],
  ["PyTorch's option name", "network n (input 1x28x28) {\n  conv 6 kernel 5 padding 2\n}", ["2:19 unknown conv option 'padding' — did you mean 'pad'?"]],
  ["PyTorch's layer name", "network n (input 784) {\n  linear 10\n}", ["2:3 unknown layer 'linear' — did you mean 'dense'?"]],
  ["framework spelling", "network n (input 1x28x28) {\n  conv 6 kernel 5\n  Batch_Norm\n}", ["3:3 unknown layer 'Batch_Norm' — did you mean 'batchnorm'?"]],
  ["other frameworks' parameter names", "conversion r extends rate { timesteps: 50, readout: spikes }", ["1:29 rate has no parameter 'timesteps' — did you mean 'steps'?", "1:44 rate has no parameter 'readout' — did you mean 'output'?"]],
  ["missing filters", "network n (input 1x28x28) {\n  conv kernel 5\n}", ["2:3 conv needs its filters, e.g. `conv 16 kernel 3`"]],
  ["fractional units", "network n (input 784) {\n  dense 2.5\n}", ["2:9 dense units must be a positive whole number, got 2.5"]],
  ["zero units", "network n (input 784) {\n  dense 0\n}", ["2:9 dense units must be a positive whole number, got 0"]],
  ["absurd dense", "network n (input 784) {\n  dense 1e12\n}", ["2:3 layer 'dense1' would need 2.8 PiB for its weights (float32), more than the 4.0 GiB spikelab allows"]],
  ["dense on image", "network n (input 1x28x28) {\n  dense 10\n}", ["2:3 layer 'dense1': dense needs a vector input, got 1x28x28"]],
  ["kernel too big", "network n (input 1x4x4) {\n  conv 2 kernel 7\n}", ["2:3 layer 'conv1': conv kernel 7x7 does not fit the 4x4 input"]],
  ["pool on vector", "network n (input 784) {\n  maxpool 2\n}", ["2:3 layer 'maxpool1': maxpool needs an image input (channels x height x width), got 784"]],
  ["bad groups", "network n (input 3x8x8) {\n  conv 4 kernel 3 groups 2\n}", ["2:3 layer 'conv1': groups 2 must divide both the 3 input channels and the 4 filters"]],
  ["concat mismatch", "network n (input 3x8x8) {\n  a: conv 4 kernel 1\n  b: from a -> maxpool 2\n  concat a b\n}", ["4:3 layer 'concat1': concat joins channels of equal height and width, got 4x8x8, 4x4x4"]],
  ["add mismatch", "network n (input 3x8x8) {\n  a: conv 4 kernel 1\n  b: from a -> conv 8 kernel 1\n  add a b\n}", ["4:3 layer 'add1': add needs branches of one shape, got 4x8x8 and 8x8x8"]],
  ["unknown branch", "network n (input 3x8x8) {\n  a: conv 4 kernel 1\n  b: from aa -> conv 4 kernel 1\n  add a b\n}", ["3:11 no layer named 'aa' before this line"]],
  ["join unknown", "network n (input 3x8x8) {\n  a: conv 4 kernel 1\n  concat a q\n}", ["3:12 no layer named 'q' before this line"]],
  ["unused branch", "network n (input 3x8x8) {\n  a: conv 4 kernel 1\n  b: from input -> conv 4 kernel 1\n  flatten\n  dense 10\n}", ["2:6 layer 'a' is computed but never used"]],
  ["duplicate layer name", "network n (input 784) {\n  a: dense 10\n  a: dense 10\n}", ["3:3 layer name 'a' is used twice in network 'n'"]],
  ["bad input shape", "network n (input \"big\") {\n  dense 10\n}", ["1:18 the input shape must be sizes like 1x28x28 or 784, got the string \"big\""]],
  ["option without value", "network n (input 1x28x28) {\n  conv 6 kernel\n}", ["2:10 conv option 'kernel' needs a value"]],
  ["bool option", "network n (input 784) {\n  dense 10 bias 3\n}", ["2:17 dense bias must be true or false, got the number 3"]],
  ["dropout rate", "network n (input 784) {\n  dropout 1.5\n}", ["2:11 dropout rate must be in [0, 1), got 1.5"]],
  ["unknown param", "conversion r extends rate { treshold: 1 }", ["1:29 rate has no parameter 'treshold' — did you mean 'threshold'?"]],
  ["wrong unit", "conversion r extends rate { dt: 5 Hz }", ["1:33 rate dt: expected a time, got 5 Hz"]],
  ["missing unit", "conversion r extends rate { dt: 0.001 }", ["1:33 rate dt: expected a time, got 0.001"]],
  ["unit on plain", "conversion r extends rate { threshold: 1 ms }", ["1:40 rate threshold: expected a plain number, got 1 ms"]],
  ["out of range", "conversion r extends rate { percentile: 150 }", ["1:41 rate percentile must be in (0, 100], got 150"]],
  ["enum typo", "conversion r extends rate { reset: substract }", ["1:36 rate reset must be subtract or zero, got 'substract' — did you mean 'subtract'?"]],
  ["not integer", "conversion r extends rate { steps: 10.5 }", ["1:36 rate steps must be a whole number, got 10.5"]],
  ["duplicate param", "conversion r extends rate {\n  steps: 10\n  steps: 20\n}", ["3:3 'steps' is set twice"]],
  ["no extends", "conversion r { steps: 10 }", ["1:12 conversion 'r' must say which family or rule set it extends"]],
  ["extends unknown", "conversion r extends rueckauer2071 { steps: 10 }", ["1:22 unknown name 'rueckauer2071'"]],
  ["extends network", "network n (input 784) {\n  dense 10\n}\nconversion r extends n { steps: 10 }", ["4:22 'n' needs a conversion rule set, got a network"]],
  ["data param not data", "conversion r extends rate { norm_data: 5 }", ["1:40 rate norm_data: expected a dataset slice such as mnist.train[0:10000], got the number 5"]],
  ["whole source as data", "dataset d = mnist()\nconversion r extends rate { norm_data: d }", ["2:40 rate norm_data: expected one split of d, got the whole data source"]],
  ["bad gate", "conversion g extends amos { gate: x * tanh(y) }", ["1:35 amos gate may use only x, numbers and math functions; got 'y'"]],
  ["bad range", "conversion g extends amos { fit_range: [4, -4] }", ["1:40 amos fit_range must have low < high, got [4, -4]"]],
  ["ttfs param on rate", "conversion r extends rate { zeta: 0.5 }", ["1:29 rate has no parameter 'zeta'"]],
  ["unknown name", "x = y + 1", ["1:5 unknown name 'y'"]],
  ["use missing module", "use rueckauer2071", ["1:5 no stdlib module 'rueckauer2071' — did you mean 'rueckauer2017'?"]],
  ["use missing file", "use \"nothere.snn\"", ["1:5 cannot use 'nothere.snn': no such file (/tmp/nothere.snn)"]],
  ["needs use", "snn = convert lenet with rueckauer2017", ["1:15 unknown name 'lenet'"]],
  ["time plus frequency", "x = 1 ms + 5 Hz", ["1:5 cannot add 1 ms and 5 Hz: a time and a frequency"]],
  ["time plus number", "x = 1 ms + 1", ["1:5 cannot add 1 ms and 1: a time and a plain number"]],
  ["seconds squared", "x = 1 ms * 2 ms", ["1:5 1 ms * 2 ms has unit s^2, which is neither a time nor a frequency"]],
  ["add network to number", "network n (input 784) {\n  dense 10\n}\nx = n + 1", ["4:5 cannot add a network and the number 1"]],
  ["unknown function", "x = sqr(4)", ["1:5 unknown function 'sqr' — did you mean 'sqrt'?"]],
  ["sandbox evaluate", "x = evaluate(\"1 + 1\")", ["1:5 unknown function 'evaluate'"]],
  ["sandbox import", "x = import(\"fs\")", ["1:5 unknown function 'import'"]],
  ["call a value", "y = 3\nx = y(2)", ["2:5 'y' is the number 3, not a function"]],
  ["wrong arity", "x = sqrt(1, 2)", ["1:9 sqrt takes 1 argument, got 2"]],
  ["unknown field", "dataset d = mnist()\nx = d.tset", ["2:7 a data source has no field 'tset' — did you mean 'test'?"]],
  ["slice past end", "dataset d = mnist()\nx = d.test[0:20000]", ["2:11 d.test has 10000 samples; [0:20000] goes past the end"]],
  ["empty slice", "dataset d = mnist()\nx = d.test[10:5]", ["2:11 the slice [10:5] of d.test is empty"]],
  ["slice whole source", "dataset d = mnist()\nx = d[0:10]", ["2:6 d has two splits; slice one of them"]],
  ["fractional index", "x = [1, 2, 3][0.5]", ["1:14 an index must be a whole number, got the number 0.5"]],
  ["index out of range", "x = [1, 2, 3][5]", ["1:14 index 5 is outside the list of 3 items"]],
  ["convert a dataset", "dataset d = mnist()\nx = convert d with rate", ["2:13 convert needs a network, got a data source"]],
  ["simulate a network", "network n (input 784) {\n  dense 10\n}\nx = simulate n on mnist().test", ["4:14 simulate needs a spiking network, got a network"]],
  ["simulate on source", "use mlp\nx = simulate (convert mlp with rate) on mnist()", ["2:41 simulate … on needs a dataset, got a data source"]],
  ["simulate option", "use mlp\nx = simulate (convert mlp with rate) on mnist().test { stpes: 10 }", ["2:56 simulate (rate) has no parameter 'stpes' — did you mean 'steps'?"]],
  ["data shape mismatch", "network n (input 3x32x32) {\n  flatten\n  dense 10\n}\ntrain n on mnist().train", ["5:12 network 'n' takes 3x32x32 inputs, but mnist().train has 1x28x28 samples"]],
  ["train option", "use mlp\ntrain mlp on mnist().train { epochs: 0 }", ["2:38 train epochs must be >= 1, got 0"]],
  ["train unknown", "train nett on mnist().train", ["1:7 unknown name 'nett'"]],
  ["plot typo", "use mlp\nr = simulate (convert mlp with rate) on mnist().test\nplot ratser r", ["3:6 unknown plot 'ratser' — did you mean 'raster'?"]],
  ["plot wrong arg", "use mlp\nplot raster mlp", ["2:13 plot raster needs a simulation result, got a network"]],
  ["plot option", "use mlp\nr = simulate (convert mlp with rate) on mnist().test\nplot raster r { sampel: 1 }", ["3:17 plot raster has no parameter 'sampel' — did you mean 'sample'?"]],
  ["row outside sweep", "row { a: 1 }", ["1:1 `row` belongs inside a sweep"]],
  ["row value", "use mlp\nt = sweep p in [1, 2] {\n  row { net: mlp }\n}", ["3:14 a row holds numbers, strings or true/false; 'net' is a network"]],
  ["sweep over number", "t = sweep p in 5 {\n  row { p: p }\n}", ["1:16 sweep p in needs a list, got the number 5"]],
  ["save non-network", "save 5 to \"x.spikelab\"", ["1:6 save needs a network or a spiking network, got the number 5"]],
  ["export network", "use mlp\nexport mlp to \"x.nir\"", ["2:8 export needs a spiking network, got a network"]],
  ["load into a number", "x = 3\nload x from \"x.spikelab\"", ["2:6 load x needs a network, got the number 3"]],
  ["path not string", "use mlp\nsave mlp to 5", ["2:13 save … to needs a file path as a string, got the number 5"]],
  ["syntax: missing brace", "network n (input 784) {\n  dense 10\n", ["2:11 expected '}', found the end of the input"]],
  ["syntax: equals in record", "conversion r extends rate { steps = 10 }", ["1:35 expected ':', found '='"]],
  ["syntax: two values", "x = 1 2", ["1:7 expected the end of the statement, found '2'"]],
  ["syntax: stray paren", "x = (1 + 2))", ["1:12 expected the end of the statement, found ')'"]],
  ["syntax: unexpected char", "x = 1 @ 2", ["1:7 unexpected character '@'"]],
  ["syntax: unterminated", "print \"hello", ["1:7 unterminated string"]],
  ["syntax: single quotes", "print 'hello'", ["1:7 unexpected character '''","1:13 unexpected character '''"]],
  ["table of number", "table 5", ["1:7 table needs a table or a simulation result or a network or a conversion rule set or a list, got the number 5"]],
  ["accuracy of network", "use mlp\nx = accuracy(mlp)", ["2:5 accuracy(x) needs a simulation result, got a network"]],
  ["synthetic option", "dataset d = synthetic(cout: 10)", ["1:23 synthetic has no parameter 'cout' — did you mean 'count'?"]],
  ["cifar path type", "dataset d = cifar10(5)", ["1:13 cifar10 needs the folder of your CIFAR-10 binary files as a string, got the number 5"]],
];

test(`${CASES.length} bad programs give their exact errors`, async () => {
  assert.ok(CASES.length >= 40);
  for (const [what, text, expected] of CASES) {
    const c = await check(text);
    assert.equal(c.messages, expected, what);
    for (const e of c.errors) {
      assert.ok(e.loc !== undefined && e.loc.line >= 1 && e.loc.column >= 1, `${what}: error without a place`);
      assert.not.match(e.message, /internal error/, what);
    }
  }
});

test("one pass reports every error of a program, in source order", async () => {
  const c = await check(`network bad (input 1x28x28) {
  cnov 6 kernel 5
  conv 6 kernal 5
}
conversion r extends rate { treshold: 1, dt: 5 Hz, percentile: 150, reset: substract }
x = y + 1
z = convert bad with rueckauer2017`);
  assert.equal(c.messages, [
    "2:3 unknown layer 'cnov' — did you mean 'conv'?",
    "3:10 unknown conv option 'kernal' — did you mean 'kernel'?",
    "5:29 rate has no parameter 'treshold' — did you mean 'threshold'?",
    "5:46 rate dt: expected a time, got 5 Hz",
    "5:64 rate percentile must be in (0, 100], got 150",
    "5:76 rate reset must be subtract or zero, got 'substract' — did you mean 'subtract'?",
    "6:5 unknown name 'y'",
    "7:22 unknown name 'rueckauer2017'",
  ]);
  assert.is(c.errors[7]!.hint, "it is defined in the stdlib module rueckauer2017: add `use rueckauer2017`");
});

test("syntax errors: recovery keeps parsing and reports each bad statement", async () => {
  const c = await check("x = = 3\ny = 1\nz = 2 3\nw = (1 +\n")
  assert.equal(c.messages, ["1:5 expected a value, found '='", "3:7 expected the end of the statement, found '3'", "4:9 expected a value, found the end of the input"]);
});

test("an error in a used module is reported in that module's file", async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const dir = mkdtempSync("/tmp/spikelab-use-");
  writeFileSync(join(dir, "mine.snn"), "conversion fast extends rate {\n  stpes: 10\n}\n");
  const { parse } = await import("../../dsl/ast.ts");
  const { checkProgram } = await import("../../dsl/interpreter.ts");
  const errors = await checkProgram(parse('use "mine"\nx = fast.steps', "main.snn").program!, { dir });
  assert.equal(errors.map((e) => `${e.loc?.file}:${e.loc?.line}:${e.loc?.column} ${e.message}`), [`${join(dir, "mine.snn")}:2:3 rate has no parameter 'stpes' — did you mean 'steps'?`]);
});

test("a misspelled module is reported at its name; the rest of the line is still used, and what it would define says why it is unknown", async () => {
  const c = await check("use mnist_model, rueckauer2017\nx = convert lenet_avg with rueckauer2017\ny = mnist.test");
  assert.equal(c.messages, [
    "1:5 no stdlib module 'mnist_model' — did you mean 'mnist_models'?",
    "2:13 unknown name 'lenet_avg'",
    "3:5 'mnist' is a function: call it, e.g. mnist()",
  ]);
  assert.is(c.errors[1]!.hint, "it is defined in the stdlib module mnist_models: add `use mnist_models` (`use mnist_model` failed above: fix it first)");
  assert.is(c.errors[2]!.hint, "or add `use mnist_models`, which defines 'mnist'");
});

test("hints that say what happened: a network not converted, a name bound later, a family rebound", async () => {
  const c = await check("use mnist_models, rueckauer2017\nx = simulate mlp on mnist.test[0:10]\ny = z + 1\nz = 2\nrate = 3\nconversion mine extends rate { percentile: 99 }");
  assert.equal(c.messages, [
    "2:14 simulate needs a spiking network, got a network",
    "3:5 unknown name 'z'",
    "6:25 'rate' needs a conversion rule set, got the number 3",
  ]);
  assert.equal(c.errors.map((e) => e.hint), [
    "convert it first: simulate (convert mlp with rueckauer2017) on …, or with any rule set",
    "the program binds it later, on line 4: statements run in order, so bind it before this line",
    "'rate' is the rate family, but the program rebinds it on line 5: give that value another name",
  ]);
  assert.equal((await check("w = w + 1")).errors[0]!.hint, undefined, "a name used in its own first binding is not 'bound later'");
});

test("a bracket never closed is named where it opened", async () => {
  const c = await check("network n (input 784) {\n  dense 10\n\nx = (1 + 2\n");
  assert.equal(c.messages, ["4:3 expected '}', found '='"]);
  assert.is(c.errors[0]!.hint, "the '{' on line 1, column 23 is never closed, so everything after it was read as its inside");
  const p = await check("x = (1 + 2\n");
  assert.equal(p.errors.map((e) => e.hint), ["the '(' on line 1, column 5 is never closed, so everything after it was read as its inside"]);
});

test.run();

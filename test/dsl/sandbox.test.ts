// Expressions cannot escape: mathjs's evaluate/import/createUnit/parse/compile/… are not
// reachable from a program (unknown functions), disabled on the instance itself, and values
// never expose JavaScript properties (constructor, __proto__). Units convert to base units.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { restrictedMath, arith, quantity, MATH_FUNCTIONS } from "../../dsl/units.ts";
import { compileGate } from "../../dsl/params.ts";
import { createInterpreter } from "../../dsl/interpreter.ts";
import type { Value } from "../../dsl/api.ts";
import { check } from "./helpers.ts";

const ESCAPES = ["import", "createUnit", "evaluate", "parse", "compile", "simplify", "derivative", "rationalize", "resolve", "chain", "parser", "help", "reviver", "config", "typed", "Function", "eval", "require", "process"];

test("every mathjs escape hatch is an unknown function in a program", async () => {
  for (const f of ESCAPES) {
    const c = await check(`x = ${f}("1 + 1")`);
    assert.equal(c.messages.length, 1, f);
    assert.match(c.messages[0]!, new RegExp(`^1:5 unknown function '${f}'`), f);
  }
});

test("…and disabled on the instance itself", () => {
  for (const f of ["import", "createUnit", "evaluate", "parse", "compile", "simplify", "derivative", "rationalize", "resolve", "chain", "parser", "help"]) {
    const fn = (restrictedMath() as unknown as Record<string, (...a: unknown[]) => unknown>)[f]!;
    assert.throws(() => fn("1 + 1"), /is not available in spikelab programs/, f);
  }
  // The allowed functions still work through the same instance.
  assert.is(MATH_FUNCTIONS.sqrt!.fn(16), 4);
  assert.is(MATH_FUNCTIONS.erf!.fn(0), 0);
});

test("JavaScript properties are not fields", async () => {
  for (const [src, msg] of [
    ['x = "a".constructor', "1:9 the string \"a\" has no field 'constructor'"],
    ["x = [1].__proto__", "1:9 a list has no field '__proto__'"],
    ["dataset d = mnist()\nx = d.constructor", "2:7 a data source has no field 'constructor'"],
    ["x = rate.constructor", "1:10 rate rule sets have no parameter 'constructor'"],
    ["x = rate.toString", "1:10 rate rule sets have no parameter 'toString'"],
    ["x = pi.valueOf", "1:8 the number 3.14159 has no field 'valueOf'"],
  ] as const) {
    const c = await check(src);
    assert.equal(c.messages, [msg], src);
  }
});

test("gate expressions accept only x, numbers and math functions, and compile to plain functions", async () => {
  const ok = await check("conversion g extends amos { gate: x * sigmoid(x) - 2 ^ -x }");
  assert.equal(ok.messages, []);
  const rules = ok.bindings.get("g");
  assert.ok(rules?.kind === "rules");
  const src = (rules.rules.params.gate as { source: string }).source;
  const f = compileGate(src);
  for (const x of [-3, -0.5, 0, 0.7, 4]) assert.ok(Math.abs(f(x) - (x / (1 + Math.exp(-x)) - 2 ** -x)) < 1e-12, `${src} at ${x}`);
  const bad = await check('conversion g extends amos { gate: evaluate("x") }');
  assert.equal(bad.messages, ["1:35 amos gate calls unknown function 'evaluate'"]);
  assert.throws(() => compileGate("x.constructor"), /gate may use only function calls/);
});

test("units: base units, dimension algebra, wrong kinds", () => {
  const n = (v: number) => ({ value: v, dimension: "none" as const });
  assert.equal(quantity(n(1), "ms"), { value: 0.001, dimension: "time" });
  assert.equal(quantity(n(250), "us"), { value: 0.00025, dimension: "time" });
  assert.equal(quantity(n(2), "kHz"), { value: 2000, dimension: "frequency" });
  assert.equal(arith("/", n(1), quantity(n(1), "ms")), { value: 1000, dimension: "frequency" });
  assert.equal(arith("*", quantity(n(1), "ms"), quantity(n(1), "kHz")), { value: 1, dimension: "none" });
  assert.throws(() => arith("+", quantity(n(1), "ms"), quantity(n(5), "Hz")), /cannot add 1 ms and 5 Hz: a time and a frequency/);
  assert.throws(() => arith("*", quantity(n(1), "ms"), quantity(n(1), "ms")), /has unit s\^2, which is neither a time nor a frequency/);
  assert.throws(() => quantity(quantity(n(1), "ms"), "s"), /already has a unit/);
});

test("a program's numbers: printed in a readable unit, parameters stored in base units", async () => {
  const it = createInterpreter({ baseDir: "/tmp" });
  const out: string[] = [];
  const r = await it.execute("conversion r extends rate { dt: 500 us, max_rate: 2 kHz, tau: 20 ms }\nprint 1 ms + 250 us, 1 / (4 ms), 2 * 500 Hz, r.dt\nr", "cell", {
    emit: (o) => {
      if (o.kind === "text") out.push(o.text);
    },
  });
  assert.ok(r.ok);
  assert.equal(out, ["1.25 ms 250 Hz 1 kHz 500 us\n"]);
  const v = (r as { value: Value }).value;
  assert.ok(v.kind === "rules");
  assert.equal([v.rules.params.dt, v.rules.params.max_rate, v.rules.params.tau], [0.0005, 2000, 0.02]);
});

test.run();

// Every example in docs/language.md parses, and the examples check in order as one session:
// plain ```snn blocks without errors, ```snn error blocks with at least one. The reference also
// names every layer kind, plot kind, function, stdlib module and family parameter.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parse } from "../../dsl/ast.ts";
import { BUILTINS } from "../../dsl/builtins.ts";
import { CLEAR_OPTIONS, EXPORT_OPTIONS, PLOTS, TRAIN_OPTIONS } from "../../dsl/engine.ts";
import { checkProgram, createInterpreter } from "../../dsl/interpreter.ts";
import { LAYER_KINDS } from "../../dsl/layers.ts";
import { stdlibModules } from "../../dsl/modules.ts";
import type { V } from "../../dsl/values.ts";
import { families } from "../../stdlib/families.ts";
import { KEYWORDS } from "../../dsl/tokens.ts";

const docPath = new URL("../../docs/language.md", import.meta.url).pathname;
const doc = readFileSync(docPath, "utf8");
const blocks = [...doc.matchAll(/```snn( error)?\n([\s\S]*?)```/g)].map((m) => ({
  error: m[1] !== undefined,
  text: m[2]!,
  line: doc.slice(0, m.index).split("\n").length + 1,
}));

test("the reference has examples", () => {
  assert.ok(blocks.length >= 15, `only ${blocks.length} examples`);
  assert.ok(blocks.some((b) => b.error));
});

test("every example parses, and they check in order as one session", async () => {
  const bindings = new Map<string, V>();
  for (const b of blocks) {
    const parsed = parse(b.text, `language.md:${b.line}`);
    assert.equal(parsed.errors.map((e) => `${e.loc?.line}:${e.loc?.column} ${e.message}`), [], `example at docs/language.md:${b.line} does not parse`);
    const errors = await checkProgram(parsed.program!, { dir: "docs", bindings });
    if (b.error) assert.ok(errors.length > 0, `example at line ${b.line} is marked error but checks clean`);
    else assert.equal(errors.map((e) => `${e.loc?.line}:${e.loc?.column} ${e.message}`), [], `example at docs/language.md:${b.line} has errors`);
  }
});

test("the reference names every keyword: in the keyword list, the statement table or prose, and the grammar", () => {
  const list = /- \*\*Keywords\*\* \(not usable as names\): `([^`]*)`/.exec(doc)?.[1]?.split(/\s+/) ?? [];
  const grammar = /## Grammar\n\n```text\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";
  const words = KEYWORDS.map((k) => k.name.replace(/^Kw_/, ""));
  assert.equal(words.filter((w) => !list.includes(w)), [], "missing from the keyword list");
  assert.equal(list.filter((w) => !words.includes(w)), [], "listed as keywords but not keywords");
  assert.equal(words.filter((w) => !grammar.includes(`"${w}"`)), [], "missing from the grammar");
  // Each statement keyword has a row in the statement table.
  const table = /## Statements\n\n([\s\S]*?)\n\n/.exec(doc)?.[1] ?? "";
  for (const w of ["use", "dataset", "network", "conversion", "train", "load", "save", "export", "plot", "table", "print", "warn", "clear", "sweep"]) {
    assert.ok(table.includes(`\`${w}`), `statement ${w} has no row in the statement table`);
  }
});

test("the run-time error the reference quotes is the one spikelab gives", async () => {
  const quoted = /`(export to NIR: [^`]*)`/.exec(doc)?.[1];
  assert.ok(quoted !== undefined, "docs/language.md quotes an export error");
  const dir = mkdtempSync(join(tmpdir(), "spikelab-docs-"));
  const r = await createInterpreter({ baseDir: dir }).execute(`use stanojevic2022
dataset syn = synthetic(count: 100, shape: 1x4x4, classes: 2, seed: 1)
network tiny (input 1x4x4) {
  flatten
  dense 8 -> relu
  dense 2
}
train tiny on syn.train { epochs: 1 }
snn = convert tiny with stanojevic2022
export snn to "tiny.nir"`, "docs", { emit: () => undefined });
  assert.is(r.ok ? undefined : r.errors[0]!.message, quoted);
});

test("the reference names every layer, plot, function, module and parameter", () => {
  const missing: string[] = [];
  const want = (name: string, what: string): void => {
    if (!doc.includes(name)) missing.push(`${what} ${name}`);
  };
  for (const k of LAYER_KINDS.keys()) want(`\`${k}\``, "layer");
  for (const k of PLOTS.keys()) want(`\`${k}\``, "plot");
  for (const k of BUILTINS.keys()) want(k, "function");
  for (const m of stdlibModules()) want(`\`${m}\``, "module");
  for (const p of TRAIN_OPTIONS) want(`\`${p.name}\``, "train option");
  for (const p of EXPORT_OPTIONS) want(`\`${p.name}\``, "export option");
  for (const p of CLEAR_OPTIONS) want(`\`${p.name}`, "clear option");
  for (const k of PLOTS.values()) for (const o of k.options) want(`\`${o.name}\``, `plot ${k.name} option`);
  for (const f of families()) {
    for (const p of f.schema.params) want(`\`${p.name}\``, `${f.schema.family} parameter`);
    for (const p of f.simulateSchema) want(`\`${p.name}\``, `${f.schema.family} simulate option`);
  }
  assert.equal(missing, []);
});

test.run();

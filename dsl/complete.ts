// Editor services for the kernel: completion at a cursor (Chevrotain's content assist for what
// may come next, plus names in scope, layer kinds, plot kinds and the parameters of the schema
// in context), inspection of the word under the cursor, and is-complete for a cell.
// It must not run anything: the scope comes from the session's names and a dry run of the cell.

import type { IToken, TokenType } from "chevrotain";
import { createTokenInstance } from "./chevrotain.ts";
import { family } from "../stdlib/families.ts";
import type { Family, ParamSpec } from "../stdlib/ir/rules.ts";
import type { Completeness, Completion, Inspection, Value } from "./api.ts";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { parse, type Expr, type Stmt } from "./ast.ts";
import { BUILTINS, CONSTANTS, FAMILY_NAMES, MEMBERS } from "./builtins.ts";
import * as engine from "./engine.ts";
import { formatValue, tableText } from "./format.ts";
import { LAYER_KINDS } from "./layers.ts";
import { stdlibModules, type Modules } from "./modules.ts";
import { parser } from "./parser.ts";
import { AnyName, Identifier, KEYWORDS, LBrace, LBracket, LParen, Newline, RBrace, RBracket, RParen, tokenize, With, Extends, Plot } from "./tokens.ts";
import { isUnknown, kindOf, numberValue, unknown, type V } from "./values.ts";

export interface EditorContext {
  readonly names: ReadonlyMap<string, V>;
  readonly modules: Modules;
}

/** One line per keyword, for inspect. */
export const KEYWORD_DOCS: Readonly<Record<string, string>> = {
  use: "`use MODULE` or `use \"file.snn\"`: bring a stdlib module's or your own file's names into scope.",
  let: "`let name = value` (the `let` is optional): bind a name.",
  dataset: "`dataset NAME = mnist()`: declare a data source; its splits are NAME.train and NAME.test, sliced as NAME.test[0:1000].",
  network: "`network NAME (input 1x28x28) { layers }`: declare an ANN, one layer chain per line (`->` chains, `name:` names, `from name ->` branches).",
  input: "The input shape of a network: `(input 1x28x28)` or `(input 784)`.",
  conversion: "`conversion NAME extends BASE { param: value }`: a conversion rule set; BASE is a family (rate, ttfs, amos) or another rule set.",
  extends: "Names the family or rule set a conversion starts from.",
  convert: "`convert NETWORK with RULES { overrides }`: convert a trained ANN into a spiking network.",
  with: "Names the rule set of a conversion.",
  simulate: "`simulate SNN on DATA { options }`: run a spiking network on a dataset slice; gives a result.",
  on: "Names the data of `simulate` and `train`.",
  train: "`train NETWORK on DATA { epochs: 2, batch: 64, lr: 1e-3, seed: 1 }`: train an ANN.",
  load: "`load NETWORK from \"file\"`: read weights into a declared network, or a whole network into a new name.",
  from: "`load … from \"file\"`, or in a network `from NAME -> …` to branch from an earlier layer.",
  save: "`save NETWORK to \"file\"`: write a network with its weights.",
  to: "Names the file of `save` and `export`.",
  export: "`export SNN to \"file.nir\"`: write a spiking network in NIR.",
  plot: "`plot KIND value { options }`: draw a figure; kinds: " + [...engine.PLOTS.keys()].join(", ") + ".",
  table: "`table value, …`: show results, a table, a network's layers or a rule set's parameters as a table.",
  sweep: "`sweep p in [..] { … row { … } }`: run the block for each value; each `row` becomes a row of the resulting table.",
  in: "Names the values a sweep variable takes.",
  row: "`row { column: value, … }`: add a row to the enclosing sweep's table.",
  print: "`print value, …`: print values as text.",
  warn: "`warn value, …`: print values as text to stderr (a notebook shows it as a warning).",
  clear: "`clear` or `clear { wait: true }`: remove what the cell has shown so far (`wait`: when the next output arrives). The CLI ignores it.",
  true: "The boolean true.",
  false: "The boolean false.",
};

const WORD = /[A-Za-z0-9_]/;

function wordAt(source: string, offset: number): { start: number; end: number } {
  let start = Math.max(0, Math.min(offset, source.length));
  while (start > 0 && WORD.test(source[start - 1]!)) start--;
  let end = Math.max(0, Math.min(offset, source.length));
  while (end < source.length && WORD.test(source[end]!)) end++;
  return { start, end };
}

/** What kind of value an expression will give, guessed from its form (completion needs no run). */
function guess(e: Expr, names: ReadonlyMap<string, V>): V {
  switch (e.kind) {
    case "number":
      return numberValue(e.value);
    case "string":
      return { kind: "string", value: e.value };
    case "bool":
      return { kind: "bool", value: e.value };
    case "list":
    case "shape":
      return unknown("list");
    case "name":
      return names.get(e.name) ?? CONSTANTS.get(e.name)?.value ?? unknown("any");
    case "arith":
    case "sign":
    case "power":
      return unknown("number");
    case "convert": {
      const r = e.rules.kind === "name" ? (names.get(e.rules.name) ?? CONSTANTS.get(e.rules.name)?.value) : undefined;
      const fam = familyOf(r);
      return unknown("snn", fam ? { family: fam } : {});
    }
    case "simulate":
      return unknown("result");
    case "sweep":
      return unknown("table");
    case "postfix": {
      if (e.base.kind === "name" && e.ops[0]?.op === "call") {
        const n = e.base.name;
        if (["mnist", "fashion_mnist", "cifar10", "synthetic"].includes(n)) return e.ops.length === 1 ? unknown("datasource") : unknown("dataset");
        return unknown("number");
      }
      const base = guess(e.base, names);
      const first = e.ops[0];
      if (kindOf(base) === "datasource" && first?.op === "member") return unknown("dataset");
      if (kindOf(base) === "dataset") return unknown("dataset");
      return unknown("any");
    }
  }
}

const moduleNames = new Map<string, Map<string, V>>();

/** The names a program defines, with their guessed kinds (modules it uses included). */
function staticNames(stmts: readonly Stmt[], names: Map<string, V>, ctx: EditorContext, dir: string, depth = 0): void {
  for (const s of stmts) {
    switch (s.kind) {
      case "use":
        for (const t of s.targets) {
          if (depth > 8) break;
          const path = t.path ? (isAbsolute(t.name) ? t.name : join(dir, t.name)) : join(ctx.modules.stdlibDir, `${t.name}.snn`);
          let mod = moduleNames.get(path);
          if (mod === undefined) {
            mod = new Map();
            try {
              const parsed = parse(readFileSync(path, "utf8"), path);
              if (parsed.program !== undefined) staticNames(parsed.program.statements, mod, ctx, dirname(path), depth + 1);
            } catch {
              // An unreadable module offers no names; running it reports why.
            }
            moduleNames.set(path, mod);
          }
          for (const [k, v] of mod) names.set(k, v);
        }
        break;
      case "bind":
      case "dataset":
        names.set(s.name.name, guess(s.value, names));
        break;
      case "network":
      case "load":
        if (s.kind === "network" || !names.has(s.name.name)) names.set(s.name.name, unknown(s.kind === "load" && s.path.kind === "string" && engine.isSpikingFile(s.path.value) ? "snn" : "network"));
        break;
      case "conversion": {
        const fam = s.base === undefined ? undefined : familyOf(names.get(s.base.name) ?? CONSTANTS.get(s.base.name)?.value);
        names.set(s.name.name, unknown("rules", fam ? { family: fam } : {}));
        break;
      }
      default:
        break;
    }
  }
}

/** Names in scope at `offset`: the session's, plus those the cell binds before the cursor's statement. */
function scopeAt(source: string, offset: number, ctx: EditorContext): Map<string, V> {
  const names = new Map(ctx.names);
  const before = source.slice(0, offset);
  const cut = before.lastIndexOf("\n");
  if (cut <= 0) return names;
  const parsed = parse(before.slice(0, cut), "cell");
  if (parsed.program !== undefined) staticNames(parsed.program.statements, names, ctx, ".");
  return names;
}

/** Tokens of the statement the cursor is in (from the last separator outside any bracket). */
function statementTokens(tokens: readonly IToken[]): IToken[] {
  let depth = 0;
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.tokenType;
    if (t === LParen || t === LBracket || t === LBrace) depth++;
    else if (t === RParen || t === RBracket || t === RBrace) depth = Math.max(0, depth - 1);
    else if (depth === 0 && (t === Newline || t.name === "Semicolon")) start = i + 1;
  }
  return tokens.slice(start);
}

function familyOf(v: V | undefined): Family | undefined {
  if (v === undefined) return undefined;
  if (v.kind === "rules") return v.rules.family;
  if (v.kind === "snn") return v.snn.family;
  return isUnknown(v) ? v.family : undefined;
}

/** The parameters of the `{ … }` the cursor is in, from the construct around it. */
function recordParams(stack: readonly string[], toks: readonly IToken[], names: ReadonlyMap<string, V>): readonly { name: string; doc: string; type?: ParamSpec["type"] | engine.OptionSpec["type"] }[] {
  const last = (t: TokenType): number => toks.map((x) => x.tokenType).lastIndexOf(t);
  const nameAfter = (i: number): V | undefined => (i >= 0 ? names.get(toks[i + 1]?.image ?? "") ?? CONSTANTS.get(toks[i + 1]?.image ?? "")?.value : undefined);
  const inner = [...stack].reverse().find((r) => ["conversionDecl", "convertExpr", "simulateExpr", "trainStmt", "plotStmt", "clearStmt", "rowStmt"].includes(r));
  switch (inner) {
    case "conversionDecl":
    case "convertExpr": {
      const fam = familyOf(nameAfter(last(inner === "conversionDecl" ? Extends : With)));
      return fam === undefined ? FAMILY_NAMES.flatMap((f) => family(f).schema.params) : family(fam).schema.params;
    }
    case "simulateExpr": {
      const i = toks.map((t) => t.image).lastIndexOf("simulate");
      const fam = familyOf(nameAfter(i));
      return fam === undefined ? FAMILY_NAMES.flatMap((f) => family(f).simulateSchema) : family(fam).simulateSchema;
    }
    case "trainStmt":
      return engine.TRAIN_OPTIONS;
    case "clearStmt":
      return engine.CLEAR_OPTIONS;
    case "plotStmt":
      return engine.PLOTS.get(toks[last(Plot) + 1]?.image ?? "")?.options ?? [];
    default:
      return [];
  }
}

function memberNames(v: V | undefined): string[] {
  if (v === undefined) return [];
  const k = kindOf(v);
  if (k === "any") return [];
  const fam = familyOf(v);
  if (k === "rules" && fam !== undefined) return family(fam).schema.params.map((p) => p.name);
  if (v.kind === "record") return [...v.fields.keys()];
  return (MEMBERS[k] ?? []).map((m) => m.name);
}

/** Completion candidates for the word at `offset`. */
export function complete(source: string, offset: number, ctx: EditorContext): Completion {
  const { start, end } = wordAt(source, offset);
  const prefix = source.slice(start, offset);
  const names = scopeAt(source, start, ctx);
  const out = new Set<string>();
  const add = (xs: Iterable<string>): void => {
    for (const x of xs) if (x.startsWith(prefix) && x !== "") out.add(x);
  };
  // After a dot: the fields of the value before it.
  if (source[start - 1] === ".") {
    const m = /([A-Za-z_]\w*)\.$/.exec(source.slice(0, start));
    if (m !== null) add(memberNames(names.get(m[1]!) ?? CONSTANTS.get(m[1]!)?.value));
    return { matches: [...out].sort(), start, end };
  }
  const before = source.slice(0, start);
  const lexed = tokenize(before, "cell");
  let toks = statementTokens(lexed.tokens);
  // A cursor on a fresh line starts a statement, which the layout rule would otherwise hide.
  if (/\n[ \t]*$/.test(before) && toks.length > 0 && !/[-,{(=:+*/^[]$/.test(before.trimEnd())) {
    const last = toks[toks.length - 1]!;
    const open = toks.filter((t) => t.tokenType === LBrace).length - toks.filter((t) => t.tokenType === RBrace).length;
    toks = open > 0 ? [...toks, createTokenInstance(Newline, "\n", last.endOffset ?? 0, last.endOffset ?? 0, 0, 0, 0, 0)] : [];
  }
  const keywords: string[] = [];
  let joinOnly = false;
  let paths: ReturnType<typeof parser.computeContentAssist> = [];
  try {
    paths = parser.computeContentAssist("statement", toks);
  } catch {
    paths = [];
  }
  for (const p of paths) {
    const t = p.nextTokenType;
    const stack = p.ruleStack;
    const rule = stack[stack.length - 1];
    if (KEYWORDS.includes(t)) keywords.push(t.name.replace(/^Kw_/, ""));
    else if (t === AnyName && rule === "field") add(recordParams(stack, toks, names).map((s) => s.name));
    else if (t === AnyName && rule === "callArg") {
      const fn = [...toks].reverse().find((x) => BUILTINS.has(x.image));
      add((BUILTINS.get(fn?.image ?? "")?.named ?? []).map((s) => s.name));
    } else if (t === Identifier) {
      if (rule === "layer") add(LAYER_KINDS.keys());
      else if (rule === "layerLine") add(LAYER_KINDS.keys());
      else if (rule === "layerArg") {
        const kindTok = [...toks].reverse().find((x, i, arr) => LAYER_KINDS.has(x.image) && (arr[i + 1] === undefined || arr[i + 1]!.tokenType !== AnyName));
        const kind = LAYER_KINDS.get(kindTok?.image ?? "");
        if (kind?.join === true) {
          // A join takes names of earlier layers only.
          joinOnly = true;
          add(["input", ...toks.filter((x, i) => toks[i + 1]?.image === ":").map((x) => x.image)]);
        } else {
          if (kind !== undefined) add(kind.options.map((o) => o.name));
          add([...names.keys()]);
        }
      } else if (rule === "plotStmt") add(engine.PLOTS.keys());
      else if (rule === "useStmt") add(stdlibModules(ctx.modules.stdlibDir));
      else if (rule === "conversionDecl") add([...FAMILY_NAMES, ...[...names].filter(([, v]) => kindOf(v) === "rules").map(([k]) => k)]);
      else {
        // The value of a parameter being set (`reset: sub…` → subtract): an enum takes only its
        // keywords; anything else takes any expression.
        let spec: ReturnType<typeof recordParams>[number] | undefined;
        if (stack.includes("field")) {
          const colon = toks.map((x) => x.image).lastIndexOf(":");
          const pname = toks[colon - 1]?.image;
          spec = recordParams(stack, toks, names).find((s) => s.name === pname);
        }
        if (spec?.type?.kind === "enum") {
          add(spec.type.values);
          return { matches: [...out].sort((a, b) => a.localeCompare(b)), start, end };
        }
        if (spec?.type?.kind === "numberOr") add(spec.type.keywords);
        add(names.keys());
        add(CONSTANTS.keys());
        add(BUILTINS.keys());
      }
    }
  }
  if (!joinOnly) add(keywords);
  return { matches: [...out].sort((a, b) => a.localeCompare(b)), start, end };
}

function paramDoc(spec: { name: string; doc: string; default: unknown }, owner: string): string {
  const d = spec.default === null ? "not set" : Array.isArray(spec.default) ? `[${spec.default.join(", ")}]` : String(spec.default);
  return `**${spec.name}** (${owner}, default ${d}): ${spec.doc}`;
}

/** Documentation of the word under the cursor: a keyword, layer, plot, function, parameter or bound name. */
export function inspect(source: string, offset: number, ctx: EditorContext): Inspection {
  const { start, end } = wordAt(source, offset);
  const word = source.slice(start, end);
  if (word === "") return { found: false, markdown: "", text: "" };
  const parts: string[] = [];
  const names = scopeAt(source, start, ctx);
  const v = names.get(word);
  if (v !== undefined && !isUnknown(v)) {
    const value = v as Value;
    parts.push(`**${word}**: ${formatValue(value).split("\n")[0]}`);
    if (value.kind === "network") parts.push("```\n" + tableText(engine.networkTable(value.network)) + "\n```");
    if (value.kind === "rules") parts.push("```\n" + tableText(engine.rulesTable(value.rules)) + "\n```");
  }
  if (KEYWORD_DOCS[word] !== undefined) parts.push(`**${word}** (keyword): ${KEYWORD_DOCS[word]}`);
  const layer = LAYER_KINDS.get(word);
  if (layer !== undefined) {
    const opts = [...(layer.positional ? [layer.positional] : []), ...layer.options].map((o) => `- \`${o.name}\`${o.default !== undefined ? ` (default ${Array.isArray(o.default) ? o.default.join("x") : String(o.default)})` : ""}: ${o.doc}`);
    parts.push(`**${word}** (layer): ${layer.doc}${opts.length > 0 ? "\n" + opts.join("\n") : ""}`);
  }
  const plot = engine.PLOTS.get(word);
  if (plot !== undefined) parts.push(`**plot ${word}**: ${plot.doc} Takes ${plot.args.map((a) => a.doc).join(", ")}.${plot.options.length > 0 ? " Options: " + plot.options.map((o) => `\`${o.name}\``).join(", ") + "." : ""}`);
  const fn = BUILTINS.get(word);
  if (fn !== undefined) parts.push(`**${fn.signature}**: ${fn.doc}`);
  const c = CONSTANTS.get(word);
  if (c !== undefined && v === undefined) parts.push(`**${word}**: ${c.doc}`);
  for (const f of FAMILY_NAMES) {
    const spec = family(f).schema.params.find((p) => p.name === word);
    if (spec !== undefined) parts.push(paramDoc(spec, `${f} parameter`));
    const sim = family(f).simulateSchema.find((p) => p.name === word);
    if (sim !== undefined && f === FAMILY_NAMES[0]) parts.push(paramDoc(sim, "simulate option"));
  }
  const train = engine.TRAIN_OPTIONS.find((p) => p.name === word);
  if (train !== undefined) parts.push(paramDoc(train, "train option"));
  for (const [kind, members] of Object.entries(MEMBERS)) {
    const m = members?.find((x) => x.name === word);
    if (m !== undefined && source[start - 1] === ".") parts.push(`**.${word}** (field of ${kind}): ${m.doc}`);
  }
  if (parts.length === 0) return { found: false, markdown: "", text: "" };
  const markdown = parts.join("\n\n");
  return { found: true, markdown, text: markdown.replace(/\*\*|`{3}\n?|`/g, "") };
}

/** A line ending in one of these continues on the next (statements left open otherwise are found by parsing). */
const CONTINUATION = /(->|[-,=:+*/^(\[{])$/;

/** Whether a cell is ready to run, needs more lines (with the indent of the next), or cannot parse. */
export function isComplete(source: string): { status: Completeness; indent: string } {
  if (source.trim() === "") return { status: "complete", indent: "" };
  const lexed = tokenize(source, "cell");
  if (lexed.errors.length > 0) return { status: "invalid", indent: "" };
  let depth = 0;
  for (const t of lexed.tokens) {
    const k = t.tokenType;
    if (k === LParen || k === LBracket || k === LBrace) depth++;
    else if (k === RParen || k === RBracket || k === RBrace) {
      depth--;
      if (depth < 0) return { status: "invalid", indent: "" };
    }
  }
  const indent = "  ".repeat(depth);
  if (depth > 0) return { status: "incomplete", indent };
  const code = source.replace(/#[^\n]*/g, "").trimEnd();
  if (CONTINUATION.test(code)) return { status: "incomplete", indent: "  " };
  const parsed = parse(source, "cell");
  if (parsed.errors.length === 0) return { status: "complete", indent: "" };
  const atEnd = parsed.errors.every((e) => e.message.includes("the end of the input"));
  return { status: atEnd ? "incomplete" : "invalid", indent: atEnd ? "  " : "" };
}

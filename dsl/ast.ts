// The abstract syntax tree and the CST → AST visitor. Operator chains, signs and postfix
// chains stay flat lists (not nested nodes), so evaluating `1+1+…+1` or `a.b.c…` is a loop,
// never a deep recursion. It must not resolve names or evaluate anything.

import type { CstNode, IToken } from "chevrotain";
import { SpikelabError } from "../stdlib/errors.ts";
import { parseCst, parser } from "./parser.ts";

/** A place in the source: 1-based line and column, 0-based offset, length in characters. */
export interface Span {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  readonly length: number;
}

export interface Name {
  readonly name: string;
  readonly span: Span;
}

export type PostOp =
  | { readonly op: "member"; readonly name: string; readonly span: Span }
  | { readonly op: "index"; readonly start: Expr | undefined; readonly end: Expr | undefined; readonly slice: boolean; readonly span: Span }
  | { readonly op: "call"; readonly args: readonly CallArg[]; readonly span: Span }
  | { readonly op: "unit"; readonly unit: string; readonly span: Span };

export interface CallArg {
  readonly name: Name | undefined;
  readonly value: Expr;
}

export interface Field {
  readonly name: Name;
  readonly value: Expr;
  readonly span: Span;
}

export interface RecordExpr {
  readonly fields: readonly Field[];
  readonly span: Span;
}

export type ArithOp = "+" | "-" | "*" | "/";

export type Expr =
  | { readonly kind: "number"; readonly value: number; readonly span: Span }
  | { readonly kind: "string"; readonly value: string; readonly span: Span }
  | { readonly kind: "bool"; readonly value: boolean; readonly span: Span }
  | { readonly kind: "shape"; readonly dims: readonly number[]; readonly span: Span }
  | { readonly kind: "name"; readonly name: string; readonly span: Span }
  | { readonly kind: "list"; readonly items: readonly Expr[]; readonly span: Span }
  /** One precedence level, evaluated left to right: first op1 e1 op2 e2 … */
  | { readonly kind: "arith"; readonly first: Expr; readonly rest: readonly { readonly op: ArithOp; readonly operand: Expr; readonly span: Span }[]; readonly span: Span }
  /** `negate` is true for an odd number of leading minus signs. */
  | { readonly kind: "sign"; readonly negate: boolean; readonly operand: Expr; readonly span: Span }
  /**
   * a ^ b ^ c, right-associative. `negate` on an exponent (never the first operand) negates the
   * power it starts: a ^ -b ^ c = a ^ (-(b ^ c)).
   */
  | { readonly kind: "power"; readonly operands: readonly { readonly negate: boolean; readonly value: Expr }[]; readonly span: Span }
  | { readonly kind: "postfix"; readonly base: Expr; readonly ops: readonly PostOp[]; readonly span: Span }
  | { readonly kind: "convert"; readonly network: Expr; readonly rules: Expr; readonly overrides: RecordExpr | undefined; readonly span: Span }
  | { readonly kind: "simulate"; readonly snn: Expr; readonly data: Expr; readonly options: RecordExpr | undefined; readonly span: Span }
  | { readonly kind: "sweep"; readonly vars: readonly { readonly name: Name; readonly values: Expr }[]; readonly body: readonly Stmt[]; readonly span: Span };

export interface Layer {
  readonly kind: Name;
  readonly args: readonly Expr[];
  readonly span: Span;
}

export interface LayerLine {
  readonly name: Name | undefined;
  readonly from: Name | undefined;
  readonly layers: readonly Layer[];
  readonly span: Span;
}

export type Stmt =
  | { readonly kind: "use"; readonly targets: readonly { readonly name: string; readonly path: boolean; readonly span: Span }[]; readonly span: Span }
  | { readonly kind: "dataset"; readonly name: Name; readonly value: Expr; readonly span: Span }
  | { readonly kind: "bind"; readonly name: Name; readonly value: Expr; readonly span: Span }
  | { readonly kind: "network"; readonly name: Name; readonly input: Expr; readonly lines: readonly LayerLine[]; readonly span: Span }
  | { readonly kind: "conversion"; readonly name: Name; readonly base: Name | undefined; readonly fields: RecordExpr; readonly span: Span }
  | { readonly kind: "train"; readonly name: Name; readonly data: Expr; readonly options: RecordExpr | undefined; readonly span: Span }
  | { readonly kind: "load"; readonly name: Name; readonly path: Expr; readonly span: Span }
  | { readonly kind: "save"; readonly target: Expr; readonly path: Expr; readonly span: Span }
  | { readonly kind: "export"; readonly target: Expr; readonly path: Expr; readonly options: RecordExpr | undefined; readonly span: Span }
  | { readonly kind: "plot"; readonly plot: Name; readonly args: readonly Expr[]; readonly options: RecordExpr | undefined; readonly span: Span }
  | { readonly kind: "table"; readonly items: readonly Expr[]; readonly span: Span }
  /** `print` writes to stdout, `warn` to stderr. */
  | { readonly kind: "print"; readonly items: readonly Expr[]; readonly stream: "stdout" | "stderr"; readonly span: Span }
  | { readonly kind: "clear"; readonly options: RecordExpr | undefined; readonly span: Span }
  | { readonly kind: "row"; readonly fields: RecordExpr; readonly span: Span }
  | { readonly kind: "expr"; readonly value: Expr; readonly span: Span };

export interface Program {
  readonly file: string;
  readonly text: string;
  readonly statements: readonly Stmt[];
}

// ---------------------------------------------------------------------------------------------

type Children = Record<string, (CstNode | IToken)[] | undefined>;

function isToken(x: CstNode | IToken): x is IToken {
  return (x as IToken).image !== undefined;
}

export function tokenSpan(t: IToken): Span {
  return { line: t.startLine ?? 1, column: t.startColumn ?? 1, offset: t.startOffset, length: Math.max(1, t.image.length) };
}

function startOf(x: CstNode | IToken): number {
  return isToken(x) ? x.startOffset : (x.location?.startOffset ?? 0);
}

function spanFrom(a: Span, b: Span): Span {
  return { line: a.line, column: a.column, offset: a.offset, length: Math.max(1, b.offset + b.length - a.offset) };
}

const NONE: never[] = [];
// A CST key holds only tokens (a token type's name) or only nodes (a rule's name).
function toks(c: Children, name: string): IToken[] {
  return (c[name] as IToken[] | undefined) ?? NONE;
}
function nodes(c: Children, name: string): CstNode[] {
  return (c[name] as CstNode[] | undefined) ?? NONE;
}
function tok(c: Children, name: string, i = 0): IToken {
  const t = toks(c, name)[i];
  if (t === undefined) throw new Error(`ast: missing token ${name}`);
  return t;
}
function node(c: Children, name: string, i = 0): CstNode {
  const n = nodes(c, name)[i];
  if (n === undefined) throw new Error(`ast: missing node ${name}`);
  return n;
}
/** Every token of any of `names`, in source order. */
function ordered(c: Children, names: readonly string[]): IToken[] {
  let out: IToken[] = NONE;
  let mixed = false;
  for (const n of names) {
    const t = c[n] as IToken[] | undefined;
    if (t === undefined) continue;
    if (out.length === 0) out = t;
    else {
      out = out.concat(t);
      mixed = true;
    }
  }
  return mixed ? out.sort((a, b) => a.startOffset - b.startOffset) : out;
}
function name(t: IToken): Name {
  return { name: t.image, span: tokenSpan(t) };
}

function unquote(image: string): string {
  const body = image.slice(1, -1);
  return body.replace(/\\(.)/g, (_, ch: string) => (ch === "n" ? "\n" : ch === "t" ? "\t" : ch));
}

const PRIMARY_TOKENS = ["Number", "Shape", "String", "Kw_true", "Kw_false", "Identifier", "Kw_input"] as const;

interface Operand {
  readonly value: Expr;
  readonly negate: boolean;
  readonly signed: boolean;
  readonly signSpan: Span | undefined;
}

/**
 * Operands and operators in source order → a tree with the usual precedence: ^ (right to left)
 * binds tightest, then signs (-2^2 = -4), then * and /, then + and -. Each level stays a flat list.
 */
function precedence(items: readonly Operand[], ops: readonly IToken[]): Expr {
  const groups: Expr[] = [];
  const groupOps: IToken[] = [];
  let start = 0;
  for (let k = 0; k < ops.length; k++) {
    if (ops[k]!.image === "^") continue;
    groups.push(powerOf(items, start, k));
    groupOps.push(ops[k]!);
    start = k + 1;
  }
  groups.push(powerOf(items, start, ops.length));
  const terms: Expr[] = [];
  const termOps: IToken[] = [];
  let first = groups[0]!;
  let rest: ArithStep[] = [];
  for (let k = 0; k < groupOps.length; k++) {
    const op = groupOps[k]!;
    if (op.image === "*" || op.image === "/") {
      rest.push({ op: op.image, operand: groups[k + 1]!, span: tokenSpan(op) });
      continue;
    }
    terms.push(fold(first, rest));
    termOps.push(op);
    first = groups[k + 1]!;
    rest = [];
  }
  terms.push(fold(first, rest));
  return fold(terms[0]!, termOps.map((op, k) => ({ op: op.image as ArithOp, operand: terms[k + 1]!, span: tokenSpan(op) })));
}

type ArithStep = { op: ArithOp; operand: Expr; span: Span };

function fold(first: Expr, rest: ArithStep[]): Expr {
  return rest.length === 0 ? first : { kind: "arith", first, rest, span: spanFrom(first.span, rest[rest.length - 1]!.operand.span) };
}

function signed(it: Operand, e: Expr): Expr {
  return it.signed ? { kind: "sign", negate: it.negate, operand: e, span: spanFrom(it.signSpan!, e.span) } : e;
}

/** Operands from..to joined by ^ (with the first one's signs outside: -2^2 = -(2^2)). */
function powerOf(items: readonly Operand[], from: number, to: number): Expr {
  const first = items[from]!;
  if (from === to) return signed(first, first.value);
  const operands = items.slice(from, to + 1).map((it, k) => ({ negate: k > 0 && it.negate, value: it.value }));
  return signed(first, { kind: "power", operands, span: spanFrom(first.value.span, items[to]!.value.span) });
}

const BaseVisitor = parser.getBaseCstVisitorConstructor<undefined, unknown>();

/** Turns a complete (error-free) CST into the AST. */
class AstBuilder extends BaseVisitor {
  constructor() {
    super();
    this.validateVisitor();
  }

  private expr(n: CstNode): Expr {
    return this.visit(n) as Expr;
  }
  private rec(n: CstNode | undefined): RecordExpr | undefined {
    return n === undefined ? undefined : (this.visit(n) as RecordExpr);
  }

  program(c: Children): Stmt[] {
    return nodes(c, "statement").map((s) => this.visit(s) as Stmt);
  }

  statement(c: Children): Stmt {
    let inner: CstNode | undefined;
    for (const k in c) inner = (c[k] as CstNode[])[0];
    if (inner === undefined) throw new Error("ast: empty statement");
    if (inner.name === "expression") {
      const value = this.expr(inner);
      return { kind: "expr", value, span: value.span };
    }
    return this.visit(inner) as Stmt;
  }

  useStmt(c: Children): Stmt {
    const targets = ordered(c, ["Identifier", "String"]).map((t) =>
      t.tokenType.name === "String" ? { name: unquote(t.image), path: true, span: tokenSpan(t) } : { name: t.image, path: false, span: tokenSpan(t) },
    );
    return { kind: "use", targets, span: spanFrom(tokenSpan(tok(c, "Kw_use")), targets[targets.length - 1]?.span ?? tokenSpan(tok(c, "Kw_use"))) };
  }

  datasetStmt(c: Children): Stmt {
    const value = this.expr(node(c, "expression"));
    return { kind: "dataset", name: name(tok(c, "Identifier")), value, span: spanFrom(tokenSpan(tok(c, "Kw_dataset")), value.span) };
  }

  bindStmt(c: Children): Stmt {
    const value = this.expr(node(c, "expression"));
    const id = tok(c, "Identifier");
    return { kind: "bind", name: name(id), value, span: spanFrom(tokenSpan(toks(c, "Kw_let")[0] ?? id), value.span) };
  }

  networkDecl(c: Children): Stmt {
    const lines = nodes(c, "layerLine").map((l) => this.visit(l) as LayerLine);
    return {
      kind: "network",
      name: name(tok(c, "Identifier")),
      input: this.expr(node(c, "layerArg")),
      lines,
      span: spanFrom(tokenSpan(tok(c, "Kw_network")), tokenSpan(tok(c, "RParen"))),
    };
  }

  layerLine(c: Children, _: undefined): LayerLine {
    const ids = toks(c, "Identifier");
    const colon = toks(c, "Colon")[0];
    const layerName = colon !== undefined ? ids[0] : undefined;
    const fromName = toks(c, "AnyName")[0];
    const from = toks(c, "Kw_from")[0];
    const layers = nodes(c, "layer").map((l) => this.visit(l) as Layer);
    const first = layerName ?? from;
    const firstSpan = first !== undefined ? tokenSpan(first) : layers[0]!.span;
    return {
      name: layerName === undefined ? undefined : name(layerName),
      from: fromName === undefined ? undefined : name(fromName),
      layers,
      span: spanFrom(firstSpan, layers[layers.length - 1]!.span),
    };
  }

  layer(c: Children, _: undefined, ...rest: unknown[]): Layer {
    void rest;
    const kind = name(tok(c, "Identifier"));
    const args = nodes(c, "layerArg").map((a) => this.expr(a));
    const last = args[args.length - 1];
    return { kind, args, span: last === undefined ? kind.span : spanFrom(kind.span, last.span) };
  }

  layerArg(c: Children): Expr {
    return this.primary(c);
  }

  group(c: Children): Expr {
    // Parentheses only group; the inner span lets errors point at the value itself.
    return this.expr(node(c, "expression"));
  }

  conversionDecl(c: Children): Stmt {
    const ids = toks(c, "Identifier");
    const fields = this.rec(node(c, "record"))!;
    return {
      kind: "conversion",
      name: name(ids[0]!),
      base: ids[1] === undefined ? undefined : name(ids[1]),
      fields,
      span: spanFrom(tokenSpan(tok(c, "Kw_conversion")), tokenSpan(ids[ids.length - 1]!)),
    };
  }

  trainStmt(c: Children): Stmt {
    const data = this.expr(node(c, "postfix"));
    return { kind: "train", name: name(tok(c, "Identifier")), data, options: this.rec(nodes(c, "record")[0]), span: spanFrom(tokenSpan(tok(c, "Kw_train")), data.span) };
  }

  loadStmt(c: Children): Stmt {
    const path = this.expr(node(c, "expression"));
    return { kind: "load", name: name(tok(c, "Identifier")), path, span: spanFrom(tokenSpan(tok(c, "Kw_load")), path.span) };
  }

  saveStmt(c: Children): Stmt {
    const path = this.expr(node(c, "expression"));
    return { kind: "save", target: this.expr(node(c, "postfix")), path, span: spanFrom(tokenSpan(tok(c, "Kw_save")), path.span) };
  }

  exportStmt(c: Children): Stmt {
    const path = this.expr(node(c, "expression"));
    return { kind: "export", target: this.expr(node(c, "postfix")), path, options: this.rec(nodes(c, "record")[0]), span: spanFrom(tokenSpan(tok(c, "Kw_export")), path.span) };
  }

  plotStmt(c: Children): Stmt {
    const kind = name(tok(c, "Identifier"));
    return {
      kind: "plot",
      plot: kind,
      args: nodes(c, "expression").map((e) => this.expr(e)),
      options: this.rec(nodes(c, "record")[0]),
      span: spanFrom(tokenSpan(tok(c, "Kw_plot")), kind.span),
    };
  }

  tableStmt(c: Children): Stmt {
    const items = nodes(c, "expression").map((e) => this.expr(e));
    return { kind: "table", items, span: spanFrom(tokenSpan(tok(c, "Kw_table")), items[items.length - 1]!.span) };
  }

  printStmt(c: Children): Stmt {
    const items = nodes(c, "expression").map((e) => this.expr(e));
    const kw = tokenSpan(tok(c, "Kw_print"));
    return { kind: "print", items, stream: "stdout", span: items.length === 0 ? kw : spanFrom(kw, items[items.length - 1]!.span) };
  }

  warnStmt(c: Children): Stmt {
    const items = nodes(c, "expression").map((e) => this.expr(e));
    const kw = tokenSpan(tok(c, "Kw_warn"));
    return { kind: "print", items, stream: "stderr", span: items.length === 0 ? kw : spanFrom(kw, items[items.length - 1]!.span) };
  }

  clearStmt(c: Children): Stmt {
    const kw = tokenSpan(tok(c, "Kw_clear"));
    const options = this.rec(nodes(c, "record")[0]);
    return { kind: "clear", options, span: options === undefined ? kw : spanFrom(kw, options.span) };
  }

  rowStmt(c: Children): Stmt {
    const fields = this.rec(node(c, "record"))!;
    return { kind: "row", fields, span: spanFrom(tokenSpan(tok(c, "Kw_row")), fields.span) };
  }

  record(c: Children): RecordExpr {
    const fields = nodes(c, "field").map((f) => this.visit(f) as Field);
    return { fields, span: spanFrom(tokenSpan(tok(c, "LBrace")), tokenSpan(tok(c, "RBrace"))) };
  }

  field(c: Children): Field {
    const n = name(tok(c, "AnyName"));
    const value = this.expr(node(c, "expression"));
    return { name: n, value, span: spanFrom(n.span, value.span) };
  }

  expression(c: Children): Expr {
    const inner = c.convertExpr ?? c.simulateExpr ?? c.sweepExpr;
    if (inner !== undefined) return this.expr(inner[0] as CstNode);
    const operands = nodes(c, "postfix");
    const ops = toks(c, "BinOp");
    const signs = toks(c, "SignOp");
    if (ops.length === 0 && signs.length === 0) return this.expr(operands[0]!);
    // Each operand with the signs written before it (tokens are in source order).
    let si = 0;
    const items = operands.map((o) => {
      const at = startOf(o);
      let minus = 0, count = 0, first: IToken | undefined;
      while (si < signs.length && signs[si]!.startOffset < at) {
        first ??= signs[si];
        if (signs[si]!.image === "-") minus++;
        count++;
        si++;
      }
      return { value: this.expr(o), negate: minus % 2 === 1, signed: count > 0, signSpan: first === undefined ? undefined : tokenSpan(first) };
    });
    return precedence(items, ops);
  }

  convertExpr(c: Children): Expr {
    const [network, rules] = nodes(c, "postfix").map((p) => this.expr(p));
    const overrides = this.rec(nodes(c, "record")[0]);
    return { kind: "convert", network: network!, rules: rules!, overrides, span: spanFrom(tokenSpan(tok(c, "Kw_convert")), overrides?.span ?? rules!.span) };
  }

  simulateExpr(c: Children): Expr {
    const [snn, data] = nodes(c, "postfix").map((p) => this.expr(p));
    const options = this.rec(nodes(c, "record")[0]);
    return { kind: "simulate", snn: snn!, data: data!, options, span: spanFrom(tokenSpan(tok(c, "Kw_simulate")), options?.span ?? data!.span) };
  }

  sweepExpr(c: Children): Expr {
    const ids = toks(c, "Identifier");
    const lists = nodes(c, "postfix").map((p) => this.expr(p));
    const vars = ids.map((id, i) => ({ name: name(id), values: lists[i]! }));
    const body = this.visit(node(c, "block")) as Stmt[];
    return { kind: "sweep", vars, body, span: spanFrom(tokenSpan(tok(c, "Kw_sweep")), lists[lists.length - 1]!.span) };
  }

  block(c: Children): Stmt[] {
    return nodes(c, "statement").map((s) => this.visit(s) as Stmt);
  }

  postfix(c: Children): Expr {
    const base = this.primary(c);
    const starts = ordered(c, ["Dot", "LBracket", "LParen", "Unit"]);
    if (starts.length === 0) return base;
    const names = toks(c, "AnyName");
    const indexes = nodes(c, "index");
    const args = nodes(c, "callArg");
    const rparens = toks(c, "RParen");
    const rbrackets = toks(c, "RBracket");
    let dot = 0, bracket = 0, paren = 0;
    const ops: PostOp[] = starts.map((t, i) => {
      const next = starts[i + 1]?.startOffset ?? Infinity;
      switch (t.tokenType.name) {
        case "Dot": {
          const n = names[dot++]!;
          return { op: "member", name: n.image, span: tokenSpan(n) };
        }
        case "LBracket": {
          const ix = this.visit(indexes[bracket]!) as { start: Expr | undefined; end: Expr | undefined; slice: boolean };
          const close = rbrackets[bracket++]!;
          return { op: "index", ...ix, span: spanFrom(tokenSpan(t), tokenSpan(close)) };
        }
        case "LParen": {
          const close = rparens[paren++]!;
          const mine = args.filter((a) => startOf(a) > t.startOffset && startOf(a) < next && startOf(a) < close.startOffset);
          return { op: "call", args: mine.map((a) => this.visit(a) as CallArg), span: spanFrom(tokenSpan(t), tokenSpan(close)) };
        }
        default:
          return { op: "unit", unit: t.image, span: tokenSpan(t) };
      }
    });
    const lastSpan = ops[ops.length - 1]!.span;
    return { kind: "postfix", base, ops, span: spanFrom(base.span, lastSpan) };
  }

  index(c: Children): { start: Expr | undefined; end: Expr | undefined; slice: boolean } {
    const colon = toks(c, "Colon")[0];
    const exprs = nodes(c, "expression");
    if (colon === undefined) return { start: this.expr(exprs[0]!), end: undefined, slice: false };
    const before = exprs.filter((e) => startOf(e) < colon.startOffset)[0];
    const after = exprs.filter((e) => startOf(e) > colon.startOffset)[0];
    return { start: before && this.expr(before), end: after && this.expr(after), slice: true };
  }

  callArg(c: Children): CallArg {
    const n = toks(c, "AnyName")[0];
    return { name: n === undefined ? undefined : name(n), value: this.expr(node(c, "expression")) };
  }

  /** The value a postfix chain or a layer argument starts with. */
  private primary(c: Children): Expr {
    const inner = c.group ?? c.list ?? c.expression;
    if (inner !== undefined) return this.expr(inner[0] as CstNode);
    for (const key of PRIMARY_TOKENS) {
      const t = (c[key] as IToken[] | undefined)?.[0];
      if (t === undefined) continue;
      const span = tokenSpan(t);
      switch (key) {
        case "Number":
          return { kind: "number", value: Number(t.image), span };
        case "Shape":
          return { kind: "shape", dims: t.image.split("x").map(Number), span };
        case "String":
          return { kind: "string", value: unquote(t.image), span };
        case "Kw_true":
          return { kind: "bool", value: true, span };
        case "Kw_false":
          return { kind: "bool", value: false, span };
        default:
          return { kind: "name", name: t.image, span };
      }
    }
    throw new Error("ast: empty primary");
  }

  list(c: Children, _: undefined, ...rest: unknown[]): Expr {
    void rest;
    const items = nodes(c, "expression").map((e) => this.expr(e));
    return { kind: "list", items, span: spanFrom(tokenSpan(tok(c, "LBracket")), tokenSpan(tok(c, "RBracket"))) };
  }
}

const builder = new AstBuilder();

export interface ParsedProgram {
  readonly program: Program | undefined;
  readonly errors: readonly SpikelabError[];
}

/** Parses `text` into an AST; on syntax errors returns every one of them and no program. Never throws. */
export function parse(text: string, file: string): ParsedProgram {
  const statements: Stmt[] = [];
  try {
    const r = parseCst(text, file, (cst) => statements.push(builder.visit(cst) as Stmt));
    if (r.errors.length > 0 || r.statements === undefined) return { program: undefined, errors: r.errors };
    return { program: { file, text, statements }, errors: [] };
  } catch (e) {
    if (e instanceof RangeError) {
      return { program: undefined, errors: [new SpikelabError("syntax", "the program is nested too deeply to read", { loc: { file, line: 1, column: 1 }, hint: "split it into named parts" })] };
    }
    throw e;
  }
}

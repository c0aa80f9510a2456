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
  /** a ^ b ^ c, right-associative; each exponent may carry its own signs. */
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
  | { readonly kind: "export"; readonly target: Expr; readonly path: Expr; readonly span: Span }
  | { readonly kind: "plot"; readonly plot: Name; readonly args: readonly Expr[]; readonly options: RecordExpr | undefined; readonly span: Span }
  | { readonly kind: "table"; readonly items: readonly Expr[]; readonly span: Span }
  | { readonly kind: "print"; readonly items: readonly Expr[]; readonly span: Span }
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

function nodeSpan(n: CstNode): Span {
  const l = n.location;
  if (l === undefined || Number.isNaN(l.startOffset)) return { line: 1, column: 1, offset: 0, length: 1 };
  return { line: l.startLine ?? 1, column: l.startColumn ?? 1, offset: l.startOffset, length: Math.max(1, (l.endOffset ?? l.startOffset) - l.startOffset + 1) };
}

function startOf(x: CstNode | IToken): number {
  return isToken(x) ? x.startOffset : (x.location?.startOffset ?? 0);
}

function spanFrom(a: Span, b: Span): Span {
  return { line: a.line, column: a.column, offset: a.offset, length: Math.max(1, b.offset + b.length - a.offset) };
}

function toks(c: Children, name: string): IToken[] {
  return (c[name] ?? []).filter(isToken);
}
function nodes(c: Children, name: string): CstNode[] {
  return (c[name] ?? []).filter((x): x is CstNode => !isToken(x));
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
  return names.flatMap((n) => toks(c, n)).sort((a, b) => a.startOffset - b.startOffset);
}
function name(t: IToken): Name {
  return { name: t.image, span: tokenSpan(t) };
}

function unquote(image: string): string {
  const body = image.slice(1, -1);
  return body.replace(/\\(.)/g, (_, ch: string) => (ch === "n" ? "\n" : ch === "t" ? "\t" : ch));
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
    const [inner] = Object.values(c).flat() as CstNode[];
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
    const from = toks(c, "Kw_from")[0];
    const layerName = colon !== undefined ? ids.find((t) => t.startOffset < colon.startOffset) : undefined;
    const fromName = from !== undefined ? ids.find((t) => t.startOffset > from.startOffset) : undefined;
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
    return { kind: "export", target: this.expr(node(c, "postfix")), path, span: spanFrom(tokenSpan(tok(c, "Kw_export")), path.span) };
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
    return { kind: "print", items, span: items.length === 0 ? kw : spanFrom(kw, items[items.length - 1]!.span) };
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
    const [inner] = Object.values(c).flat() as CstNode[];
    return this.expr(inner!);
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

  additive(c: Children): Expr {
    return this.chain(nodes(c, "multiplicative"), ordered(c, ["Plus", "Minus"]));
  }

  multiplicative(c: Children): Expr {
    return this.chain(nodes(c, "unary"), ordered(c, ["Star", "Slash"]));
  }

  private chain(operands: CstNode[], ops: IToken[]): Expr {
    const first = this.expr(operands[0]!);
    if (ops.length === 0) return first;
    const rest = ops.map((op, i) => ({ op: op.image as ArithOp, operand: this.expr(operands[i + 1]!), span: tokenSpan(op) }));
    return { kind: "arith", first, rest, span: spanFrom(first.span, rest[rest.length - 1]!.operand.span) };
  }

  unary(c: Children): Expr {
    const operand = this.expr(node(c, "power"));
    const signs = ordered(c, ["Minus", "Plus"]);
    if (signs.length === 0) return operand;
    const negate = signs.filter((s) => s.image === "-").length % 2 === 1;
    return { kind: "sign", negate, operand, span: spanFrom(tokenSpan(signs[0]!), operand.span) };
  }

  power(c: Children): Expr {
    const operands = nodes(c, "postfix");
    const first = this.expr(operands[0]!);
    if (operands.length === 1) return first;
    const carets = toks(c, "Caret");
    const minus = toks(c, "Minus");
    const list = operands.map((o, i) => {
      // Minus signs between caret i-1 and this operand belong to this exponent.
      const lo = i === 0 ? -1 : carets[i - 1]!.startOffset;
      const hi = startOf(o);
      const n = minus.filter((m) => m.startOffset > lo && m.startOffset < hi).length;
      return { negate: i > 0 && n % 2 === 1, value: this.expr(o) };
    });
    return { kind: "power", operands: list, span: spanFrom(first.span, list[list.length - 1]!.value.span) };
  }

  postfix(c: Children): Expr {
    const base = this.expr(node(c, "primary"));
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

  primary(c: Children): Expr {
    const t = Object.values(c).flat().find((x): x is IToken => x !== undefined && isToken(x));
    const inner = nodes(c, "expression")[0] ?? nodes(c, "list")[0];
    if (inner !== undefined) {
      // Parentheses only group; the inner span lets errors point at the value itself.
      return this.expr(inner);
    }
    if (t === undefined) throw new Error("ast: empty primary");
    const span = tokenSpan(t);
    switch (t.tokenType.name) {
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
  const r = parseCst(text, file);
  if (r.errors.length > 0 || r.cst === undefined) return { program: undefined, errors: r.errors };
  try {
    const statements = builder.visit(r.cst) as Stmt[];
    return { program: { file, text, statements }, errors: [] };
  } catch (e) {
    if (e instanceof RangeError) {
      return { program: undefined, errors: [new SpikelabError("syntax", "the program is nested too deeply to read", { loc: { file, line: 1, column: 1 }, hint: "split it into named parts" })] };
    }
    throw e;
  }
}

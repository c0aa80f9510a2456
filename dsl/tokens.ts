// The language's tokens and lexer, plus the one layout rule: newlines separate statements,
// except inside ( ) and [ ], after a token that cannot end a line, and before `->` or `}`.
// It must not know the grammar beyond that rule; the parser sees a clean token vector.

import type { IToken, TokenType } from "chevrotain";
import { createToken, EOF, Lexer } from "./chevrotain.ts";
import { SpikelabError } from "../stdlib/errors.ts";

/** Brackets nested deeper than this are refused: no program needs it, and the parser recurses per level. */
export const MAX_NESTING = 100;
/**
 * Programs longer than this are refused before lexing: a real program (or module) is a few
 * hundred kilobytes at most, and reading megabytes of text would only stall the session.
 */
export const MAX_PROGRAM_CHARS = 1_000_000;

// Categories first: a token of a category matches wherever the category is consumed.
/** Anything usable as a name after `.`, before `:` in a record, or as a parameter name (keywords included). */
export const AnyName = createToken({ name: "AnyName", pattern: Lexer.NA });
/** A statement separator: a newline or `;` (runs of them collapse to one). */
export const Sep = createToken({ name: "Sep", pattern: Lexer.NA });
export const UnitTok = createToken({ name: "Unit", pattern: Lexer.NA });
/** Binary operators (+ - * / ^) and signs (+ -): categories, so the grammar needs no alternation for them. */
export const BinOp = createToken({ name: "BinOp", pattern: Lexer.NA, label: "an operator" });
export const SignOp = createToken({ name: "SignOp", pattern: Lexer.NA, label: "a sign" });

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\f\v]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: "Comment", pattern: /#[^\n]*/, group: Lexer.SKIPPED });
export const Newline = createToken({ name: "Newline", pattern: /\n/, line_breaks: true, categories: [Sep], label: "newline" });
export const Semicolon = createToken({ name: "Semicolon", pattern: /;/, categories: [Sep], label: "';'" });

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [AnyName], label: "a name" });

function keyword(word: string): TokenType {
  return createToken({ name: `Kw_${word}`, pattern: new RegExp(word), longer_alt: Identifier, categories: [AnyName], label: `'${word}'` });
}

export const Use = keyword("use");
export const Let = keyword("let");
export const DatasetKw = keyword("dataset");
export const NetworkKw = keyword("network");
export const InputKw = keyword("input");
export const Conversion = keyword("conversion");
export const Extends = keyword("extends");
export const Convert = keyword("convert");
export const With = keyword("with");
export const Simulate = keyword("simulate");
export const On = keyword("on");
export const Train = keyword("train");
export const Load = keyword("load");
export const From = keyword("from");
export const Save = keyword("save");
export const To = keyword("to");
export const Export = keyword("export");
export const Plot = keyword("plot");
export const TableKw = keyword("table");
export const Sweep = keyword("sweep");
export const In = keyword("in");
export const Row = keyword("row");
export const Print = keyword("print");
export const Warn = keyword("warn");
export const Clear = keyword("clear");
export const True = keyword("true");
export const False = keyword("false");

/** Units: right after a value `ms` is a unit (`1 ms`); anywhere else it is an ordinary name (`s: conv …`). */
function unit(name: string, word: string): TokenType {
  return createToken({ name: `Unit_${name}`, pattern: new RegExp(word), longer_alt: Identifier, categories: [UnitTok, Identifier, AnyName], label: `'${word}'` });
}
export const UNITS = ["s", "ms", "us", "Hz", "kHz"] as const;
const unitTokens = [unit("kHz", "kHz"), unit("Hz", "Hz"), unit("ms", "ms"), unit("us", "us"), unit("s", "s")];

// A shape such as 1x28x28 or 3x3 is one token, so `x` stays free as a name elsewhere.
export const Shape = createToken({ name: "Shape", pattern: /\d+(?:x\d+)+(?![A-Za-z0-9_.])/, label: "a shape (e.g. 1x28x28)" });
export const NumberLit = createToken({ name: "Number", pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/, label: "a number" });
export const StringLit = createToken({ name: "String", pattern: /"(?:[^"\\\n]|\\.)*"/, label: "a string" });
/** Matched only when a string has no closing quote on its line; turned into a clear error. */
export const Unterminated = createToken({ name: "Unterminated", pattern: /"(?:[^"\\\n]|\\.)*/ });

export const Arrow = createToken({ name: "Arrow", pattern: /->/, label: "'->'" });
export const LParen = createToken({ name: "LParen", pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: /\)/, label: "')'" });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/, label: "'['" });
export const RBracket = createToken({ name: "RBracket", pattern: /]/, label: "']'" });
export const LBrace = createToken({ name: "LBrace", pattern: /\{/, label: "'{'" });
export const RBrace = createToken({ name: "RBrace", pattern: /}/, label: "'}'" });
export const Comma = createToken({ name: "Comma", pattern: /,/, label: "','" });
export const Colon = createToken({ name: "Colon", pattern: /:/, label: "':'" });
export const Dot = createToken({ name: "Dot", pattern: /\./, label: "'.'" });
export const Equals = createToken({ name: "Equals", pattern: /=/, label: "'='" });
export const Plus = createToken({ name: "Plus", pattern: /\+/, label: "'+'", categories: [BinOp, SignOp] });
export const Minus = createToken({ name: "Minus", pattern: /-/, label: "'-'", categories: [BinOp, SignOp] });
export const Star = createToken({ name: "Star", pattern: /\*/, label: "'*'", categories: [BinOp] });
export const Slash = createToken({ name: "Slash", pattern: /\//, label: "'/'", categories: [BinOp] });
export const Caret = createToken({ name: "Caret", pattern: /\^/, label: "'^'", categories: [BinOp] });

export const KEYWORDS: readonly TokenType[] = [
  Use, Let, DatasetKw, NetworkKw, InputKw, Conversion, Extends, Convert, With, Simulate, On, Train, Load, From,
  Save, To, Export, Plot, TableKw, Sweep, In, Row, Print, Warn, Clear, True, False,
];

/** Every token type, in lexing priority order (also the parser's vocabulary). */
export const allTokens: readonly TokenType[] = [
  WhiteSpace, Comment, Newline, Semicolon,
  ...KEYWORDS, ...unitTokens, Identifier,
  Shape, NumberLit, StringLit, Unterminated,
  Arrow, LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Colon, Dot, Equals, Plus, Minus, Star, Slash, Caret,
  AnyName, Sep, UnitTok, BinOp, SignOp,
];

const lexer = new Lexer(allTokens as TokenType[], { positionTracking: "full", ensureOptimizations: false });

export interface LexResult {
  readonly tokens: IToken[];
  readonly errors: SpikelabError[];
}

const OPENERS = new Set<TokenType>([LParen, LBracket, LBrace]);
const CLOSERS = new Map<TokenType, TokenType>([[RParen, LParen], [RBracket, LBracket], [RBrace, LBrace]]);
/** After these a line cannot end, so a newline continues the statement. */
const CONTINUES = new Set<TokenType>([Arrow, Comma, LBrace, LParen, LBracket, Equals, Colon, Plus, Minus, Star, Slash, Caret, Dot]);
/** Before these a newline is not a separator. */
const JOINS = new Set<TokenType>([Arrow, RBrace, RParen, RBracket]);

/** Where a lexing problem is, in the SpikelabError form. */
export function locAt(file: string, line: number, column: number, length: number, offset: number) {
  return { file, line, column, length: Math.max(1, length), offset };
}

function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  if (code < 32 || code === 127 || code === 0xfffd) return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return `'${ch}'`;
}

/**
 * Splits `text` into tokens and applies the layout rule. Never throws for any input: lexing
 * problems (an unexpected character, an unterminated string, binary data, nesting too deep)
 * come back as errors with their line and column.
 */
export function tokenize(text: string, file: string): LexResult {
  const errors: SpikelabError[] = [];
  if (text.length > MAX_PROGRAM_CHARS) {
    errors.push(new SpikelabError("resource", `this program is ${(text.length / 1e6).toFixed(1)} MB; spikelab reads programs of up to ${MAX_PROGRAM_CHARS / 1e6} MB`, {
      loc: locAt(file, 1, 1, 1, 0),
      hint: "split it into modules and bring them in with `use \"part.snn\"`",
    }));
    return { tokens: [], errors };
  }
  // Binary data: say so once instead of one error per byte.
  const bad = /[\x00-\x08\x0e-\x1a\x1c-\x1f\ufffd]/.exec(text);
  if (bad !== null) {
    const before = text.slice(0, bad.index);
    const line = (before.match(/\n/g)?.length ?? 0) + 1;
    const column = bad.index - (before.lastIndexOf("\n") + 1) + 1;
    errors.push(new SpikelabError("syntax", `this is not a spikelab program: binary data (${describeChar(bad[0])})`, {
      loc: locAt(file, line, column, 1, bad.index),
      hint: "spikelab programs are UTF-8 text files (.snn)",
    }));
    return { tokens: [], errors };
  }
  const lexed = lexer.tokenize(text);
  for (const e of lexed.errors) {
    if (errors.length >= 20) break;
    const ch = String.fromCodePoint(text.codePointAt(e.offset) ?? 0);
    errors.push(new SpikelabError("syntax", `unexpected character ${describeChar(ch)}`, {
      loc: locAt(file, e.line ?? 1, e.column ?? 1, 1, e.offset),
      hint: ch === "'" ? "strings use double quotes: \"like this\"" : "remove it; comments start with #",
    }));
  }
  const out: IToken[] = [];
  const stack: IToken[] = [];
  const raw = lexed.tokens;
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!;
    const type = t.tokenType;
    if (type === Unterminated) {
      errors.push(new SpikelabError("syntax", "unterminated string", {
        loc: locAt(file, t.startLine ?? 1, t.startColumn ?? 1, t.image.length, t.startOffset),
        hint: "close it with \" on the same line",
      }));
      continue;
    }
    if (type === Newline || type === Semicolon) {
      const inner = stack[stack.length - 1]?.tokenType;
      if (inner === LParen || inner === LBracket) continue;
      const prev = out[out.length - 1];
      if (prev === undefined || prev.tokenType === Newline || prev.tokenType === Semicolon || CONTINUES.has(prev.tokenType)) continue;
      // Look past blank lines and comments for a joining token.
      let j = i + 1;
      while (j < raw.length && (raw[j]!.tokenType === Newline || raw[j]!.tokenType === Semicolon)) j++;
      const next = raw[j];
      if (next === undefined || JOINS.has(next.tokenType)) continue;
      out.push(t);
      continue;
    }
    if (OPENERS.has(type)) {
      stack.push(t);
      if (stack.length === MAX_NESTING + 1) {
        errors.push(new SpikelabError("syntax", `brackets nested more than ${MAX_NESTING} deep`, {
          loc: locAt(file, t.startLine ?? 1, t.startColumn ?? 1, 1, t.startOffset),
          hint: "split the expression into named parts",
        }));
        return { tokens: [], errors };
      }
    } else {
      const opener = CLOSERS.get(type);
      if (opener !== undefined && stack[stack.length - 1]?.tokenType === opener) stack.pop();
      else if (opener !== undefined) {
        // A stray closer: leave it for the parser to report, but keep the layout stack sane.
        const k = stack.map((s) => s.tokenType).lastIndexOf(opener);
        if (k >= 0) stack.length = k;
      }
    }
    out.push(t);
  }
  return { tokens: out, errors };
}

export function isEof(t: IToken | undefined): boolean {
  return t === undefined || t.tokenType === EOF;
}

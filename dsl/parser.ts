// The grammar, as one Chevrotain parser class whose rules read like docs/language.md, with
// error recovery so one pass reports every syntax error. It builds a concrete syntax tree
// only; meaning (names, shapes, units) belongs to ast.ts and check.ts.

import type { CstNode, IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { CstParser, EOF } from "./chevrotain.ts";
import { SpikelabError } from "../stdlib/errors.ts";
import {
  allTokens, AnyName, Arrow, Colon, Comma, Conversion, Convert, DatasetKw, Dot, Equals, Export, Extends, False, From,
  BinOp, Identifier, In, InputKw, LBrace, LBracket, Let, Load, LParen, NetworkKw, Newline, NumberLit, On, Plot, Print, SignOp,
  RBrace, RBracket, Row, RParen, Save, Semicolon, Sep, Shape, Simulate, StringLit, Sweep, TableKw, To, tokenize, Train, True,
  UnitTok, Use, Warn, With, Clear,
} from "./tokens.ts";

/** What a rule stands for, in error messages ("expected a value, found ')'"). */
const RULE_WORDS: Readonly<Record<string, string>> = {
  program: "a statement",
  statement: "a statement",
  expression: "a value",
  postfix: "a value",
  group: "a value",
  layerLine: "a layer",
  layer: "a layer",
  layerArg: "a layer argument",
  record: "'{'",
  field: "a parameter name",
  useStmt: "a module name or a \"file.snn\" path",
  plotStmt: "a plot kind",
  callArg: "a value",
  index: "an index or a slice",
};

export function describeToken(t: IToken | undefined): string {
  if (t === undefined || t.tokenType === EOF) return "the end of the input";
  if (t.tokenType === Newline) return "the end of the line";
  return `'${t.image.length > 30 ? t.image.slice(0, 27) + "..." : t.image}'`;
}

function label(t: TokenType): string {
  if (t === Sep) return "a new line";
  if (t === AnyName) return "a name";
  if (t === UnitTok) return "a unit";
  return t.LABEL ?? t.name;
}

/** Thrown (from the message provider) once a parse has found MAX_ERRORS errors: recovery on
 *  megabytes of garbage would otherwise go on finding more for minutes. */
class TooManyErrors extends Error {}
let errorBudget = Infinity;
function counted(message: string): string {
  if (--errorBudget < 0) throw new TooManyErrors();
  return message;
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) =>
    counted(expected === EOF ? `expected the end of the statement, found ${describeToken(actual)}` : `expected ${label(expected)}, found ${describeToken(actual)}`),
  buildNotAllInputParsedMessage: ({ firstRedundant }) => counted(`expected the end of the statement, found ${describeToken(firstRedundant)}`),
  buildNoViableAltMessage: ({ actual, ruleName }) => counted(`expected ${RULE_WORDS[ruleName] ?? "something else"}, found ${describeToken(actual[0])}`),
  buildEarlyExitMessage: ({ actual, ruleName }) => counted(`expected ${RULE_WORDS[ruleName] ?? "something else"}, found ${describeToken(actual[0])}`),
};

export class SpikelabParser extends CstParser {
  // Alternatives and separator specs are built once and reused: building them per call (with
  // tsx's name-keeping helper on every closure) made parsing ten times slower.
  private readonly built = new Map<string, unknown>();
  private once<T>(key: string, make: () => T): T {
    let v = this.built.get(key) as T | undefined;
    if (v === undefined) {
      v = make();
      this.built.set(key, v);
    }
    return v;
  }

  constructor() {
    super(allTokens as TokenType[], { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: messages, nodeLocationTracking: "onlyOffset" });
    this.performSelfAnalysis();
  }

  // program := statement (SEP statement)*
  public program = this.RULE("program", () => {
    this.OPTION(() => {
      this.SUBRULE(this.statement);
      this.MANY(() => {
        this.CONSUME(Sep);
        this.SUBRULE2(this.statement);
      });
    });
  });

  public statement = this.RULE("statement", () => {
    this.OR(this.once("or1", () => [
      { ALT: () => this.SUBRULE(this.useStmt) },
      { ALT: () => this.SUBRULE(this.datasetStmt) },
      { ALT: () => this.SUBRULE(this.networkDecl) },
      { ALT: () => this.SUBRULE(this.conversionDecl) },
      { ALT: () => this.SUBRULE(this.trainStmt) },
      { ALT: () => this.SUBRULE(this.loadStmt) },
      { ALT: () => this.SUBRULE(this.saveStmt) },
      { ALT: () => this.SUBRULE(this.exportStmt) },
      { ALT: () => this.SUBRULE(this.plotStmt) },
      { ALT: () => this.SUBRULE(this.tableStmt) },
      { ALT: () => this.SUBRULE(this.printStmt) },
      { ALT: () => this.SUBRULE(this.warnStmt) },
      { ALT: () => this.SUBRULE(this.clearStmt) },
      { ALT: () => this.SUBRULE(this.rowStmt) },
      { ALT: () => this.SUBRULE(this.bindStmt) },
      { ALT: () => this.SUBRULE(this.expression) },
    ]));
  });

  // use rueckauer2017, "nets/mine.snn"
  public useStmt = this.RULE("useStmt", () => {
    this.CONSUME(Use);
    this.AT_LEAST_ONE_SEP(this.once("sep1", () => ({ SEP: Comma, DEF: () => this.OR(this.once("or2", () => [{ ALT: () => this.CONSUME(Identifier) }, { ALT: () => this.CONSUME(StringLit) }])) })));
  });

  // dataset mnist = mnist()
  public datasetStmt = this.RULE("datasetStmt", () => {
    this.CONSUME(DatasetKw);
    this.CONSUME(Identifier);
    this.CONSUME(Equals);
    this.SUBRULE(this.expression);
  });

  // [let] name = value
  public bindStmt = this.RULE("bindStmt", () => {
    this.OPTION(() => this.CONSUME(Let));
    this.CONSUME(Identifier);
    this.CONSUME(Equals);
    this.SUBRULE(this.expression);
  });

  // network lenet (input 1x28x28) { conv 6 kernel 5 pad 2 -> relu ... }
  public networkDecl = this.RULE("networkDecl", () => {
    this.CONSUME(NetworkKw);
    this.CONSUME(Identifier);
    this.CONSUME(LParen);
    this.CONSUME(InputKw);
    this.SUBRULE(this.layerArg);
    this.CONSUME(RParen);
    this.CONSUME(LBrace);
    this.OPTION(() => {
      this.SUBRULE(this.layerLine);
      this.MANY(() => {
        this.CONSUME(Sep);
        this.SUBRULE2(this.layerLine);
      });
    });
    this.CONSUME(RBrace);
  });

  // [name:] [from other ->] layer (-> layer)*
  public layerLine = this.RULE("layerLine", () => {
    this.OPTION(() => {
      this.CONSUME(Identifier);
      this.CONSUME(Colon);
    });
    this.OPTION2(() => {
      this.CONSUME(From);
      this.CONSUME(AnyName);
      this.CONSUME(Arrow);
    });
    this.SUBRULE(this.layer);
    this.MANY(() => {
      this.CONSUME2(Arrow);
      this.SUBRULE2(this.layer);
    });
  });

  // conv 6 kernel 5 pad 2   (kind, then arguments; check.ts pairs option names with values)
  public layer = this.RULE("layer", () => {
    this.CONSUME(Identifier);
    this.MANY(() => this.SUBRULE(this.layerArg));
  });

  public layerArg = this.RULE("layerArg", () => {
    this.OR(this.once("or3", () => [
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(Shape) },
      { ALT: () => this.CONSUME(Identifier) },
      { ALT: () => this.CONSUME(InputKw) },
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.CONSUME(True) },
      { ALT: () => this.CONSUME(False) },
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(RParen);
        },
      },
    ]));
  });

  // conversion robust extends rueckauer2017 { percentile: 99.99 }
  public conversionDecl = this.RULE("conversionDecl", () => {
    this.CONSUME(Conversion);
    this.CONSUME(Identifier);
    this.OPTION(() => {
      this.CONSUME(Extends);
      this.CONSUME2(Identifier);
    });
    this.SUBRULE(this.record);
  });

  // train lenet on mnist.train { epochs: 2 }
  public trainStmt = this.RULE("trainStmt", () => {
    this.CONSUME(Train);
    this.CONSUME(Identifier);
    this.CONSUME(On);
    this.SUBRULE(this.postfix);
    this.OPTION(() => this.SUBRULE(this.record));
  });

  // load lenet from "lenet.json"
  public loadStmt = this.RULE("loadStmt", () => {
    this.CONSUME(Load);
    this.CONSUME(Identifier);
    this.CONSUME(From);
    this.SUBRULE(this.expression);
  });

  // save lenet to "lenet.json"
  public saveStmt = this.RULE("saveStmt", () => {
    this.CONSUME(Save);
    this.SUBRULE(this.postfix);
    this.CONSUME(To);
    this.SUBRULE(this.expression);
  });

  // export snn to "lenet.nir" { reset: zero }
  public exportStmt = this.RULE("exportStmt", () => {
    this.CONSUME(Export);
    this.SUBRULE(this.postfix);
    this.CONSUME(To);
    this.SUBRULE(this.expression);
    this.OPTION(() => this.SUBRULE(this.record));
  });

  // plot raster result { sample: 0 }
  public plotStmt = this.RULE("plotStmt", () => {
    this.CONSUME(Plot);
    this.CONSUME(Identifier);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.expression);
      });
    });
    this.OPTION2(() => this.SUBRULE(this.record));
  });

  // table r1, r2
  public tableStmt = this.RULE("tableStmt", () => {
    this.CONSUME(TableKw);
    this.AT_LEAST_ONE_SEP(this.once("sep2", () => ({ SEP: Comma, DEF: () => this.SUBRULE(this.expression) })));
  });

  // print "accuracy", accuracy(r)
  public printStmt = this.RULE("printStmt", () => {
    this.CONSUME(Print);
    this.MANY_SEP(this.once("sep3", () => ({ SEP: Comma, DEF: () => this.SUBRULE(this.expression) })));
  });

  // warn "no GPU here; this takes a minute"   (like print, to stderr)
  public warnStmt = this.RULE("warnStmt", () => {
    this.CONSUME(Warn);
    this.MANY_SEP(this.once("sepWarn", () => ({ SEP: Comma, DEF: () => this.SUBRULE(this.expression) })));
  });

  // clear   or   clear { wait: true }   (the cell's output so far)
  public clearStmt = this.RULE("clearStmt", () => {
    this.CONSUME(Clear);
    this.OPTION(() => this.SUBRULE(this.record));
  });

  // row { percentile: p, error: 1 - accuracy(r) }   (inside a sweep)
  public rowStmt = this.RULE("rowStmt", () => {
    this.CONSUME(Row);
    this.SUBRULE(this.record);
  });

  // { name: value, name: value }  (commas or new lines between fields)
  public record = this.RULE("record", () => {
    this.CONSUME(LBrace);
    this.OPTION(() => {
      this.SUBRULE(this.field);
      this.MANY(() => {
        this.OR(this.once("or4", () => [{ ALT: () => this.CONSUME(Comma) }, { ALT: () => this.CONSUME(Sep) }]));
        this.SUBRULE2(this.field);
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBrace);
  });

  public field = this.RULE("field", () => {
    this.CONSUME(AnyName);
    this.CONSUME(Colon);
    this.SUBRULE(this.expression);
  });

  // A value: convert / simulate / sweep, or operands joined by operators. The operands,
  // signs and operators stay one flat list (ast.ts applies precedence), so nesting depth
  // comes only from brackets, and the tree per value stays two nodes deep.
  public expression = this.RULE("expression", () => {
    this.OR(this.once("expression", () => [
      { ALT: () => this.SUBRULE(this.convertExpr) },
      { ALT: () => this.SUBRULE(this.simulateExpr) },
      { ALT: () => this.SUBRULE(this.sweepExpr) },
      {
        ALT: () => {
          this.MANY(() => this.CONSUME(SignOp));
          this.SUBRULE(this.postfix);
          this.MANY2(() => {
            this.CONSUME(BinOp);
            this.MANY3(() => this.CONSUME2(SignOp));
            this.SUBRULE2(this.postfix);
          });
        },
      },
    ]));
  });

  // convert lenet with rueckauer2017 { percentile: 99.99 }
  public convertExpr = this.RULE("convertExpr", () => {
    this.CONSUME(Convert);
    this.SUBRULE(this.postfix);
    this.CONSUME(With);
    this.SUBRULE2(this.postfix);
    this.OPTION(() => this.SUBRULE(this.record));
  });

  // simulate snn on mnist.test[0:1000] { steps: 100 }
  public simulateExpr = this.RULE("simulateExpr", () => {
    this.CONSUME(Simulate);
    this.SUBRULE(this.postfix);
    this.CONSUME(On);
    this.SUBRULE2(this.postfix);
    this.OPTION(() => this.SUBRULE(this.record));
  });

  // sweep p in [99, 99.9], steps in [50, 100] { ... row { ... } }
  public sweepExpr = this.RULE("sweepExpr", () => {
    this.CONSUME(Sweep);
    this.AT_LEAST_ONE_SEP(this.once("sep4", () => ({
      SEP: Comma,
      DEF: () => {
        this.CONSUME(Identifier);
        this.CONSUME(In);
        this.SUBRULE(this.postfix);
      },
    })));
    this.SUBRULE(this.block);
  });

  public block = this.RULE("block", () => {
    this.CONSUME(LBrace);
    this.OPTION(() => {
      this.SUBRULE(this.statement);
      this.MANY(() => {
        this.CONSUME(Sep);
        this.SUBRULE2(this.statement);
      });
    });
    this.CONSUME(RBrace);
  });

  // 5, "text", name, (value), [list] — then any of .name, [i:j], (args), unit
  public postfix = this.RULE("postfix", () => {
    this.OR(this.once("primary", () => [
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.CONSUME(Shape) },
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.CONSUME(True) },
      { ALT: () => this.CONSUME(False) },
      { ALT: () => this.CONSUME(Identifier) },
      { ALT: () => this.SUBRULE(this.group) },
      { ALT: () => this.SUBRULE(this.list) },
    ]));
    this.MANY(() => {
      this.OR2(this.once("postOp", () => [
        {
          ALT: () => {
            this.CONSUME(Dot);
            this.CONSUME(AnyName);
          },
        },
        {
          ALT: () => {
            this.CONSUME(LBracket);
            this.SUBRULE(this.index);
            this.CONSUME(RBracket);
          },
        },
        {
          ALT: () => {
            this.CONSUME(LParen);
            this.MANY_SEP(this.once("args", () => ({ SEP: Comma, DEF: () => this.SUBRULE(this.callArg) })));
            this.CONSUME(RParen);
          },
        },
        { ALT: () => this.CONSUME(UnitTok) },
      ]));
    });
  });

  public group = this.RULE("group", () => {
    this.CONSUME(LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(RParen);
  });

  // [i] or [a:b], either end optional
  public index = this.RULE("index", () => {
    this.OPTION(() => this.SUBRULE(this.expression));
    this.OPTION2(() => {
      this.CONSUME(Colon);
      this.OPTION3(() => this.SUBRULE2(this.expression));
    });
  });

  public callArg = this.RULE("callArg", () => {
    this.OPTION(() => {
      this.CONSUME(AnyName);
      this.CONSUME(Colon);
    });
    this.SUBRULE(this.expression);
  });

  public list = this.RULE("list", () => {
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY(() => {
        this.CONSUME(Comma);
        this.SUBRULE2(this.expression);
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RBracket);
  });
}

/** One parser instance: Chevrotain's self-analysis is the expensive part, done once per process. */
export const parser = new SpikelabParser();

export interface ParseResult {
  /** One CST per top-level statement, in order (undefined when reading stopped). */
  readonly statements: CstNode[] | undefined;
  readonly tokens: readonly IToken[];
  readonly errors: readonly SpikelabError[];
}

export const MAX_ERRORS = 50;

/**
 * Top-level statements: the tokens between separators outside any bracket. Each is parsed on
 * its own, so error recovery (which may scan ahead for a place to resume) never looks past the
 * statement it is in: a megabyte of nonsense costs one short scan per line.
 */
function splitStatements(tokens: readonly IToken[]): { tokens: IToken[]; end: IToken | undefined }[] {
  const out: { tokens: IToken[]; end: IToken | undefined }[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.tokenType;
    if (t === LParen || t === LBracket || t === LBrace) depth++;
    else if (t === RParen || t === RBracket || t === RBrace) depth = Math.max(0, depth - 1);
    else if (depth === 0 && (t === Newline || t === Semicolon)) {
      out.push({ tokens: tokens.slice(start, i), end: tokens[i] });
      start = i + 1;
    }
  }
  if (start < tokens.length) out.push({ tokens: tokens.slice(start), end: undefined });
  return out;
}

/**
 * Lexes and parses `text`; never throws. Syntax errors come back with line and column. With
 * `each`, every statement's CST is handed over as soon as it is parsed and not kept (so it dies
 * young: building the AST statement by statement halves the garbage collector's work).
 */
export function parseCst(text: string, file: string, each?: (cst: CstNode) => void): ParseResult {
  const lexed = tokenize(text, file);
  const errors: SpikelabError[] = [...lexed.errors];
  if (lexed.tokens.length === 0 && errors.length > 0) return { statements: undefined, tokens: [], errors };
  // A parse error on a line with a lexing error is usually its echo: report the cause only.
  const lexLines = new Set(lexed.errors.map((e) => e.loc?.line));
  const statements: CstNode[] = [];
  const seen = new Set<number>();
  let stopped = false;
  for (const chunk of splitStatements(lexed.tokens)) {
    parser.input = chunk.tokens;
    errorBudget = MAX_ERRORS - errors.length;
    try {
      const cst = parser.statement();
      if (each === undefined) statements.push(cst);
      else if (parser.errors.length === 0 && errors.length === 0) each(cst);
    } catch (e) {
      if (e instanceof TooManyErrors) stopped = true;
      else if (e instanceof RangeError) {
        errors.push(new SpikelabError("syntax", "the program is nested too deeply to read", { loc: { file, line: chunk.tokens[0]?.startLine ?? 1, column: 1 }, hint: "split it into named parts" }));
        return { statements: undefined, tokens: lexed.tokens, errors };
      } else throw e;
    } finally {
      errorBudget = Infinity;
    }
    const last = chunk.tokens[chunk.tokens.length - 1];
    for (const e of parser.errors) {
      if (errors.length >= MAX_ERRORS) break;
      const t = e.token;
      const atEnd = t.tokenType === EOF || Number.isNaN(t.startOffset);
      // At the end of a statement Chevrotain has no position: point at the line's end (or just past the last token).
      const line = atEnd ? (chunk.end?.startLine ?? last?.endLine ?? 1) : (t.startLine ?? 1);
      const column = atEnd ? (chunk.end?.startColumn ?? (last?.endColumn ?? 0) + 1) : (t.startColumn ?? 1);
      const offset = atEnd ? (chunk.end?.startOffset ?? (last?.endOffset ?? -1) + 1) : t.startOffset;
      if (seen.has(offset) || lexLines.has(line)) continue;
      seen.add(offset);
      const message = atEnd && chunk.end !== undefined ? e.message.replace("the end of the input", describeToken(chunk.end)) : e.message;
      errors.push(new SpikelabError("syntax", message, {
        loc: { file, line, column, length: atEnd ? 1 : Math.max(1, t.image.length), offset },
        hint: unclosedHint(message, chunk.tokens) ?? syntaxHint(message, t),
      }));
    }
    if (stopped || errors.length >= MAX_ERRORS) {
      stopped = true;
      break;
    }
  }
  if (stopped) {
    const lastLoc = errors[errors.length - 1]?.loc;
    errors.push(new SpikelabError("syntax", `too many errors; stopped reading after ${MAX_ERRORS}`, { ...(lastLoc ? { loc: lastLoc } : {}), hint: "is this a spikelab program?" }));
  }
  return { statements: stopped ? undefined : statements, tokens: lexed.tokens, errors };
}

/** For "expected '}' (or ')' or ']'), found the end of the input": where the bracket that was
 * never closed opened, since everything after it was read as its inside. */
function unclosedHint(message: string, tokens: readonly IToken[]): string | undefined {
  const m = /^expected '([}\])])'/.exec(message);
  if (m === null) return undefined;
  const opener = { "}": LBrace, "]": LBracket, ")": LParen }[m[1] as "}" | "]" | ")"];
  const closer = { "}": RBrace, "]": RBracket, ")": RParen }[m[1] as "}" | "]" | ")"];
  const open: IToken[] = [];
  for (const t of tokens) {
    if (t.tokenType === opener) open.push(t);
    else if (t.tokenType === closer) open.pop();
  }
  const t = open[open.length - 1];
  return t === undefined ? undefined : `the '${t.image}' on line ${t.startLine}, column ${t.startColumn} is never closed, so everything after it was read as its inside`;
}

function syntaxHint(message: string, t: IToken): string | undefined {
  if (message.includes("expected ':'")) return "record fields are written `name: value`";
  if (t.tokenType === Equals && message.includes("expected")) return "`=` binds a name: `name = value`; parameters use `name: value`";
  if (message.includes("found the end of the input")) return "the statement is incomplete";
  if (message.includes("end of the statement")) return "put each statement on its own line, or separate them with ';'";
  return undefined;
}

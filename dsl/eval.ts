// The evaluator: runs statements and expressions in one of two modes. In "check" mode nothing
// is loaded or computed — values may be Unknown (kind known, value not) — and every error is
// collected, so checking a program is a dry run with the same rules as running it. In "run"
// mode the first error stops the program. Numerics go through engine.ts only; values never
// reach JavaScript property access (no prototype or constructor can be named from a program).

import { isAbsolute, join } from "node:path";
import type { RunContext } from "../stdlib/context.ts";
import { slice as sliceData } from "../stdlib/data/dataset.ts";
import { InterruptedError, SpikelabError, throwIfAborted, type SourceLocation } from "../stdlib/errors.ts";
import type { Cell, Table } from "../stdlib/plot/figure.ts";
import type { Output, Value } from "./api.ts";
import type { Expr, PostOp, RecordExpr, Span, Stmt } from "./ast.ts";
import { dataLabel, index, member, recordsTable, type SessionData } from "./access.ts";
import { BUILTINS, CONSTANTS, FAMILY_NAMES, type CallInfo } from "./builtins.ts";
import { buildNetworkValue, buildRules, checkFits, datasetShape, expectKind, networkInput } from "./check.ts";
import * as engine from "./engine.ts";
import { formatValue } from "./format.ts";
import { checkParams, type CheckedParams, type ParamEnv } from "./params.ts";
import { binary, unaryMinus } from "./arith.ts";
import { quantity } from "./units.ts";
import { describe, didYouMean, dimensionOf, isUnknown, kindOf, numberValue, unknown, type V } from "./values.ts";

export type Mode = "check" | "run";

/** Names bound in one block; lookups walk out to the enclosing blocks. */
export class Scope {
  readonly vars = new Map<string, V>();
  constructor(readonly parent?: Scope) {}
  get(name: string): V | undefined {
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
  /** Rebinds a name where it is bound (train, load change a network in place), else here. */
  assign(name: string, v: V): void {
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent) {
      if (s.vars.has(name)) {
        s.vars.set(name, v);
        return;
      }
    }
    this.vars.set(name, v);
  }
  names(): Set<string> {
    const out = new Set<string>();
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent) for (const k of s.vars.keys()) out.add(k);
    return out;
  }
}

export type { SessionData } from "./access.ts";

export interface EvalHost {
  readonly mode: Mode;
  readonly file: string;
  /** Folder that relative paths in the program are read from and written to. */
  readonly dir: string;
  readonly emit: (o: Output) => void;
  readonly signal?: AbortSignal;
  readonly progress?: RunContext["progress"];
  readonly pool?: RunContext["pool"];
  readonly session: SessionData;
  /** Runs (or checks) a module: the names it defines, and (checking) the errors found in it. */
  readonly use: (target: { name: string; path: boolean; span: Span }, host: EvalHost) => Promise<{ names: ReadonlyMap<string, V>; errors: readonly SpikelabError[] }>;
  /** The stdlib module that defines a name, for "add `use …`" hints. */
  readonly definedIn: (name: string) => string | undefined;
}

const MAX_ERRORS = 50;
let lastYield = 0;
const NO_PARAMS: CheckedParams = { values: {}, complete: true };
const MAX_SWEEP = 100_000;

/** What a load binds as far as its text says: a literal .snnet path loads a spiking network. */
function loadedKind(s: Extract<Stmt, { kind: "load" }>): "network" | "snn" {
  return s.path.kind === "string" && engine.isSpikingFile(s.path.value) ? "snn" : "network";
}

type Rows = { columns: string[]; rows: Map<string, Cell>[] };

export class Evaluator {
  readonly errors: SpikelabError[];
  /** Modules whose `use` failed while checking: names they define are reported unknown later. */
  private readonly failedUses: string[] = [];
  /** Where the program binds each name first: using it before that line says so. */
  private readonly boundAt = new Map<string, number>();
  /** The line of the statement running. */
  private line = 0;

  constructor(
    readonly host: EvalHost,
    readonly scope: Scope,
    private readonly rows?: Rows,
    errors?: SpikelabError[],
  ) {
    this.errors = errors ?? [];
  }

  private get checking(): boolean {
    return this.host.mode === "check";
  }

  loc(s: { span: Span }): SourceLocation {
    return { file: this.host.file, line: s.span.line, column: s.span.column, length: s.span.length, offset: s.span.offset };
  }

  /** Running: throw. Checking: collect (once per place) and go on. */
  report(e: SpikelabError): void {
    if (!this.checking) throw e;
    if (this.errors.length >= MAX_ERRORS) return;
    const key = `${e.loc?.file}:${e.loc?.offset}:${e.message}`;
    if (this.errors.some((x) => `${x.loc?.file}:${x.loc?.offset}:${x.message}` === key)) return;
    this.errors.push(e);
  }

  private child(scope: Scope, rows?: Rows): Evaluator {
    return new Evaluator(this.host, scope, rows, this.errors);
  }

  private ctx(): RunContext {
    const session = this.host.session;
    return {
      ...(this.host.signal ? { signal: this.host.signal } : {}),
      ...(this.host.progress ? { progress: this.host.progress } : {}),
      ...(this.host.pool ? { pool: this.host.pool } : {}),
      log: (message) => this.host.emit({ kind: "text", stream: "stderr", text: `${message}\n` }),
      resolveData: (ref, network) => {
        if (ref === null) return session.trainedOn.get(network.name)?.();
        let d = session.loaded.get(`${ref.dataset}.${ref.split}`);
        if (d === undefined && (ref.dataset === "mnist" || ref.dataset === "fashion_mnist")) {
          d = engine.loadSplit({ name: ref.dataset, label: ref.dataset, ...engine.DATA_SOURCES[ref.dataset], options: {} }, ref.split);
        }
        return d === undefined ? undefined : sliceData(d, ref.start - d.offset, (ref.end ?? d.offset + d.count) - d.offset);
      },
    };
  }

  private path(p: string): string {
    return isAbsolute(p) ? p : join(this.host.dir, p);
  }

  // Built once per evaluator: closures made per call cost a property definition each under tsx.
  private envCache: ParamEnv | undefined;
  private paramEnv(): ParamEnv {
    const scope = this.scope;
    this.envCache ??= { eval: (e) => this.expr(e), has: (n) => scope.has(n), report: (e) => this.report(e), loc: (s) => this.loc(s) };
    return this.envCache;
  }

  /**
   * Between statements and sweep steps: lets the event loop run every ~20 ms (so an interrupt,
   * a heartbeat or a progress message gets through a long pure computation), then stops if
   * the run was interrupted.
   */
  private async pause(): Promise<void> {
    const now = performance.now();
    if (now - lastYield > 20) {
      lastYield = now;
      await new Promise<void>((r) => setImmediate(r));
    }
    throwIfAborted(this.host.signal);
  }

  /** expectKind, with the error placed at the expression the value came from. */
  private expect(v: V, kinds: Parameters<typeof expectKind>[1], what: string, at: { span: Span }, hint?: string): void {
    try {
      expectKind(v, kinds, what, hint);
    } catch (e) {
      throw e instanceof SpikelabError ? e.at(this.loc(at)) : e;
    }
  }

  // --- statements -------------------------------------------------------------------------------

  /** Runs statements in order; returns the value of a final bare expression (`topLevel` only). */
  async block(stmts: readonly Stmt[], topLevel: boolean): Promise<V | undefined> {
    let last: V | undefined;
    for (const s of stmts) if ("name" in s && s.kind !== "train" && !this.boundAt.has(s.name.name)) this.boundAt.set(s.name.name, s.span.line);
    for (let i = 0; i < stmts.length; i++) {
      if (!this.checking) await this.pause();
      const s = stmts[i]!;
      this.line = s.span.line;
      const isResult = topLevel && i === stmts.length - 1 && s.kind === "expr";
      try {
        last = await this.statement(s, isResult);
      } catch (e) {
        if (!(e instanceof SpikelabError)) throw e;
        const placed = e.at(this.loc(s));
        if (!this.checking) throw placed;
        this.report(placed);
        // Bind what the statement would have defined, so one mistake reports once.
        if (s.kind === "bind" || s.kind === "dataset" || s.kind === "network" || s.kind === "conversion" || s.kind === "load") {
          if (!this.scope.has(s.name.name) || s.kind !== "load") this.scope.vars.set(s.name.name, unknown(s.kind === "load" ? loadedKind(s) : s.kind === "network" ? "network" : s.kind === "conversion" ? "rules" : s.kind === "dataset" ? "dataset" : "any"));
        }
      }
    }
    return stmts.length > 0 && stmts[stmts.length - 1]!.kind === "expr" && topLevel ? last : undefined;
  }

  private display(v: V): void {
    if (this.checking || isUnknown(v) || v.kind === "none") return;
    this.host.emit({ kind: "display", value: v });
  }

  private async statement(s: Stmt, isResult: boolean): Promise<V | undefined> {
    switch (s.kind) {
      case "expr": {
        const v = await this.expr(s.value);
        if (!isResult) this.display(v);
        return v;
      }
      case "bind":
        this.scope.vars.set(s.name.name, await this.expr(s.value));
        return undefined;
      case "dataset": {
        const v = await this.expr(s.value);
        this.expect(v, ["datasource", "dataset"], `dataset ${s.name.name}`, s.value, "e.g. `dataset mnist = mnist()`");
        // Messages and tables name the data as the program does: `blobs.test[0:10]`, not the source's name.
        this.scope.vars.set(s.name.name, v.kind === "datasource" ? { ...v, label: s.name.name } : v);
        return undefined;
      }
      case "use":
        // Each target on its own: a misspelled module is reported at its name, and the others
        // on the line are still used (so their names are not reported unknown too).
        for (const t of s.targets) {
          try {
            const { names, errors } = await this.host.use(t, this.host);
            for (const e of errors) this.report(e);
            for (const [k, v] of names) this.scope.vars.set(k, v);
          } catch (e) {
            if (!(e instanceof SpikelabError)) throw e;
            const placed = e.at(this.loc(t));
            if (!this.checking) throw placed;
            this.report(placed);
            this.failedUses.push(t.path ? `"${t.name}"` : t.name);
          }
        }
        return undefined;
      case "network": {
        const v = await buildNetworkValue(s, (e) => this.expr(e), (e) => this.report(e), (x) => this.loc(x));
        this.scope.vars.set(s.name.name, v);
        return undefined;
      }
      case "conversion":
        return this.conversion(s);
      case "train":
        return this.train(s);
      case "load":
        return this.load(s);
      case "save":
      case "export":
        return this.saveOrExport(s);
      case "plot":
        return this.plot(s);
      case "table":
        return this.table(s);
      case "print": {
        const vs: V[] = [];
        for (const item of s.items) vs.push(await this.expr(item));
        if (!this.checking) this.host.emit({ kind: "text", stream: s.stream, text: vs.map((v) => formatValue(v as Value)).join(" ") + "\n" });
        return undefined;
      }
      case "clear": {
        const opts = await checkParams("clear", engine.CLEAR_OPTIONS, s.options?.fields ?? [], this.paramEnv());
        if (!this.checking) this.host.emit({ kind: "clear", wait: opts.values.wait === true });
        return undefined;
      }
      case "row":
        return this.row(s.fields);
    }
  }

  private async lookupRules(name: { name: string; span: Span }): Promise<V> {
    const v = this.scope.get(name.name) ?? CONSTANTS.get(name.name)?.value;
    if (v === undefined) throw this.unknownName(name.name).at(this.loc(name));
    const shadowed = (FAMILY_NAMES as readonly string[]).includes(name.name) ? CONSTANTS.get(name.name)?.value : undefined;
    const where = this.boundAt.has(name.name) ? ` on line ${this.boundAt.get(name.name)}` : "";
    this.expect(v, ["rules"], `'${name.name}'`, name, shadowed !== undefined && shadowed !== v ? `'${name.name}' is the ${name.name} family, but the program rebinds it${where}: give that value another name` : undefined);
    return v;
  }

  private async conversion(s: Extract<Stmt, { kind: "conversion" }>): Promise<undefined> {
    if (s.base === undefined) {
      throw new SpikelabError("name", `conversion '${s.name.name}' must say which family or rule set it extends`, {
        loc: this.loc(s.name),
        hint: `write \`conversion ${s.name.name} extends rate { … }\` (families: rate, ttfs, amos), or extend a rule set such as rueckauer2017`,
      });
    }
    const base = await this.lookupRules(s.base);
    this.scope.vars.set(s.name.name, await buildRules(s.name.name, base, s.fields.fields, this.paramEnv(), false));
    return undefined;
  }

  private async train(s: Extract<Stmt, { kind: "train" }>): Promise<undefined> {
    const net = this.scope.get(s.name.name);
    if (net === undefined) throw this.unknownName(s.name.name).at(this.loc(s.name));
    this.expect(net, ["network"], "train", s.name);
    const data = await this.expr(s.data);
    this.expect(data, ["dataset"], "train … on", s.data);
    try {
      checkFits(s.name.name, networkInput(net), dataLabel(data), datasetShape(data));
    } catch (e) {
      throw e instanceof SpikelabError ? e.at(this.loc(s.data)) : e;
    }
    const opts = await checkParams("train", engine.TRAIN_OPTIONS, s.options?.fields ?? [], this.paramEnv());
    if (this.checking || net.kind !== "network" || data.kind !== "dataset") return undefined;
    const trained = await engine.trainNetwork(net.network, data.dataset, opts.values, this.ctx());
    const trainingData = data.dataset;
    this.host.session.trainedOn.set(s.name.name, () => trainingData);
    this.scope.assign(s.name.name, { kind: "network", network: trained });
    return undefined;
  }

  private async pathValue(e: Expr, what: string): Promise<string | undefined> {
    const v = await this.expr(e);
    if (isUnknown(v)) return undefined;
    if (v.kind !== "string") throw new SpikelabError("type", `${what} needs a file path as a string, got ${describe(v)}`, { loc: this.loc(e), hint: 'e.g. "lenet.spikelab"' });
    return this.path(v.value);
  }

  private async load(s: Extract<Stmt, { kind: "load" }>): Promise<undefined> {
    const path = await this.pathValue(s.path, "load … from");
    const existing = this.scope.get(s.name.name);
    if (path !== undefined && engine.isSpikingFile(path)) {
      // A spiking network is loaded whole, under a new name or over a spiking network.
      if (existing !== undefined) this.expect(existing, ["snn"], `load ${s.name.name} from a ${engine.SPIKING_EXTENSION} file`, s.name, `a ${engine.SPIKING_EXTENSION} file holds a spiking network; load it under another name`);
      this.scope.vars.set(s.name.name, this.checking ? unknown("snn") : { kind: "snn", snn: engine.loadSpikingNetworkFile(path) });
      return undefined;
    }
    if (existing !== undefined) this.expect(existing, ["network"], `load ${s.name.name}`, s.name, "load reads a network's weights; pick another name for a new network");
    if (this.checking || path === undefined) {
      if (existing === undefined) this.scope.vars.set(s.name.name, unknown("network"));
      return undefined;
    }
    if (existing !== undefined && existing.kind === "network") {
      this.scope.assign(s.name.name, { kind: "network", network: await engine.loadWeightsInto(existing.network, path) });
    } else {
      const net = await engine.loadNetworkFile(path);
      this.scope.vars.set(s.name.name, { kind: "network", network: { ...net, name: s.name.name } });
    }
    const trainingData = engine.trainingDataOf(path);
    if (trainingData !== undefined) this.host.session.trainedOn.set(s.name.name, trainingData);
    return undefined;
  }

  private async saveOrExport(s: Extract<Stmt, { kind: "save" | "export" }>): Promise<undefined> {
    const v = await this.expr(s.target);
    this.expect(v, s.kind === "save" ? ["network", "snn"] : ["snn"], s.kind, s.target, s.kind === "export" ? "export writes a spiking network: convert first" : undefined);
    const path = await this.pathValue(s.path, `${s.kind} … to`);
    const opts = s.kind === "export" ? await checkParams("export", engine.EXPORT_OPTIONS, s.options?.fields ?? [], this.paramEnv()) : NO_PARAMS;
    const kind = kindOf(v);
    if (s.kind === "save" && path !== undefined && (kind === "network" || kind === "snn")) {
      try {
        engine.checkSavePath(kind, path);
      } catch (e) {
        throw e instanceof SpikelabError ? e.at(this.loc(s.path)) : e;
      }
    }
    if (this.checking || path === undefined) return undefined;
    if (v.kind === "network") await engine.saveNetworkFile(v.network, path);
    else if (v.kind === "snn" && s.kind === "save") engine.saveSpikingNetworkFile(v.snn, path);
    else if (v.kind === "snn") await engine.exportNir(v.snn, path, opts.values, this.ctx());
    return undefined;
  }

  private async plot(s: Extract<Stmt, { kind: "plot" }>): Promise<undefined> {
    const kind = engine.PLOTS.get(s.plot.name);
    if (kind === undefined) {
      throw new SpikelabError("name", `unknown plot '${s.plot.name}'${didYouMean(s.plot.name, engine.PLOTS.keys())}`, { loc: this.loc(s.plot), hint: `plots are ${[...engine.PLOTS.keys()].join(", ")}` });
    }
    const args: V[] = [];
    for (const a of s.args) args.push(await this.expr(a));
    const many = kind.args.some((a) => a.many === true);
    if (args.length < kind.args.length || (!many && args.length > kind.args.length)) {
      throw new SpikelabError("type", `plot ${kind.name} takes ${kind.args.map((a) => a.doc).join(", ")}; got ${args.length} argument${args.length === 1 ? "" : "s"}`, { loc: this.loc(s.plot) });
    }
    args.forEach((a, i) => {
      const want = kind.args[Math.min(i, kind.args.length - 1)]!;
      this.expect(a, [want.kind], `plot ${kind.name}`, s.args[i]!, want.kind === "result" ? "simulate first: r = simulate snn on data" : undefined);
    });
    const opts = await checkParams(`plot ${kind.name}`, kind.options, s.options?.fields ?? [], this.paramEnv());
    if (this.checking || args.some(isUnknown)) return undefined;
    const fig = await kind.make(args as Value[], opts.values, this.ctx());
    this.host.emit({ kind: "display", value: { kind: "figure", figure: fig } });
    return undefined;
  }

  private async table(s: Extract<Stmt, { kind: "table" }>): Promise<undefined> {
    const vs: V[] = [];
    for (const item of s.items) vs.push(await this.expr(item));
    const flat: V[] = vs.flatMap((v): V[] => (v.kind === "list" ? [...v.items] : [v]));
    const allResults = flat.every((v) => kindOf(v) === "result" || kindOf(v) === "any");
    if (vs.length > 1 || (vs[0]!.kind === "list" && allResults)) {
      if (!allResults) throw new SpikelabError("type", `a table of several values needs simulation results, got ${flat.map(describe).join(", ")}`, { loc: this.loc(s) });
    } else this.expect(vs[0]!, ["table", "result", "network", "rules", "list"], "table", s.items[0]!);
    if (this.checking || flat.some(isUnknown)) return undefined;
    const v = vs[0]!;
    let t: Table;
    if (allResults && (vs.length > 1 || v.kind === "list" || v.kind === "result")) t = engine.resultsTable(flat.map((x) => (x as Extract<Value, { kind: "result" }>).result));
    else if (v.kind === "table") t = v.table;
    else if (v.kind === "network") t = engine.networkTable(v.network);
    else if (v.kind === "rules") t = engine.rulesTable(v.rules);
    else t = recordsTable(v as Value);
    this.host.emit({ kind: "display", value: { kind: "table", table: t } });
    return undefined;
  }

  private async row(r: RecordExpr): Promise<undefined> {
    if (this.rows === undefined) throw new SpikelabError("syntax", "`row` belongs inside a sweep", { hint: "sweep p in [1, 2] { row { p: p } }" });
    const cells = new Map<string, Cell>();
    for (const f of r.fields) {
      if (cells.has(f.name.name)) {
        this.report(new SpikelabError("name", `column '${f.name.name}' is given twice`, { loc: this.loc(f.name) }));
        continue;
      }
      const v = await this.expr(f.value);
      if (isUnknown(v)) {
        if (!["number", "string", "bool", "any"].includes(v.of)) this.report(new SpikelabError("type", `a row holds numbers, strings or true/false; '${f.name.name}' is ${describe(v)}`, { loc: this.loc(f.value) }));
        cells.set(f.name.name, null);
        continue;
      }
      let cell: Cell;
      if (v.kind === "number") cell = v.value;
      else if (v.kind === "string" || v.kind === "bool") cell = v.value;
      else throw new SpikelabError("type", `a row holds numbers, strings or true/false; '${f.name.name}' is ${describe(v)}`, { loc: this.loc(f.value), hint: v.kind === "result" ? `e.g. ${f.name.name}: accuracy(r)` : undefined });
      const col = v.kind === "number" && v.unit !== undefined ? `${f.name.name} [${v.unit}]` : f.name.name;
      if (!this.rows.columns.includes(col)) this.rows.columns.push(col);
      cells.set(col, cell);
    }
    this.rows.rows.push(cells);
    return undefined;
  }

  // --- expressions ------------------------------------------------------------------------------

  /** Evaluates an expression; an error is placed at the innermost expression that raised it. */
  async expr(e: Expr): Promise<V> {
    try {
      return await this.exprInner(e);
    } catch (err) {
      if (err instanceof SpikelabError) throw err.at(this.loc(e));
      throw err;
    }
  }

  private async exprInner(e: Expr): Promise<V> {
    switch (e.kind) {
      case "number":
        return numberValue(e.value);
      case "string":
        return { kind: "string", value: e.value };
      case "bool":
        return { kind: "bool", value: e.value };
      case "shape":
        return { kind: "list", items: e.dims.map((d) => numberValue(d)) };
      case "name":
        return this.name(e.name, e.span);
      case "list": {
        const items: V[] = [];
        for (const i of e.items) items.push(await this.expr(i));
        return items.some(isUnknown) ? unknown("list") : { kind: "list", items: items as Value[] };
      }
      case "arith": {
        let acc = await this.expr(e.first);
        for (const r of e.rest) acc = binary(r.op, acc, await this.expr(r.operand));
        return acc;
      }
      case "sign": {
        const v = await this.expr(e.operand);
        return e.negate ? unaryMinus(v) : v;
      }
      case "power": {
        const vs: V[] = [];
        for (const o of e.operands) vs.push(await this.expr(o.value));
        // Right to left; a sign on an exponent negates the power it starts (a ^ -b ^ c = a ^ -(b ^ c)).
        const last = e.operands.length - 1;
        let acc = e.operands[last]!.negate ? unaryMinus(vs[last]!) : vs[last]!;
        for (let i = last - 1; i >= 0; i--) {
          acc = binary("^", vs[i]!, acc);
          if (e.operands[i]!.negate) acc = unaryMinus(acc);
        }
        return acc;
      }
      case "postfix":
        return this.postfix(e);
      case "convert":
        return this.convert(e);
      case "simulate":
        return this.simulate(e);
      case "sweep":
        return this.sweep(e);
    }
  }

  unknownName(name: string): SpikelabError {
    const candidates = [...this.scope.names(), ...CONSTANTS.keys(), ...BUILTINS.keys()];
    const module = this.host.definedIn(name);
    const later = this.boundAt.get(name);
    if (later !== undefined && later > this.line) return new SpikelabError("name", `unknown name '${name}'`, { hint: `the program binds it later, on line ${later}: statements run in order, so bind it before this line` });
    const failed = this.failedUses.length > 0 ? ` (\`use ${this.failedUses.join(", ")}\` failed above: fix it first)` : "";
    if (module !== undefined) return new SpikelabError("name", `unknown name '${name}'`, { hint: `it is defined in the stdlib module ${module}: add \`use ${module}\`${failed}` });
    return new SpikelabError("name", `unknown name '${name}'${didYouMean(name, candidates)}`, failed === "" ? {} : { hint: `a module that failed to load may define it${failed}` });
  }

  private name(name: string, span: Span): V {
    const v = this.scope.get(name) ?? CONSTANTS.get(name)?.value;
    if (v !== undefined) return v;
    if (BUILTINS.has(name)) {
      const module = this.host.definedIn(name);
      throw new SpikelabError("type", `'${name}' is a function: call it, e.g. ${BUILTINS.get(name)!.signature}`, {
        loc: this.loc({ span }),
        ...(module !== undefined ? { hint: `or add \`use ${module}\`, which defines '${name}'` } : {}),
      });
    }
    throw this.unknownName(name).at(this.loc({ span }));
  }

  private async postfix(e: Extract<Expr, { kind: "postfix" }>): Promise<V> {
    let ops: readonly PostOp[] = e.ops;
    let v: V;
    const first = ops[0]!;
    // Functions and values have separate names: `dataset mnist = mnist()` can run twice.
    if (e.base.kind === "name" && first.op === "call") {
      v = await this.call(e.base.name, first, e.base.span);
      ops = ops.slice(1);
    } else {
      v = await this.expr(e.base);
    }
    for (const op of ops) {
      try {
        v = await this.postOp(v, op);
      } catch (err) {
        if (err instanceof SpikelabError) throw err.at(this.loc(op));
        throw err;
      }
    }
    return v;
  }

  private async call(name: string, call: Extract<PostOp, { op: "call" }>, span: Span): Promise<V> {
    const b = BUILTINS.get(name);
    if (b === undefined) {
      const bound = this.scope.get(name) ?? CONSTANTS.get(name)?.value;
      if (bound !== undefined) throw new SpikelabError("type", `'${name}' is ${describe(bound)}, not a function`, { loc: this.loc({ span }) });
      throw new SpikelabError("name", `unknown function '${name}'${didYouMean(name, BUILTINS.keys())}`, { loc: this.loc({ span }) });
    }
    const positional: V[] = [];
    const named = call.args.filter((a) => a.name !== undefined);
    for (const a of call.args) if (a.name === undefined) positional.push(await this.expr(a.value));
    const [lo, hi] = b.arity;
    if (positional.length < lo || positional.length > hi) {
      const n = lo === hi ? `${lo}` : `${lo} to ${hi}`;
      throw new SpikelabError("type", `${name} takes ${n} argument${hi === 1 ? "" : "s"}${b.named ? " besides named ones" : ""}, got ${positional.length}`, { loc: this.loc(call), hint: b.signature });
    }
    if (named.length > 0 && b.named === undefined) {
      throw new SpikelabError("type", `${name} takes no named arguments`, { loc: this.loc(named[0]!.name!), hint: b.signature });
    }
    const checked = named.length === 0 ? NO_PARAMS : await checkParams(name, b.named ?? [], named.map((a) => ({ name: a.name!, value: a.value, span: a.name!.span })), this.paramEnv());
    if (!checked.complete) return unknown(name === "accuracy" || name === "len" ? "number" : "datasource");
    return b.call(positional, checked.values === NO_PARAMS.values ? this.callInfo() : { ...this.callInfo(), named: checked.values });
  }

  private infoCache: CallInfo | undefined;
  private callInfo(): CallInfo {
    this.infoCache ??= {
      checking: this.checking,
      named: {},
      path: (p) => this.path(p),
      networkAccuracy: (net, data) => engine.networkAccuracy(net.network, data.dataset, this.ctx()),
    };
    return this.infoCache;
  }

  private async postOp(v: V, op: PostOp): Promise<V> {
    switch (op.op) {
      case "call":
        throw new SpikelabError("type", `${describe(v)} cannot be called; only functions can`);
      case "unit": {
        if (isUnknown(v)) {
          if (v.of !== "number" && v.of !== "any") throw new SpikelabError("type", `'${op.unit}' needs a number before it, got ${describe(v)}`);
          return unknown("number", { dimension: op.unit.endsWith("s") ? "time" : "frequency" });
        }
        if (v.kind !== "number") throw new SpikelabError("type", `'${op.unit}' needs a number before it, got ${describe(v)}`);
        const q = quantity({ value: v.value, dimension: dimensionOf(v) }, op.unit);
        return numberValue(q.value, q.dimension);
      }
      case "member":
        return this.member(v, op.name);
      case "index":
        return this.index(v, op);
    }
  }

  private member(v: V, name: string): V {
    return member(v, name, { checking: this.checking, session: this.host.session });
  }

  private async index(v: V, op: Extract<PostOp, { op: "index" }>): Promise<V> {
    return index(v, await indexBound(this, op.start), await indexBound(this, op.end), op.slice);
  }

  private async convert(e: Extract<Expr, { kind: "convert" }>): Promise<V> {
    const net = await this.expr(e.network);
    this.expect(net, ["network"], "convert", e.network, "convert NETWORK with RULES");
    let rules = await this.expr(e.rules);
    this.expect(rules, ["rules"], "convert … with", e.rules, "a rule set: rate, ttfs, amos, or one from `use rueckauer2017` …");
    if (e.overrides !== undefined) {
      const name = rules.kind === "rules" ? rules.rules.name : "rules";
      rules = await buildRules(name, rules, e.overrides.fields, this.paramEnv(), true);
    }
    const fam = rules.kind === "rules" ? rules.rules.family : (rules as { family?: "rate" }).family;
    if (this.checking || isUnknown(net) || isUnknown(rules) || net.kind !== "network" || rules.kind !== "rules") {
      return unknown("snn", { ...(fam ? { family: fam } : {}), ...(net.kind === "network" ? { network: net.network } : {}) });
    }
    if (!engine.hasTrainedWeights(net.network)) {
      throw new SpikelabError("runtime", `network '${net.network.name}' has no weights yet`, { loc: this.loc(e.network), hint: `train it (train ${net.network.name} on …) or load them (load ${net.network.name} from "file")` });
    }
    const snn = await engine.convertNetwork(net.network, rules.rules, this.ctx());
    return { kind: "snn", snn };
  }

  private async simulate(e: Extract<Expr, { kind: "simulate" }>): Promise<V> {
    const snn = await this.expr(e.snn);
    const netName = e.snn.kind === "name" ? e.snn.name : "net";
    this.expect(snn, ["snn"], "simulate", e.snn, kindOf(snn) === "network" ? `convert it first: simulate (convert ${netName} with rueckauer2017) on …, or with any rule set` : undefined);
    const data = await this.expr(e.data);
    this.expect(data, ["dataset"], "simulate … on", e.data);
    const source = snn.kind === "snn" ? snn.snn.source : isUnknown(snn) ? snn.network : undefined;
    try {
      if (source !== undefined) checkFits(source.name, source.nodes[0]?.shape, dataLabel(data), datasetShape(data));
    } catch (err) {
      throw err instanceof SpikelabError ? err.at(this.loc(e.data)) : err;
    }
    const fam = snn.kind === "snn" ? snn.snn.family : (snn as { family?: "rate" }).family;
    const specs = fam === undefined ? [] : engine.simulateOptions(fam);
    const opts = fam === undefined ? { values: {}, complete: false } : await checkParams(`simulate (${fam})`, specs, e.options?.fields ?? [], this.paramEnv());
    if (this.checking || snn.kind !== "snn" || data.kind !== "dataset") return unknown("result", fam ? { family: fam } : {});
    const problem = engine.recordingProblem(snn.snn, data.dataset, data.label, opts.values);
    if (problem !== undefined) throw problem.error.at(this.loc(e.options?.fields.find((f) => f.name.name === problem.option) ?? e));
    const result = await engine.simulateNetwork(snn.snn, data.dataset, opts.values, this.ctx());
    return { kind: "result", result: { ...result, data: result.data || data.label } };
  }

  private async sweep(e: Extract<Expr, { kind: "sweep" }>): Promise<V> {
    const lists: { name: string; items: readonly V[] | undefined }[] = [];
    for (const v of e.vars) {
      const list = await this.expr(v.values);
      this.expect(list, ["list"], `sweep ${v.name.name} in`, v.values, "e.g. sweep p in [99, 99.9, 100] { … }");
      lists.push({ name: v.name.name, items: list.kind === "list" ? list.items : undefined });
    }
    const rows: Rows = { columns: [], rows: [] };
    if (this.checking) {
      // One dry pass with each variable standing for any of its values.
      const scope = new Scope(this.scope);
      for (const l of lists) {
        const first = l.items?.[0];
        scope.vars.set(l.name, first === undefined ? unknown("any") : unknown(kindOf(first), first.kind === "number" ? { dimension: dimensionOf(first) } : {}));
      }
      await this.child(scope, rows).block(e.body, false);
      return unknown("table");
    }
    const total = lists.reduce((n, l) => n * (l.items?.length ?? 0), 1);
    if (total > MAX_SWEEP) throw new SpikelabError("resource", `this sweep has ${total} combinations; at most ${MAX_SWEEP}`);
    const idx = lists.map(() => 0);
    const table = (title?: string): Table => ({ kind: "table", ...(title ? { title } : {}), columns: rows.columns, rows: rows.rows.map((r) => rows.columns.map((c) => r.get(c) ?? null)) });
    for (let done = 0; done < total; done++) {
      try {
        await this.pause();
        const scope = new Scope(this.scope);
        lists.forEach((l, i) => scope.vars.set(l.name, l.items![idx[i]!]!));
        await this.child(scope, rows).block(e.body, false);
      } catch (err) {
        // Interrupted: the sweep binds nothing, but the rows it measured are shown, not lost.
        if (!(err instanceof SpikelabError) || err.code !== "interrupted") throw err;
        const n = rows.rows.length;
        if (n > 0) this.host.emit({ kind: "display", value: { kind: "table", table: table(`sweep interrupted in step ${done + 1} of ${total}: the ${n} row${n === 1 ? "" : "s"} done`) } });
        const note = `the sweep was in step ${done + 1} of ${total}${n > 0 ? `; its ${n} row${n === 1 ? "" : "s"} done ${n === 1 ? "is" : "are"} shown above` : ", no row done"}`;
        const partial = err instanceof InterruptedError ? err.partial : undefined;
        throw new InterruptedError(`${err.message}; ${note}`, partial, { ...(err.loc ? { loc: err.loc } : {}), ...(err.hint !== undefined ? { hint: err.hint } : {}) });
      }
      for (let i = lists.length - 1; i >= 0; i--) {
        idx[i]!++;
        if (idx[i]! < lists[i]!.items!.length) break;
        idx[i] = 0;
      }
    }
    return { kind: "table", table: table() };
  }
}


/** An index or slice bound: a whole number, unknown (undefined) or absent (null). */
async function indexBound(ev: Evaluator, e: Expr | undefined): Promise<number | undefined | null> {
  if (e === undefined) return null;
  const x = await ev.expr(e);
  if (isUnknown(x)) {
    if (x.of !== "number" && x.of !== "any") throw new SpikelabError("type", `an index must be a whole number, got ${describe(x)}`);
    return undefined;
  }
  if (x.kind !== "number" || x.unit !== undefined || !Number.isInteger(x.value)) throw new SpikelabError("type", `an index must be a whole number, got ${describe(x)}`);
  return x.value;
}

// A language session (the Interpreter of api.ts): parse, check the whole program (a dry run
// that reports every error), then run it. Names persist across executions; a failed execution
// leaves the earlier names as they were (it works on a copy and commits only on success), and
// an interrupted execution is a failed one, whatever finished before the signal.
// It must not know about Jupyter or the terminal: output goes through the hooks.

import { dirname } from "node:path";
import { InterruptedError, type SpikelabError } from "../stdlib/errors.ts";
import type { Completion, Completeness, ExecuteHooks, ExecuteResult, Inspection, Interpreter, Output, Value } from "./api.ts";
import { parse, type Program } from "./ast.ts";
import { complete, inspect, isComplete } from "./complete.ts";
import { asSpikelabError } from "./diagnostics.ts";
import { Evaluator, Scope, type EvalHost, type SessionData } from "./eval.ts";
import { Modules, STDLIB_DIR } from "./modules.ts";
import type { V } from "./values.ts";

export interface InterpreterOptions {
  /** Folder that relative paths in cells are read from and written to (the notebook's folder). */
  readonly baseDir: string;
  /** Where stdlib `.snn` modules are found (default: this package's stdlib/). */
  readonly stdlibDir?: string;
}

/** What checking a program found: every error, in source order. */
export async function checkProgram(
  program: Program,
  options: {
    dir: string;
    names?: ReadonlyMap<string, Value>;
    modules?: Modules;
    /** Checked names carried from one program to the next (a checking session): read, then updated. */
    bindings?: Map<string, V>;
  },
): Promise<SpikelabError[]> {
  const modules = options.modules ?? new Modules();
  const scope = new Scope();
  for (const [k, v] of options.names ?? []) scope.vars.set(k, v);
  for (const [k, v] of options.bindings ?? []) scope.vars.set(k, v);
  const host: EvalHost = {
    mode: "check",
    file: program.file,
    dir: options.dir,
    emit: () => {},
    session: { loaded: new Map(), trainedOn: new Map() },
    use: (t, h) => modules.use(t, h),
    definedIn: (n) => modules.definedIn(n),
  };
  const ev = new Evaluator(host, scope);
  await ev.block(program.statements, true);
  for (const [k, v] of scope.vars) options.bindings?.set(k, v);
  // Errors of used modules first, then this program's, each in source order.
  return [...ev.errors].sort((a, b) => Number(a.loc?.file === program.file) - Number(b.loc?.file === program.file) || (a.loc?.offset ?? 0) - (b.loc?.offset ?? 0));
}

/** Parses and checks `text`; the errors (syntax, names, shapes, parameters), none when it is clean. */
export async function checkText(text: string, file: string, dir = file.includes("/") ? dirname(file) : "."): Promise<SpikelabError[]> {
  const parsed = parse(text, file);
  if (parsed.program === undefined) return [...parsed.errors];
  return checkProgram(parsed.program, { dir });
}

export function createInterpreter(options: InterpreterOptions): Interpreter {
  const modules = new Modules(options.stdlibDir ?? STDLIB_DIR);
  let names = new Map<string, V>();
  const session: SessionData = { loaded: new Map(), trainedOn: new Map() };

  async function execute(source: string, file: string, hooks: ExecuteHooks): Promise<ExecuteResult> {
    try {
      const parsed = parse(source, file);
      if (parsed.program === undefined) return { ok: false, errors: parsed.errors };
      const dir = options.baseDir;
      const errors = await checkProgram(parsed.program, { dir, names: names as ReadonlyMap<string, Value>, modules });
      if (errors.length > 0) return { ok: false, errors };
      const scope = new Scope();
      for (const [k, v] of names) scope.vars.set(k, v);
      const host: EvalHost = {
        mode: "run",
        file,
        dir,
        emit: (o: Output) => hooks.emit(o),
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        ...(hooks.progress ? { progress: hooks.progress } : {}),
        ...(hooks.pool ? { pool: hooks.pool } : {}),
        session,
        use: (t, h) => modules.use(t, h),
        definedIn: (n) => modules.definedIn(n),
      };
      const value = await new Evaluator(host, scope).block(parsed.program.statements, true);
      // A statement that ended early on the signal without saying so (or a signal that came as
      // the last one finished) still makes this an interrupted execution: nothing is bound.
      if (hooks.signal?.aborted === true) return { ok: false, errors: [new InterruptedError("interrupted by the user; the cell bound nothing", undefined, { hint: "run the cell again" })] };
      names = scope.vars;
      return { ok: true, value: value === undefined || value.kind === "unknown" ? undefined : value };
    } catch (e) {
      return { ok: false, errors: [asSpikelabError(e)] };
    }
  }

  return {
    execute,
    complete: (source: string, offset: number): Completion => complete(source, offset, { names, modules }),
    inspect: (source: string, offset: number): Inspection => inspect(source, offset, { names, modules }),
    isComplete: (source: string): { status: Completeness; indent: string } => isComplete(source),
    names: () => new Map([...names].filter((e): e is [string, Value] => e[1].kind !== "unknown")),
  };
}

// `use`: finds a module (a stdlib `.snn` by name, or the user's own file by path), checks or
// runs it once (cached by path and modification time), and hands back the names it defines.
// It must not know what a module contains beyond its names; cycles are refused.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, extname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SpikelabError } from "../stdlib/errors.ts";
import type { Span } from "./ast.ts";
import { parse } from "./ast.ts";
import { Evaluator, Scope, type EvalHost } from "./eval.ts";
import { MAX_PROGRAM_CHARS } from "./tokens.ts";
import { didYouMean, type V } from "./values.ts";

/** Where the stdlib's `.snn` modules live. */
export const STDLIB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../stdlib");

const MAX_MODULE_BYTES = MAX_PROGRAM_CHARS * 4;

interface Loaded {
  readonly mtimeMs: number;
  readonly names: ReadonlyMap<string, V>;
  readonly errors: readonly SpikelabError[];
}

export function stdlibModules(dir = STDLIB_DIR): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(".snn")).map((f) => basename(f, ".snn")).sort();
  } catch {
    return [];
  }
}

export class Modules {
  private readonly cache = new Map<string, Loaded>();
  private readonly loading: string[] = [];
  private index: Map<string, string> | undefined;

  constructor(readonly stdlibDir: string = STDLIB_DIR) {}

  /** The stdlib module defining `name` (a rule set, network, dataset or loaded network at its top level). */
  definedIn(name: string): string | undefined {
    if (this.index === undefined) {
      this.index = new Map();
      for (const m of stdlibModules(this.stdlibDir)) {
        let text = "";
        try {
          text = readFileSync(join(this.stdlibDir, `${m}.snn`), "utf8");
        } catch {
          continue;
        }
        for (const match of text.matchAll(/^\s*(?:(?:network|conversion|dataset|load)\s+([A-Za-z_]\w*)|([A-Za-z_]\w*)\s*=)/gm)) {
          const n = match[1] ?? match[2]!;
          if (!this.index.has(n)) this.index.set(n, m);
        }
      }
    }
    return this.index.get(name);
  }

  private resolvePath(target: { name: string; path: boolean }, fromDir: string): string {
    if (!target.path) {
      const path = join(this.stdlibDir, `${target.name}.snn`);
      try {
        statSync(path);
      } catch {
        throw new SpikelabError("name", `no stdlib module '${target.name}'${didYouMean(target.name, stdlibModules(this.stdlibDir))}`, {
          hint: `stdlib modules: ${stdlibModules(this.stdlibDir).join(", ")}; your own files are used by path: use "file.snn"`,
        });
      }
      return path;
    }
    const p = target.name.replace(/^~(?=\/|$)/, process.env.HOME ?? "~");
    const full = isAbsolute(p) ? p : join(fromDir, p);
    return extname(full) === "" ? `${full}.snn` : full;
  }

  /** Checks or runs the module `target` names, relative to `host` (the program that uses it). */
  async use(target: { name: string; path: boolean; span: Span }, host: EvalHost): Promise<{ names: ReadonlyMap<string, V>; errors: readonly SpikelabError[] }> {
    const path = this.resolvePath(target, host.dir);
    let stat;
    try {
      stat = statSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new SpikelabError("io", `cannot use '${target.name}': ${code === "ENOENT" ? "no such file" : code ?? "unreadable"} (${path})`, { hint: "paths are relative to the program's folder" });
    }
    if (!stat.isFile()) throw new SpikelabError("io", `cannot use '${target.name}': ${path} is not a file`);
    // Bytes, not characters: generous enough for any UTF-8; tokenize() applies the exact limit.
    if (stat.size > MAX_MODULE_BYTES) throw new SpikelabError("resource", `cannot use '${target.name}': ${path} is ${(stat.size / 1e6).toFixed(1)} MB; spikelab reads programs of up to ${MAX_PROGRAM_CHARS / 1e6} MB`);
    if (this.loading.includes(path)) {
      throw new SpikelabError("name", `modules use each other in a cycle: ${[...this.loading.slice(this.loading.indexOf(path)), path].map((p) => basename(p)).join(" → ")}`, { hint: "move the shared part into a third module" });
    }
    const key = `${host.mode}:${path}`;
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.mtimeMs === stat.mtimeMs) return hit;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new SpikelabError("io", `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const parsed = parse(text, path);
    if (parsed.program === undefined) {
      if (host.mode === "run") throw parsed.errors[0]!;
      return { names: new Map(), errors: parsed.errors };
    }
    this.loading.push(path);
    try {
      const scope = new Scope();
      const ev = new Evaluator({ ...host, file: path, dir: dirname(path) }, scope);
      await ev.block(parsed.program.statements, false);
      // A module exports what it defines itself, not what it took from other modules.
      const own = new Set(parsed.program.statements.flatMap((s) => ("name" in s && s.kind !== "train" ? [s.name.name] : [])));
      const names = new Map([...scope.vars].filter(([k]) => own.has(k)));
      const loaded: Loaded = { mtimeMs: stat.mtimeMs, names, errors: ev.errors };
      if (ev.errors.length === 0 || host.mode === "check") this.cache.set(key, loaded);
      return loaded;
    } finally {
      this.loading.pop();
    }
  }
}

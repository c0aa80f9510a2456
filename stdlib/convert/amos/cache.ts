// The fit cache: fitting a gate costs seconds, so the same gate, K and settings are fitted once.
// An in-process memo answers repeats at once; an on-disk cache under the project's gitignored
// `.cache/amos-fits/` (or $SPIKELAB_CACHE_DIR) answers them across processes. A missing,
// unreadable or corrupt entry is refitted, never trusted. No fitting logic here.

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RunContext } from "../../context.ts";
import { circuit } from "./circuit.ts";
import { fitCircuit, FIT_VERSION, type FitResult, type FitSettings } from "./fit.ts";
import type { Gate } from "./gates.ts";

const memo = new Map<string, Promise<FitResult>>();

export function cacheDir(): string {
  return process.env.SPIKELAB_CACHE_DIR ?? fileURLToPath(new URL("../../../.cache/amos-fits/", import.meta.url));
}

/** The identity of a fit: everything its result depends on. */
export function fitKey(g: Gate, s: FitSettings): string {
  const gateId = g.spec.kind === "expr" ? `expr:${g.spec.source.replace(/\s+/g, "")}` : g.spec.kind;
  return JSON.stringify({ v: FIT_VERSION, gate: gateId, K: s.K, range: s.range, points: s.points, restarts: s.restarts, iterations: s.iterations, lr: s.lr, seed: s.seed });
}

function fileOf(key: string): string {
  return join(cacheDir(), `${createHash("sha256").update(key).digest("hex").slice(0, 24)}.json`);
}

interface Stored {
  readonly key: string;
  readonly h: number[];
  readonly d: number[];
  readonly T: number[];
  readonly mse: number;
  readonly maxError: number;
  readonly bestRestart: number;
  readonly seconds: number;
}

function readStored(key: string, g: Gate, s: FitSettings): FitResult | undefined {
  let raw: string;
  try {
    raw = readFileSync(fileOf(key), "utf8");
  } catch {
    return undefined;
  }
  try {
    const st = JSON.parse(raw) as Stored;
    if (st.key !== key || !Array.isArray(st.h) || st.h.length !== s.K || typeof st.mse !== "number") return undefined;
    return { gate: g.name, circuit: circuit(st.h, st.d, st.T), settings: s, mse: st.mse, maxError: st.maxError, bestRestart: st.bestRestart, seconds: st.seconds };
  } catch {
    return undefined;
  }
}

function writeStored(key: string, r: FitResult, ctx: RunContext): void {
  const st: Stored = { key, h: Array.from(r.circuit.h), d: Array.from(r.circuit.d), T: Array.from(r.circuit.T), mse: r.mse, maxError: r.maxError, bestRestart: r.bestRestart, seconds: r.seconds };
  try {
    mkdirSync(cacheDir(), { recursive: true });
    const file = fileOf(key);
    // Write then rename, so a concurrent reader never sees half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(st) + "\n");
    renameSync(tmp, file);
  } catch (e) {
    ctx.log?.(`note: could not store the fitted ${r.gate} circuit in ${cacheDir()} (${(e as Error).message}); it will be refitted next time`);
  }
}

export interface CachedFit extends FitResult {
  /** Where the answer came from: fitted now, this process's memo, or the disk cache. */
  readonly source: "fit" | "memo" | "disk";
}

/** The stored fit of `g` with `s`, from the memo or the disk, without fitting. */
export async function storedFit(g: Gate, s: FitSettings): Promise<CachedFit | undefined> {
  const key = fitKey(g, s);
  const known = memo.get(key);
  if (known !== undefined) return { ...(await known), source: "memo" };
  const stored = readStored(key, g, s);
  if (stored === undefined) return undefined;
  memo.set(key, Promise.resolve(stored));
  return { ...stored, source: "disk" };
}

/** Remembers a fit made elsewhere (a worker): memo and disk. */
export function rememberFit(g: Gate, r: FitResult, ctx: RunContext = {}): void {
  const key = fitKey(g, r.settings);
  memo.set(key, Promise.resolve(r));
  writeStored(key, r, ctx);
}

/** Fits `g` with `s`, or returns the stored fit of the same gate and settings. */
export async function cachedFit(g: Gate, s: FitSettings, ctx: RunContext = {}): Promise<CachedFit> {
  const known = await storedFit(g, s);
  if (known !== undefined) return known;
  const key = fitKey(g, s);
  const running = fitCircuit(g, s, ctx);
  memo.set(key, running);
  try {
    const r = await running;
    writeStored(key, r, ctx);
    return { ...r, source: "fit" };
  } catch (e) {
    memo.delete(key);
    throw e;
  }
}

/** Forgets the in-process memo (tests use it to see the disk cache at work). */
export function clearFitMemo(): void {
  memo.clear();
}

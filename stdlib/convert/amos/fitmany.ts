// Several fits at once (a network's gates, a staircase's K values): answered from the cache
// where possible, the rest split over the worker pool when the context has one (each worker
// fits whole gates; the results equal a fit in this thread, bit for bit, since fits are
// seeded). It must not decide what to fit.

import type { RunContext } from "../../context.ts";
import type { TaskContext } from "../../tensor/pool.ts";
import { cachedFit, fitKey, rememberFit, storedFit, type CachedFit } from "./cache.ts";
import { circuit } from "./circuit.ts";
import { fitCircuit, type FitResult, type FitSettings } from "./fit.ts";
import { gate, type GateSpec } from "./gates.ts";

export interface FitJob {
  readonly gate: GateSpec;
  readonly settings: FitSettings;
}

interface PlainFit {
  readonly h: Float64Array;
  readonly d: Float64Array;
  readonly T: Float64Array;
  readonly mse: number;
  readonly maxError: number;
  readonly bestRestart: number;
  readonly seconds: number;
}

/** PoolFunction: fits jobs [start, end) in a worker. */
export async function fitJobs(jobs: readonly FitJob[], start: number, end: number, ctx?: TaskContext): Promise<PlainFit[]> {
  const out: PlainFit[] = [];
  for (let i = start; i < end; i++) {
    const j = jobs[i]!;
    const abort = ctx === undefined ? undefined : abortOf(ctx);
    let r;
    try {
      r = await fitCircuit(gate(j.gate), j.settings, abort ? { signal: abort.signal } : {});
    } finally {
      abort?.stop();
    }
    out.push({ h: r.circuit.h, d: r.circuit.d, T: r.circuit.T, mse: r.mse, maxError: r.maxError, bestRestart: r.bestRestart, seconds: r.seconds });
    ctx?.itemsDone(1);
  }
  return out;
}

/** An AbortSignal that fires when the pool task is interrupted (polled: workers get no event for it); stop() ends the polling. */
function abortOf(ctx: TaskContext): { signal: AbortSignal; stop: () => void } {
  const c = new AbortController();
  const poll = setInterval(() => {
    if (ctx.aborted()) {
      c.abort();
      clearInterval(poll);
    }
  }, 50);
  poll.unref();
  return { signal: c.signal, stop: () => clearInterval(poll) };
}

/** Fits every job (cache first); with a pool of two or more workers, the missing fits run in parallel. */
export async function fitMany(jobs: readonly FitJob[], ctx: RunContext = {}): Promise<CachedFit[]> {
  const known = await Promise.all(jobs.map((j) => storedFit(gate(j.gate), j.settings)));
  // One fit per distinct gate and settings (two layers may share a rounded range).
  const keys = jobs.map((j) => fitKey(gate(j.gate), j.settings));
  const missing = jobs.map((_, i) => i).filter((i) => known[i] === undefined && keys.indexOf(keys[i]!) === i);
  const pool = ctx.pool;
  if (missing.length > 1 && pool !== undefined && pool.size > 1) {
    const todo = missing.map((i) => jobs[i]!);
    const chunks = await pool.map<readonly FitJob[], PlainFit[]>(
      { module: new URL("./fitmany.ts", import.meta.url), fn: "fitJobs", items: todo.length, shared: todo, chunk: 1 },
      { ...(ctx.signal ? { signal: ctx.signal } : {}), progress: (done, total) => ctx.progress?.({ label: `fit ${todo.length} gates`, done, total, unit: "fits" }) },
    );
    chunks.forEach((c) => {
      c.value.forEach((p, k) => {
        const i = missing[c.start + k]!;
        const g = gate(jobs[i]!.gate);
        const r: FitResult = { gate: g.name, circuit: circuit(p.h, p.d, p.T), settings: jobs[i]!.settings, mse: p.mse, maxError: p.maxError, bestRestart: p.bestRestart, seconds: p.seconds };
        rememberFit(g, r, ctx);
        known[i] = { ...r, source: "fit" };
      });
    });
  } else {
    for (const i of missing) known[i] = await cachedFit(gate(jobs[i]!.gate), jobs[i]!.settings, ctx);
  }
  for (let i = 0; i < jobs.length; i++) if (known[i] === undefined) known[i] = { ...known[keys.indexOf(keys[i]!)]!, source: "memo" };
  return known as CachedFit[];
}

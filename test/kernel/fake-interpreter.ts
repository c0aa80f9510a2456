// A stand-in for the language's interpreter in kernel tests: a few line commands that exercise
// what the kernel must handle (printing, values, errors with places, awaiting long work that
// honours the AbortSignal, progress). It is not the language and must not grow into one.

import type { Completeness, ExecuteHooks, ExecuteResult, Interpreter, Value } from "../../dsl/api.ts";
import { InterruptedError, SpikelabError } from "../../stdlib/errors.ts";
import type { SpikeRecord } from "../../stdlib/ir/results.ts";
import { rasterFigure } from "../../stdlib/plot/raster.ts";

const KEYWORDS = ["print", "warn", "sleep", "busy", "plot", "table", "fail", "network"];

export function createFakeInterpreter(): Interpreter {
  const names = new Map<string, Value>();
  return {
    async execute(source: string, file: string, hooks: ExecuteHooks): Promise<ExecuteResult> {
      const staged = new Map(names);
      let last: Value | undefined;
      const lines = source.split("\n");
      try {
        for (let i = 0; i < lines.length; i++) {
          const line = lines[i]!.trim();
          const at = (column: number, length = 1) => ({ file, line: i + 1, column, length });
          last = undefined;
          let m: RegExpExecArray | null;
          if (line === "" || line.startsWith("#")) continue;
          if ((m = /^(print|warn) "(.*)"$/.exec(line))) {
            hooks.emit({ kind: "text", text: m[2]!, stream: m[1] === "print" ? "stdout" : "stderr" });
          } else if ((m = /^sleep (\d+)$/.exec(line))) {
            const end = Date.now() + Number(m[1]);
            while (Date.now() < end) {
              if (hooks.signal?.aborted) throw new InterruptedError("interrupted by the user");
              await new Promise((r) => setTimeout(r, 10));
            }
          } else if ((m = /^measure (\d+)$/.exec(line))) {
            // Stops on interrupt as the language does: the cell fails with an InterruptedError
            // whose message reports what was measured so far, and binds nothing.
            const total = Number(m[1]);
            let done = 0;
            for (; done < total && !hooks.signal?.aborted; done++) await new Promise((r) => setTimeout(r, 10));
            staged.set("measured", { kind: "number", value: done });
            if (hooks.signal?.aborted) throw new InterruptedError(`measure interrupted after ${done} of ${total} ticks; so far ${done} ticks measured`, done, { loc: at(1, line.length) });
            last = { kind: "number", value: done };
          } else if ((m = /^stubborn (\d+)$/.exec(line))) {
            // Awaits but never looks at the signal: the kernel must give up on it.
            const end = Date.now() + Number(m[1]);
            while (Date.now() < end) await new Promise((r) => setTimeout(r, 10));
          } else if ((m = /^busy (\d+)$/.exec(line))) {
            const total = Number(m[1]);
            for (let done = 1; done <= total; done++) {
              await new Promise((r) => setTimeout(r, 5));
              if (hooks.signal?.aborted) throw new InterruptedError("interrupted by the user");
              hooks.progress?.({ label: "simulate fake", done, total, unit: "images", figures: { spikes: done * 1000 } });
            }
          } else if ((m = /^pool (\d+)$/.exec(line))) {
            // Long work in the worker pool: the kernel's event loop stays free meanwhile.
            if (hooks.pool === undefined) throw new SpikelabError("unsupported", "no worker pool");
            const total = Number(m[1]);
            const parts = await hooks.pool.map<{ msPerItem: number }, number>(
              { module: new URL("./pool-task.ts", import.meta.url), fn: "spin", items: total, shared: { msPerItem: 20 }, chunk: 5 },
              {
                ...(hooks.signal ? { signal: hooks.signal } : {}),
                progress: (done, all) => hooks.progress?.({ label: "simulate in the pool", done, total: all, unit: "images" }),
              },
            );
            last = { kind: "number", value: parts.reduce((a, p) => a + p.value, 0) };
          } else if (line === "plot") {
            hooks.emit({ kind: "display", value: { kind: "figure", figure: fakeRaster() } });
          } else if (line === "table") {
            last = { kind: "table", table: { kind: "table", title: "t", columns: ["a", "b"], rows: [[1, "x"], [2, "y"]] } };
          } else if (line === "fail") {
            throw new SpikelabError("runtime", "this cell fails on purpose", { loc: at(lines[i]!.indexOf("fail") + 1, 4), hint: "remove 'fail'" });
          } else if ((m = /^([a-z_]\w*) = (-?\d+(?:\.\d+)?)$/.exec(line))) {
            staged.set(m[1]!, { kind: "number", value: Number(m[2]) });
          } else if ((m = /^[a-z_]\w*$/.exec(line))) {
            const v = staged.get(line);
            if (v === undefined) throw new SpikelabError("name", `unknown name '${line}'`, { loc: at(1, line.length) });
            last = v;
          } else if ((m = /^(\d+) \+ (\d+)$/.exec(line))) {
            last = { kind: "number", value: Number(m[1]) + Number(m[2]) };
          } else {
            throw new SpikelabError("syntax", `cannot read '${line}'`, { loc: at(1, Math.max(1, line.length)) });
          }
        }
      } catch (e) {
        if (e instanceof SpikelabError) return { ok: false, errors: [e] };
        throw e;
      }
      for (const [k, v] of staged) names.set(k, v);
      return { ok: true, value: last };
    },
    complete(source: string, offset: number) {
      const m = /[A-Za-z_]\w*$/.exec(source.slice(0, offset));
      const prefix = m ? m[0] : "";
      const start = offset - prefix.length;
      const matches = [...KEYWORDS, ...names.keys()].filter((w) => w.startsWith(prefix)).sort();
      return { matches, start, end: offset };
    },
    inspect(source: string, offset: number) {
      const left = /[A-Za-z_]\w*$/.exec(source.slice(0, offset))?.[0] ?? "";
      const right = /^\w*/.exec(source.slice(offset))?.[0] ?? "";
      const word = left + right;
      if (KEYWORDS.includes(word)) return { found: true, markdown: `**${word}**: a fake keyword`, text: `${word}: a fake keyword` };
      const v = names.get(word);
      if (v !== undefined) return { found: true, markdown: `\`${word}\` = ${JSON.stringify(v)}`, text: `${word} = ${JSON.stringify(v)}` };
      return { found: false, markdown: "", text: "" };
    },
    isComplete(source: string): { status: Completeness; indent: string } {
      let depth = 0;
      for (const ch of source) {
        if (ch === "{") depth++;
        if (ch === "}" && --depth < 0) return { status: "invalid", indent: "" };
      }
      return depth > 0 ? { status: "incomplete", indent: "  " } : { status: "complete", indent: "" };
    },
    names: () => names,
  };
}

function record(layer: string, neurons: number, spikes: readonly (readonly [number, number])[]): SpikeRecord {
  return { sample: 0, layer, neurons, neuron: Int32Array.from(spikes.map((s) => s[0])), time: Float64Array.from(spikes.map((s) => s[1])) };
}

/** The spike records behind `plot`: 10 spikes in "hidden", 7 in "output" (17 markers). */
export const FAKE_RECORDS: readonly SpikeRecord[] = [
  record("hidden", 5, [[0, 1], [2, 1], [1, 2], [4, 3], [0, 4], [3, 5], [2, 6], [0, 7], [4, 8], [1, 9]]),
  record("output", 3, [[1, 3], [0, 5], [2, 6], [1, 8], [0, 9], [2, 9], [1, 10]]),
];

/** A real raster figure from stdlib/plot, as the language's `plot raster` will produce. */
export function fakeRaster() {
  return rasterFigure(FAKE_RECORDS, { title: "raster (sample 0)" });
}

// Parse + check speed of the language on a generated 5,000-line program (networks, rule sets,
// bindings, arithmetic with units, sweeps): the target is well under 200 ms.
// Figures: median and minimum of 10 runs after a warm-up, in process, in milliseconds.

import { parse } from "../dsl/ast.ts";
import { checkProgram } from "../dsl/interpreter.ts";

/** A program of at least `lines` lines (whole blocks) that checks clean, mixing every kind of statement. */
export function generateProgram(lines: number): string {
  const out: string[] = ["use rueckauer2017", "dataset mnist = mnist()"];
  let i = 0;
  while (out.length < lines) {
    switch (i % 5) {
      case 0:
        out.push(
          `network net${i} (input 1x28x28) {`,
          "  conv 6 kernel 5 pad 2 -> relu",
          "  avgpool 2",
          "  c: conv 16 kernel 5 -> relu",
          "  a: conv 8 kernel 1",
          "  b: from c -> conv 8 kernel 3 pad 1",
          "  concat a b -> relu",
          "  avgpool 2",
          "  flatten",
          "  dense 120 -> relu",
          "  dense 10",
          "}",
        );
        break;
      case 1:
        out.push(`conversion rules${i} extends rueckauer2017 {`, `  percentile: 99.${i % 10}`, "  reset: subtract", `  dt: ${1 + (i % 3)} ms`, "  max_rate: 1 kHz", "  norm_data: mnist.train[0:1000]", "}");
        break;
      case 2:
        out.push(`x${i} = (${i} + 2) * 3 / 4 - 1`, `t${i} = ${i % 7 + 1} ms + 250 us`, `f${i} = 1 / t${i}`, `s${i} = mnist.test[${i}:${i + 100}]`, `print x${i}, t${i}, f${i}`);
        break;
      case 3:
        out.push(`tbl${i} = sweep p in [99, 99.9, 100], k in range(3) {`, `  r = rules${i - 2}`, "  row { percentile: p, k: k, twice: 2 * p, steps: r.steps }", "}");
        break;
      case 4:
        out.push(`m${i} = max(x${i - 2}, sqrt(${i}), exp(1) ^ 2)`, `names${i} = [1, 2, 3] + [x${i - 2}]`, `n${i} = len(names${i})`);
        break;
    }
    i++;
  }
  return out.join("\n") + "\n";
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export default async function bench(): Promise<Record<string, number>> {
  const text = generateProgram(5000);
  const parseMs: number[] = [];
  const totalMs: number[] = [];
  const cpuMs: number[] = [];
  for (let run = 0; run < 11; run++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const parsed = parse(text, "bench.snn");
    const t1 = performance.now();
    if (parsed.program === undefined) throw new Error(`generated program does not parse: ${parsed.errors[0]?.message}`);
    const errors = await checkProgram(parsed.program, { dir: "." });
    const t2 = performance.now();
    const cpu = process.cpuUsage(c0);
    if (errors.length > 0) throw new Error(`generated program does not check: ${errors[0]?.message} at ${errors[0]?.loc?.line}`);
    if (run > 0) {
      parseMs.push(t1 - t0);
      totalMs.push(t2 - t0);
      cpuMs.push((cpu.user + cpu.system) / 1000);
    }
  }
  // The median says what a user waits; the minimum and the CPU time, what the code costs when
  // the (shared) machine is busy with other work.
  return {
    dsl_parse_5000_lines_ms: Number(median(parseMs).toFixed(1)),
    dsl_parse_check_5000_lines_ms: Number(median(totalMs).toFixed(1)),
    dsl_parse_check_5000_lines_min_ms: Number(Math.min(...totalMs).toFixed(1)),
    dsl_parse_check_5000_lines_cpu_ms: Number(median(cpuMs).toFixed(1)),
  };
}

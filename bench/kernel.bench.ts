// Round-trip latency of the Jupyter kernel as a frontend sees it: an execute_request of a
// trivial cell until both its reply and its idle status are back, and a complete_request.
// Runs the real kernel process over zeromq on loopback; figures in milliseconds.
import { join } from "node:path";
import { ROOT, TestClient } from "../test/kernel/client.ts";

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

const round = (x: number) => Math.round(x * 100) / 100;

/** A real rate simulation interrupted mid-run: how long until its reply, then until the next cell's. */
async function interruptLatency(k: TestClient): Promise<Record<string, number>> {
  for (const code of [
    "use rueckauer2017",
    "data = synthetic(count: 2000, seed: 1)",
    "network tiny (input 1x8x8) {\n  flatten\n  dense 32 -> relu\n  dense 4\n}",
    "train tiny on data.train { epochs: 1, batch: 32, lr: 0.01, seed: 1 }",
    "snn = convert tiny with rueckauer2017",
  ]) await k.execute(code);
  const stop: number[] = [];
  const next: number[] = [];
  for (let i = 0; i < 3; i++) {
    const mark = k.iopubLog.length;
    const running = k.execute("result = simulate snn on data.train[0:1800] { steps: 20000 }");
    await k.waitForIopub((m) => k.iopubLog.indexOf(m) >= mark && m.header.msg_type === "update_display_data", 120_000);
    const t0 = performance.now();
    await k.request("control", "interrupt_request", {});
    await running;
    stop.push(performance.now() - t0);
    const t1 = performance.now();
    await k.execute("tiny");
    next.push(performance.now() - t1);
  }
  return { kernel_interrupt_to_reply_max_ms: round(Math.max(...stop)), kernel_next_execute_after_interrupt_max_ms: round(Math.max(...next)) };
}

export default async function (): Promise<Record<string, number>> {
  const t0 = performance.now();
  const k = await TestClient.start([process.execPath, join(ROOT, "kernel/bin.js"), "kernel", "--connection-file", "{connection_file}"]);
  const startMs = performance.now() - t0;
  try {
    for (let i = 0; i < 30; i++) await k.execute("1 + 1"); // warm-up: JIT, the language's first parse
    const exec: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      const { reply } = await k.execute(`x = ${i} + 1\nx`);
      exec.push(performance.now() - t);
      if (reply.content.status !== "ok") throw new Error(`cell failed: ${String(reply.content.evalue)}`);
    }
    const program = "network small (input 1x8x8) {\n  conv 4 kernel 3 pad 1 -> relu\n  avgpool 2\n  flatten\n  den";
    for (let i = 0; i < 30; i++) await k.call("shell", "complete_request", { code: program, cursor_pos: program.length });
    const complete: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      await k.call("shell", "complete_request", { code: program, cursor_pos: program.length });
      complete.push(performance.now() - t);
    }
    const interrupt = await interruptLatency(k);
    return {
      ...interrupt,
      kernel_start_to_first_reply_ms: round(startMs),
      kernel_execute_roundtrip_median_ms: round(quantile(exec, 0.5)),
      kernel_execute_roundtrip_p90_ms: round(quantile(exec, 0.9)),
      kernel_complete_roundtrip_median_ms: round(quantile(complete, 0.5)),
      kernel_complete_roundtrip_p90_ms: round(quantile(complete, 0.9)),
    };
  } finally {
    await k.close();
  }
}

// Interrupting a real simulation in the real kernel: the cell stops with InterruptedError whose
// message reports the figures of the images done, the next cell is answered, and the names are
// exactly as before the cell (the partial result is not bound). Latencies are printed here and
// measured in the bench.
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ROOT, TestClient, ofType, streams } from "./client.ts";

let k: TestClient;
test.before(async () => {
  k = await TestClient.start([process.execPath, join(ROOT, "kernel/bin.js"), "kernel", "--connection-file", "{connection_file}"]);
});
test.after(async () => {
  await k.close();
});

const SETUP = [
  "use rueckauer2017",
  "data = synthetic(count: 2000, seed: 1)",
  "network tiny (input 1x8x8) {\n  flatten\n  dense 32 -> relu\n  dense 4\n}",
  "train tiny on data.train { epochs: 1, batch: 32, lr: 0.01, seed: 1 }",
  "snn = convert tiny with rueckauer2017",
  "result = simulate snn on data.test[0:5] { steps: 20 }",
];

test("a long simulation stops on interrupt_request; state intact; the kernel goes on", async () => {
  for (const code of SETUP) {
    const { reply } = await k.execute(code);
    assert.is(reply.content.status, "ok", `${code}: ${String(reply.content.evalue)}`);
  }
  const mark = k.iopubLog.length;
  // About a minute of work if left alone (1,800 images × 20,000 steps).
  const running = k.execute("result = simulate snn on data.train[0:1800] { steps: 20000 }");
  const moving = k.waitForIopub(
    (m) => k.iopubLog.indexOf(m) >= mark && m.header.msg_type === "update_display_data" && /^simulate /.test((m.content.data as Record<string, string>)["text/plain"] ?? ""),
    120_000,
  );
  const first = await Promise.race([moving, running]);
  if ("reply" in first) assert.unreachable(`the simulation ended before it could be interrupted: ${String(first.reply.content.evalue)}`);
  const t0 = performance.now();
  await k.request("control", "interrupt_request", {});
  const cell = await running;
  const stopMs = performance.now() - t0;
  assert.is(cell.reply.content.status, "error");
  assert.is(cell.reply.content.ename, "InterruptedError");
  assert.ok(stopMs < 20_000, `the run was stopped, not finished (${stopMs.toFixed(0)} ms)`);
  const t1 = performance.now();
  const next = await k.execute("result");
  const nextMs = performance.now() - t1;
  // The error says what was measured; nothing else is printed about it, and nothing is bound:
  // `result` is still the 5-image run of the setup.
  const evalue = cell.reply.content.evalue as string;
  assert.match(evalue, /^simulate tiny_rueckauer2017 on synthetic_blobs\.train\[0:1800\] interrupted after [\d,]+ of 1,800 images; so far accuracy \d+\.\d\d % \(ANN \d+\.\d\d % on the same images\), agreement \d+\.\d\d %/);
  assert.is(ofType(cell.iopub, "error")[0]!.content.evalue, evalue);
  assert.is(streams(cell.iopub, "stderr"), "");
  const table = (ofType(next.iopub, "execute_result")[0]!.content.data as Record<string, string>)["text/plain"]!;
  assert.match(table, /synthetic_blobs\.test\[0:5\]/);
  assert.not.match(table, /1800|partial/);
  const bars = ofType(cell.iopub, "update_display_data").map((m) => (m.content.data as Record<string, string>)["text/plain"]!);
  assert.match(bars[bars.length - 1]!, /^simulate tiny_rueckauer2017 \[[#.]{30}\] \d+% \d+\/1800 images/);
  assert.is((await k.execute("tiny")).reply.content.status, "ok");
  console.log(`  real simulation: stopped ${stopMs.toFixed(0)} ms after interrupt_request; next cell answered in ${nextMs.toFixed(0)} ms`);
});

test.run();

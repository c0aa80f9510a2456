import { test } from "uvu";
import * as assert from "uvu/assert";
import { TestClient, ofType, streams } from "./client.ts";

let k: TestClient;

test.before(async () => {
  k = await TestClient.fake();
});
test.after(async () => {
  await k.close();
});

async function interruptedBy(how: () => void | Promise<unknown>): Promise<{ stopMs: number; nextMs: number }> {
  await k.execute("kept = 41");
  const t0 = performance.now();
  const running = k.execute("sleep 60000");
  await new Promise((r) => setTimeout(r, 300));
  const tInterrupt = performance.now();
  await how();
  const cell = await running;
  const stopMs = performance.now() - tInterrupt;
  assert.is(cell.reply.content.status, "error");
  assert.is(cell.reply.content.ename, "InterruptedError");
  assert.equal(ofType(cell.iopub, "error").length, 1);
  assert.ok(performance.now() - t0 < 30000, "the cell was stopped, not finished");
  const t1 = performance.now();
  const next = await k.execute("kept");
  const nextMs = performance.now() - t1;
  assert.equal(ofType(next.iopub, "execute_result")[0]!.content.data, { "text/plain": "41" });
  return { stopMs, nextMs };
}

test("interrupt_request on the control channel stops a running cell; state intact", async () => {
  const r = await interruptedBy(() => k.request("control", "interrupt_request", {}));
  console.log(`  interrupt_request: cell stopped after ${r.stopMs.toFixed(0)} ms, next cell answered in ${r.nextMs.toFixed(0)} ms`);
});

test("SIGINT stops a running cell without killing the kernel; state intact", async () => {
  const r = await interruptedBy(() => void k.proc.kill("SIGINT"));
  console.log(`  SIGINT: cell stopped after ${r.stopMs.toFixed(0)} ms, next cell answered in ${r.nextMs.toFixed(0)} ms`);
  assert.is(k.proc.exitCode, null);
});

test("an interrupted cell's error is the interpreter's, with what it measured; queued cells are aborted; nothing bound", async () => {
  const running = k.execute("measure 6000");
  const queued = k.execute('print "queued"');
  await new Promise((r) => setTimeout(r, 300));
  await k.request("control", "interrupt_request", {});
  const [cell, next] = await Promise.all([running, queued]);
  assert.is(cell.reply.content.status, "error");
  assert.is(cell.reply.content.ename, "InterruptedError");
  const evalue = cell.reply.content.evalue as string;
  assert.match(evalue, /^measure interrupted after (\d+) of 6000 ticks; so far \1 ticks measured$/);
  const error = ofType(cell.iopub, "error")[0]!.content;
  assert.is(error.evalue, evalue);
  assert.match((error.traceback as string[]).join("\n").replace(/\u001b\[\d+m/g, ""), /cell\[\d+\]:1:1: error: measure interrupted after \d+ of 6000 ticks/);
  assert.is(ofType(cell.iopub, "execute_result").length, 0);
  assert.is(next.reply.content.status, "aborted");
  assert.is((await k.execute("measured")).reply.content.ename, "NameError", "the interrupted cell bound nothing");
});

test("a cell that ignores the interrupt is abandoned after 0.9 s; the kernel goes on", async () => {
  await k.execute("kept = 41");
  const running = k.execute("stubborn 20000");
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  await k.request("control", "interrupt_request", {});
  const cell = await running;
  const stopMs = performance.now() - t0;
  assert.is(cell.reply.content.ename, "InterruptedError");
  assert.match(cell.reply.content.evalue as string, /did not stop within 900 ms/);
  assert.ok(stopMs < 5000, `answered after ${stopMs} ms, not after the cell's 20 s`);
  const next = await k.execute("kept");
  assert.equal(ofType(next.iopub, "execute_result")[0]!.content.data, { "text/plain": "41" });
  assert.match(k.stderr.join(""), /abandoned; the worker pool restarts/);
});

test("progress: one display_data with a display_id, then update_display_data in place, ending at done", async () => {
  const { iopub, reply } = await k.execute("busy 200");
  assert.is(reply.content.status, "ok");
  const first = ofType(iopub, "display_data");
  const updates = ofType(iopub, "update_display_data");
  assert.is(first.length, 1);
  const id = (first[0]!.content.transient as { display_id: string }).display_id;
  assert.type(id, "string");
  // 200 reports over ~1-2 s throttled to a few a second: fewer updates than reports, more than one.
  assert.ok(updates.length >= 2 && updates.length < 100, `updates: ${updates.length}`);
  for (const u of updates) assert.is((u.content.transient as { display_id: string }).display_id, id);
  const last = updates[updates.length - 1]!.content.data as Record<string, string>;
  assert.match(last["text/plain"]!, /^simulate fake \[#{30}\] 100% 200\/200 images · spikes 200\.0k · elapsed \d+\.\d s · done$/);
  assert.match(last["text/html"]!, /<progress value="200" max="200"/);
});

test("an interrupted progress run stops and the bar shows where it stopped", async () => {
  const running = k.execute("busy 100000");
  await new Promise((r) => setTimeout(r, 400));
  await k.request("control", "interrupt_request", {});
  const { iopub, reply } = await running;
  assert.is(reply.content.ename, "InterruptedError");
  const bars = [...ofType(iopub, "display_data"), ...ofType(iopub, "update_display_data")];
  const text = (bars[bars.length - 1]!.content.data as Record<string, string>)["text/plain"]!;
  const done = Number(/ (\d+)\/100000 images/.exec(text)?.[1]);
  assert.ok(done > 0 && done < 100000, text);
  assert.match(text, /ETA/);
  assert.is(streams((await k.execute('print "alive"')).iopub), "alive\n");
});

test("long work in the worker pool: the kernel stays responsive, progress moves, an interrupt stops it within 1 s", async () => {
  await k.execute("kept = 41");
  const mark = k.iopubLog.length;
  const running = k.execute("pool 100000");
  // Interrupt once the workers are computing (their start-up is a separate matter).
  const moving = (m: { header: { msg_type: string }; content: Record<string, unknown> }) =>
    m.header.msg_type === "update_display_data" && / ([1-9]\d+)\/100000 images/.test((m.content.data as Record<string, string>)["text/plain"] ?? "");
  await k.waitForIopub((m) => k.iopubLog.indexOf(m) >= mark && moving(m));
  const t0 = performance.now();
  assert.ok(await k.heartbeat(500), "heartbeat while workers compute");
  const info = await k.request("control", "kernel_info_request", {});
  const controlMs = performance.now() - t0;
  assert.is(info.content.status, "ok");
  const tInterrupt = performance.now();
  await k.request("control", "interrupt_request", {});
  const cell = await running;
  const stopMs = performance.now() - tInterrupt;
  assert.is(cell.reply.content.ename, "InterruptedError");
  const bars = [...ofType(cell.iopub, "display_data"), ...ofType(cell.iopub, "update_display_data")];
  const done = Number(/ (\d+)\/100000 images/.exec((bars[bars.length - 1]!.content.data as Record<string, string>)["text/plain"]!)?.[1]);
  assert.ok(done > 0 && done < 100000, `progress reached ${done}`);
  console.log(`  pool: heartbeat + control answered in ${controlMs.toFixed(0)} ms while busy; stopped ${stopMs.toFixed(0)} ms after the interrupt at ${done} items`);
  const t1 = performance.now();
  const next = await k.execute("kept");
  assert.equal(ofType(next.iopub, "execute_result")[0]!.content.data, { "text/plain": "41" });
  // The pool is reused: a second run finishes and counts every item.
  const again = await k.execute("pool 20");
  assert.equal(ofType(again.iopub, "execute_result")[0]!.content.data, { "text/plain": "20" });
  console.log(`  next cell answered ${(performance.now() - t1).toFixed(0)} ms after`);
});

test.run();

import { test } from "uvu";
import * as assert from "uvu/assert";
import { encode, Signer } from "../../kernel/protocol.ts";
import { TestClient, ofType, streams } from "./client.ts";

let k: TestClient;

test.before(async () => {
  k = await TestClient.fake();
});
test.after(async () => {
  await k.close();
});

test("kernel_info describes the language and the protocol", async () => {
  const { reply } = await k.call("shell", "kernel_info_request", {});
  const c = reply.content as Record<string, any>;
  assert.is(c.status, "ok");
  assert.is(c.protocol_version, "5.3");
  assert.is(c.implementation, "spikelab");
  assert.equal(
    { name: c.language_info.name, file_extension: c.language_info.file_extension, mimetype: c.language_info.mimetype, pygments: c.language_info.pygments_lexer },
    { name: "spikelab", file_extension: ".snn", mimetype: "text/x-spikelab", pygments: "python" },
  );
  assert.is(reply.header.msg_type, "kernel_info_reply");
});

test("a cell's print, value and count go out as stream, execute_result and execute_reply", async () => {
  const { reply, iopub } = await k.execute('print "hello, world"\n2 + 3');
  assert.is(reply.content.status, "ok");
  assert.is(streams(iopub), "hello, world\n");
  const [input] = ofType(iopub, "execute_input");
  assert.is(input!.content.code, 'print "hello, world"\n2 + 3');
  const [result] = ofType(iopub, "execute_result");
  assert.equal(result!.content.data, { "text/plain": "5" });
  assert.is(result!.content.execution_count, reply.content.execution_count);
  assert.equal(iopub.map((m) => m.header.msg_type), ["status", "execute_input", "stream", "execute_result", "status"]);
});

test("state persists, rebinds, and survives a failed cell", async () => {
  await k.execute("x = 1");
  await k.execute("x = 2");
  const failed = await k.execute("x = 7\nfail");
  assert.is(failed.reply.content.status, "error");
  const { iopub } = await k.execute("x");
  assert.equal(ofType(iopub, "execute_result")[0]!.content.data, { "text/plain": "2" });
});

test("an error shows the language's diagnostic, not a stack", async () => {
  const { reply, iopub } = await k.execute("x = 1\n  fail");
  const errs = ofType(iopub, "error");
  assert.is(errs.length, 1);
  assert.is(reply.content.ename, "RuntimeError");
  assert.is(reply.content.evalue, "this cell fails on purpose");
  const n = reply.content.execution_count as number;
  const plain = (reply.content.traceback as string[]).map((l) => l.replace(/\u001b\[\d+m/g, ""));
  assert.equal(plain, [`cell[${n}]:2:3: error: this cell fails on purpose`, "    fail", "    ^^^^", "hint: remove 'fail'"]);
  assert.equal(errs[0]!.content.traceback, reply.content.traceback);
  assert.not.match((reply.content.traceback as string[]).join("\n"), /at .*\.ts:\d+/);
});

test("silent cells publish nothing and do not count; store_history false does not count", async () => {
  const before = (await k.execute("1 + 1")).reply.content.execution_count as number;
  const silent = await k.execute('print "quiet"\n1 + 1', { silent: true });
  assert.equal(silent.iopub.map((m) => m.header.msg_type), ["status", "status"]);
  assert.is(silent.reply.content.execution_count, before);
  const unstored = await k.execute("1 + 2", { store_history: false });
  assert.is(unstored.reply.content.execution_count, before);
  assert.is(ofType(unstored.iopub, "execute_result").length, 1);
  assert.is((await k.execute("1 + 1")).reply.content.execution_count, before + 1);
});

test("stop_on_error aborts the requests queued behind a failing cell", async () => {
  const first = k.execute("sleep 300\nfail");
  const second = k.execute('print "must not run"');
  const third = k.execute('print "must not run either"', { stop_on_error: false });
  const [a, b, c] = await Promise.all([first, second, third]);
  assert.is(a.reply.content.status, "error");
  assert.is(b.reply.content.status, "aborted");
  assert.is(c.reply.content.status, "aborted");
  assert.is(streams(b.iopub) + streams(c.iopub), "");
  const after = await k.execute('print "runs again"');
  assert.is(streams(after.iopub), "runs again\n");
});

test("complete, inspect and is_complete answer from the interpreter, in code points", async () => {
  await k.execute("sleepy = 1");
  // A non-BMP character before the cursor: positions are code points, not UTF-16 units.
  const code = "# 🧠\nsle";
  const { reply } = await k.call("shell", "complete_request", { code, cursor_pos: [...code].length });
  assert.equal(reply.content.matches, ["sleep", "sleepy"]);
  assert.is(reply.content.cursor_start, [...code].length - 3);
  assert.is(reply.content.cursor_end, [...code].length);
  const ins = await k.call("shell", "inspect_request", { code: "print", cursor_pos: 2, detail_level: 0 });
  assert.is(ins.reply.content.found, true);
  assert.equal(ins.reply.content.data, { "text/plain": "print: a fake keyword", "text/markdown": "**print**: a fake keyword" });
  const none = await k.call("shell", "inspect_request", { code: "zzz", cursor_pos: 1, detail_level: 0 });
  assert.is(none.reply.content.found, false);
  const statuses = [];
  for (const code of ["x = 1", "block {", "}"]) statuses.push((await k.call("shell", "is_complete_request", { code })).reply.content);
  assert.equal(statuses, [{ status: "complete" }, { status: "incomplete", indent: "  " }, { status: "invalid" }]);
});

test("?word opens the pager with the word's documentation", async () => {
  const { reply } = await k.execute("?print");
  assert.equal(reply.content.payload, [{ source: "page", data: { "text/plain": "print: a fake keyword", "text/markdown": "**print**: a fake keyword" }, start: 0 }]);
});

test("history: tail, range and search (glob, unique, n)", async () => {
  for (const c of ["40 + 2", "x = 5", "40 + 2"]) await k.execute(c);
  const tail = (await k.call("shell", "history_request", { output: true, raw: true, hist_access_type: "tail", n: 3 })).reply.content.history as any[];
  assert.equal(tail.map((h) => h[2]), [["40 + 2", "42"], ["x = 5", null], ["40 + 2", "42"]]);
  const [session, line] = tail[1];
  const range = (await k.call("shell", "history_request", { output: false, raw: true, hist_access_type: "range", session, start: line, stop: line + 1 })).reply.content.history;
  assert.equal(range, [[session, line, "x = 5"]]);
  const search = async (extra: object) =>
    ((await k.call("shell", "history_request", { output: false, raw: true, hist_access_type: "search", pattern: "40 +*", ...extra })).reply.content.history as any[]).length;
  assert.ok((await search({})) >= 2);
  assert.is(await search({ unique: true }), 1);
  assert.is(await search({ n: 1 }), 1);
});

test("comm_info answers with comm_info_reply", async () => {
  const { reply } = await k.call("shell", "comm_info_request", {});
  assert.is(reply.header.msg_type, "comm_info_reply");
  assert.equal(reply.content, { status: "ok", comms: {} });
});

test("a message with a bad signature is refused, logged and never executed", async () => {
  const forged = new Signer("not the key");
  const header = k.header("execute_request");
  await k.sendRaw("shell", encode(forged, [], header, {}, {}, { code: 'print "pwned"', silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }));
  // A replay of a correctly signed message is refused too.
  const signer = new Signer(k.conn.key);
  const h2 = k.header("execute_request");
  const frames = encode(signer, [], h2, {}, {}, { code: 'print "once"', silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true });
  await k.sendRaw("shell", frames);
  await k.sendRaw("shell", frames);
  const { iopub } = await k.execute('print "after"');
  assert.is(streams(iopub), "after\n");
  await new Promise((r) => setTimeout(r, 200));
  const log = k.stderr.join("");
  assert.match(log, /refused a message on shell: bad signature/);
  assert.match(log, /refused a message on shell: replayed signature/);
  const hist = (await k.call("shell", "history_request", { output: false, raw: true, hist_access_type: "search", pattern: "*pwned*" })).reply.content.history as any[];
  assert.is(hist.length, 0);
  const once = (await k.call("shell", "history_request", { output: false, raw: true, hist_access_type: "search", pattern: '*"once"*' })).reply.content.history as any[];
  assert.is(once.length, 1);
});

test("heartbeat echoes while a cell runs", async () => {
  const running = k.execute("sleep 500");
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(await k.heartbeat());
  await running;
});

test("shutdown_request is answered and the kernel exits cleanly", async () => {
  const exited = new Promise<number | null>((r) => k.proc.once("exit", (code) => r(code)));
  const reply = await k.request("control", "shutdown_request", { restart: false });
  assert.equal(reply.content, { status: "ok", restart: false });
  assert.is(await exited, 0);
});

test.run();

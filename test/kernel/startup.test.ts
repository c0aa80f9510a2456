// The kernel answers kernel_info (and the control channel) while its language is still loading,
// and holds every request that needs the language until it is there, then answers them in order.
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ROOT, TestClient, ofType, streams } from "./client.ts";

test("kernel_info before the language has loaded; cells wait for it, then run in order", async () => {
  const k = await TestClient.start([process.execPath, "--import", "tsx", join(ROOT, "test/kernel/deferred-kernel.ts"), "--connection-file", "{connection_file}"]);
  try {
    // TestClient.start returned: kernel_info was answered, and the language is not there yet.
    const info = await k.call("shell", "kernel_info_request", {});
    assert.is(info.reply.content.status, "ok");
    assert.is((info.reply.content.language_info as { name: string }).name, "spikelab");
    let answered = false;
    const first = k.execute('print "first"').then((r) => ((answered = true), r));
    const second = k.execute("1 + 2");
    const complete = k.call("shell", "complete_request", { code: "pri", cursor_pos: 3 });
    // The control channel is not held up either.
    const interrupt = await k.request("control", "interrupt_request", {});
    assert.is(interrupt.content.status, "ok");
    await new Promise((r) => setTimeout(r, 300));
    assert.is(answered, false, "an execute is not answered before the language is there");
    k.proc.kill("SIGUSR2");
    const [a, b, c] = await Promise.all([first, second, complete]);
    assert.is(a.reply.content.status, "ok");
    assert.is(streams(a.iopub), "first\n");
    assert.equal(ofType(b.iopub, "execute_result")[0]!.content.data, { "text/plain": "3" });
    assert.equal([a.reply.content.execution_count, b.reply.content.execution_count], [1, 2]);
    assert.equal(c.reply.content.matches, ["print"]);
  } finally {
    await k.close();
  }
});

test.run();

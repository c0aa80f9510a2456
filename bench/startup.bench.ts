// Start-up as a user waits for it: `spikelab check` of a stdlib module (the CLI's whole run),
// `spikelab --help` (the floor: Node + tsx + the CLI), and the kernel from spawn to its first
// kernel_info_reply and to the reply of a first trivial cell (shell only, so no iopub
// slow-joiner retry inflates it, unlike kernel.bench.ts's start figure). Medians in ms.
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "zeromq";
import { decode, encode, Signer } from "../kernel/protocol.ts";
import { connectionInfo, ROOT } from "../test/kernel/client.ts";

const BIN = join(ROOT, "kernel/bin.js");
const RUNS = 7;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.floor(s.length / 2)]! * 10) / 10;
}

function wallMs(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`spikelab ${args.join(" ")} failed: ${r.stderr}`);
  return ms;
}

async function kernelOnce(): Promise<{ info: number; firstCell: number }> {
  const conn = await connectionInfo();
  const dir = mkdtempSync(join(tmpdir(), "spikelab-startup-"));
  const file = join(dir, "connection.json");
  writeFileSync(file, JSON.stringify(conn));
  const signer = new Signer(conn.key);
  const shell = new zmq.Dealer();
  shell.connect(`tcp://127.0.0.1:${conn.shell_port}`);
  const session = randomUUID();
  const header = (t: string) => ({ msg_id: randomUUID(), session, username: "bench", date: new Date().toISOString(), msg_type: t, version: "5.3" });
  const t0 = performance.now();
  const proc = spawn(process.execPath, [BIN, "kernel", "--connection-file", file], { cwd: ROOT, stdio: "ignore" });
  try {
    // The dealer queues the request until the kernel binds its shell socket.
    await shell.send(encode(signer, [], header("kernel_info_request"), {}, {}, {}));
    await shell.receive();
    const info = performance.now() - t0;
    await shell.send(encode(signer, [], header("execute_request"), {}, {}, { code: "1 + 1", silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }));
    const reply = decode(await shell.receive(), signer);
    if (reply.content.status !== "ok") throw new Error(`first cell failed: ${String(reply.content.evalue)}`);
    return { info, firstCell: performance.now() - t0 };
  } finally {
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
    shell.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function (): Promise<Record<string, number>> {
  wallMs(["check", "stdlib/lenet.snn"]); // warm the transform cache and the disk
  const check: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    check.push(wallMs(["check", "stdlib/lenet.snn"]));
    help.push(wallMs(["--help"]));
  }
  const info: number[] = [];
  const first: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const k = await kernelOnce();
    info.push(k.info);
    first.push(k.firstCell);
  }
  return {
    startup_cli_check_lenet_ms: median(check),
    startup_cli_help_ms: median(help),
    startup_kernel_to_info_reply_ms: median(info),
    startup_kernel_to_first_cell_reply_ms: median(first),
  };
}

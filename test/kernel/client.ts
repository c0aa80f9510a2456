// A minimal Jupyter client for kernel tests: starts a kernel process on free ports, signs
// requests, and collects each request's reply and iopub messages up to its idle status.
// It is test tooling, not a frontend: no reconnects, no stdin.

import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zmq from "zeromq";
import { Signer, decode, encode, type ConnectionInfo, type Header, type Message } from "../../kernel/protocol.ts";

export const ROOT = new URL("../..", import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (typeof a === "object" && a !== null ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

export async function connectionInfo(): Promise<ConnectionInfo> {
  const [shell_port, iopub_port, stdin_port, control_port, hb_port] = await Promise.all([1, 2, 3, 4, 5].map(freePort));
  return { transport: "tcp", ip: "127.0.0.1", shell_port: shell_port!, iopub_port: iopub_port!, stdin_port: stdin_port!, control_port: control_port!, hb_port: hb_port!, key: randomBytes(16).toString("hex"), signature_scheme: "hmac-sha256", kernel_name: "spikelab" };
}

export interface Collected {
  readonly reply: Message;
  readonly iopub: readonly Message[];
}

export class TestClient {
  readonly stderr: string[] = [];
  private readonly signer: Signer;
  private readonly shell = new zmq.Dealer();
  private readonly control = new zmq.Dealer();
  private readonly iopub = new zmq.Subscriber();
  private readonly session = randomUUID();
  private readonly replies = new Map<string, (m: Message) => void>();
  private readonly iopubByParent = new Map<string, Message[]>();
  private readonly idleWaiters = new Map<string, () => void>();
  private readonly early: Message[] = [];
  /** Every iopub message so far, in arrival order (for watching a cell while it runs). */
  readonly iopubLog: Message[] = [];
  private sending = Promise.resolve();

  private constructor(readonly conn: ConnectionInfo, readonly proc: ChildProcess) {
    this.signer = new Signer(conn.key);
    proc.stderr?.on("data", (d: Buffer) => this.stderr.push(d.toString()));
  }

  /** Starts `argv` (with `{connection_file}` replaced) and connects once the kernel answers kernel_info. */
  static async start(argv: readonly string[]): Promise<TestClient> {
    const conn = await connectionInfo();
    const dir = mkdtempSync(join(tmpdir(), "spikelab-kernel-"));
    const file = join(dir, "connection.json");
    writeFileSync(file, JSON.stringify(conn));
    const proc = spawn(argv[0]!, argv.slice(1).map((a) => (a === "{connection_file}" ? file : a)), { cwd: ROOT, stdio: ["ignore", "inherit", "pipe"] });
    const c = new TestClient(conn, proc);
    const addr = (p: number) => `tcp://127.0.0.1:${p}`;
    c.shell.connect(addr(conn.shell_port));
    c.control.connect(addr(conn.control_port));
    c.iopub.connect(addr(conn.iopub_port));
    c.iopub.subscribe();
    c.listen(c.shell);
    c.listen(c.control);
    c.listenIopub();
    // The kernel may still be binding, and iopub drops what is published before the
    // subscription lands (slow joiner): kernel_info until both its reply and its idle arrive,
    // asking again every 200 ms as jupyter_client's wait_for_ready does (a coarser retry would
    // make a kernel that answers early look slow).
    for (let i = 0; ; i++) {
      const r = await Promise.race([c.call("shell", "kernel_info_request", {}), new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]);
      if (r !== undefined) break;
      if (i > 300 || proc.exitCode !== null) throw new Error(`kernel did not start: ${c.stderr.join("")}`);
    }
    return c;
  }

  static fake(): Promise<TestClient> {
    return TestClient.start([process.execPath, "--import", "tsx", join(ROOT, "test/kernel/fake-kernel.ts"), "--connection-file", "{connection_file}"]);
  }

  private listen(socket: zmq.Dealer): void {
    void (async () => {
      try {
        for await (const frames of socket) {
          const m = decode(frames, this.signer);
          const id = m.parent_header.msg_id;
          if (id !== undefined) this.replies.get(id)?.(m);
        }
      } catch {
        /* closed */
      }
    })();
  }

  private listenIopub(): void {
    void (async () => {
      try {
        for await (const frames of this.iopub) {
          const m = decode(frames, this.signer);
          this.iopubLog.push(m);
          if (this.iopubLog.length > 10_000) this.iopubLog.splice(0, 5_000);
          const id = m.parent_header.msg_id;
          if (id === undefined) {
            this.early.push(m);
            continue;
          }
          let list = this.iopubByParent.get(id);
          if (list === undefined) this.iopubByParent.set(id, (list = []));
          list.push(m);
          if (m.header.msg_type === "status" && m.content.execution_state === "idle") this.idleWaiters.get(id)?.();
        }
      } catch {
        /* closed */
      }
    })();
  }

  header(msgType: string): Header {
    return { msg_id: randomUUID(), session: this.session, username: "test", date: new Date().toISOString(), msg_type: msgType, version: "5.3" };
  }

  /** Sends raw frames on a channel (for tests of refused messages). */
  sendRaw(channel: "shell" | "control", frames: Buffer[]): Promise<void> {
    const s = channel === "shell" ? this.shell : this.control;
    this.sending = this.sending.then(() => s.send(frames));
    return this.sending;
  }

  /** Sends a request; resolves with its reply (not waiting for iopub). */
  request(channel: "shell" | "control", msgType: string, content: Record<string, unknown>, header = this.header(msgType)): Promise<Message> {
    const reply = new Promise<Message>((resolve) => this.replies.set(header.msg_id, resolve));
    void this.sendRaw(channel, encode(this.signer, [], header, {}, {}, content));
    return reply;
  }

  /** Sends a request and waits for both its reply and its idle status. */
  async call(channel: "shell" | "control", msgType: string, content: Record<string, unknown>): Promise<Collected> {
    const header = this.header(msgType);
    const idle = new Promise<void>((resolve) => this.idleWaiters.set(header.msg_id, resolve));
    const reply = await this.request(channel, msgType, content, header);
    await idle;
    this.idleWaiters.delete(header.msg_id);
    this.replies.delete(header.msg_id);
    const iopub = this.iopubByParent.get(header.msg_id) ?? [];
    this.iopubByParent.delete(header.msg_id);
    return { reply, iopub };
  }

  execute(code: string, extra: Record<string, unknown> = {}): Promise<Collected> {
    return this.call("shell", "execute_request", { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true, ...extra });
  }

  /** Resolves with the first iopub message (already received or arriving) that `pred` accepts. */
  async waitForIopub(pred: (m: Message) => boolean, timeoutMs = 30_000): Promise<Message> {
    const end = performance.now() + timeoutMs;
    let seen = 0;
    while (performance.now() < end) {
      for (; seen < this.iopubLog.length; seen++) if (pred(this.iopubLog[seen]!)) return this.iopubLog[seen]!;
      await new Promise((r) => setTimeout(r, 20));
      seen = Math.min(seen, this.iopubLog.length);
    }
    throw new Error("timed out waiting for an iopub message");
  }

  /** The heartbeat echoes within `timeoutMs`. */
  async heartbeat(timeoutMs = 1000): Promise<boolean> {
    const hb = new zmq.Request();
    hb.receiveTimeout = timeoutMs;
    hb.connect(`tcp://127.0.0.1:${this.conn.hb_port}`);
    try {
      await hb.send("ping");
      const [r] = await hb.receive();
      return r?.toString() === "ping";
    } catch {
      return false;
    } finally {
      hb.close();
    }
  }

  /** Resident memory of the kernel process in MB (Linux). */
  rssMb(): number {
    const status = readFileSync(`/proc/${this.proc.pid}/status`, "utf8");
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? "0");
    return kb / 1024;
  }

  async close(): Promise<void> {
    if (this.proc.exitCode === null) {
      const exited = new Promise<void>((r) => this.proc.once("exit", () => r()));
      await Promise.race([this.request("control", "shutdown_request", { restart: false }), new Promise((r) => setTimeout(r, 3000))]);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
    }
    for (const s of [this.shell, this.control, this.iopub]) {
      s.linger = 0;
      s.close();
    }
  }
}

/** Text of the stream messages in a cell's iopub. */
export function streams(iopub: readonly Message[], name = "stdout"): string {
  return iopub.filter((m) => m.header.msg_type === "stream" && m.content.name === name).map((m) => m.content.text as string).join("");
}

export function ofType(iopub: readonly Message[], type: string): Message[] {
  return iopub.filter((m) => m.header.msg_type === type);
}

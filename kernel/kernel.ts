// The kernel: answers each Jupyter request type by wiring the transport (protocol.ts) to the
// session (session.ts). Shell requests run one at a time; control requests (interrupt,
// shutdown) are answered at once, even while a cell runs. The language and the renderers load
// after the sockets are up, so kernel_info is answered while they do (a frontend shows the
// kernel ready sooner); requests that need them wait. It must not parse or render.

import { readFileSync } from "node:fs";
import type { Interpreter } from "../dsl/api.ts";
import type { WorkerPool } from "../stdlib/tensor/pool.ts";
import type { KernelPool } from "./lazy-pool.ts";
import { ProgressDisplay } from "./progress.ts";
import { PROTOCOL_VERSION, Transport, type Channel, type ConnectionInfo, type Message } from "./protocol.ts";
import type { CellSink, Session } from "./session.ts";
import { LANGUAGE_INFO, KERNEL_VERSION } from "./language.ts";

export interface KernelOptions {
  /** The language, or its promise while it loads: only requests that need it wait for it. */
  readonly interpreter: Interpreter | Promise<Interpreter>;
  /** A KernelPool is restarted after a cell that ignored an interrupt was abandoned. */
  readonly pool?: WorkerPool | KernelPool;
  readonly log?: (line: string) => void;
  /** Called once the kernel has shut down (the CLI exits the process). */
  readonly onShutdown?: (restart: boolean) => void;
}

export class Kernel {
  private readonly session: Promise<Session>;
  private transport!: Transport;
  private readonly shellQueue: { channel: Channel; msg: Message }[] = [];
  private draining = false;
  private running: AbortController | undefined;
  private abortQueuedExecutes = false;
  private stopped = false;
  private readonly log: (line: string) => void;

  private constructor(private readonly conn: ConnectionInfo, private readonly opts: KernelOptions) {
    this.log = opts.log ?? ((l) => process.stderr.write(`[spikelab kernel] ${l}\n`));
    const pool = opts.pool;
    this.session = Promise.all([import("./session.ts"), opts.interpreter]).then(([{ Session }, interpreter]) =>
      new Session(interpreter, {
        ...(pool ? { pool } : {}),
        onAbandoned: () => {
          this.log("an interrupted cell did not stop within 0.9 s: abandoned; the worker pool restarts");
          if (pool !== undefined && "reset" in pool) void pool.reset();
        },
      }),
    );
    // A language that cannot load fails each request that needs it (handle() replies and logs).
    this.session.catch((e: unknown) => this.log(`the language failed to load: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  }

  static async start(conn: ConnectionInfo, opts: KernelOptions): Promise<Kernel> {
    const k = new Kernel(conn, opts);
    k.transport = await Transport.open(conn, { log: k.log, onMessage: (channel, msg) => k.receive(channel, msg) });
    await k.transport.publish(undefined, "status", { execution_state: "starting" });
    return k;
  }

  static fromFile(path: string): ConnectionInfo {
    return JSON.parse(readFileSync(path, "utf8")) as ConnectionInfo;
  }

  /** Stops the running cell (interrupt_request or SIGINT); the cell ends with an InterruptedError. */
  interrupt(): void {
    this.running?.abort();
  }

  private receive(channel: Channel, msg: Message): void {
    if (this.stopped) return;
    if (channel === "control") {
      void this.handle(channel, msg);
      return;
    }
    if (channel === "stdin") return; // no input_request is ever sent, so nothing to hear here
    this.shellQueue.push({ channel, msg });
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.shellQueue.length > 0 && !this.stopped) {
        const { channel, msg } = this.shellQueue.shift()!;
        await this.handle(channel, msg);
        if (this.shellQueue.length === 0) this.abortQueuedExecutes = false;
      }
    } finally {
      this.draining = false;
    }
  }

  private async handle(channel: Channel, msg: Message): Promise<void> {
    const type = msg.header.msg_type;
    await this.transport.publish(msg, "status", { execution_state: "busy" });
    try {
      await this.dispatch(channel, msg, type);
    } catch (e) {
      this.log(`${type} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (type.endsWith("_request")) {
        await this.transport.reply(channel, msg, type.replace(/_request$/, "_reply"), {
          status: "error",
          ename: "KernelError",
          evalue: e instanceof Error ? e.message : String(e),
          traceback: [],
        });
      }
    }
    if (!this.stopped) await this.transport.publish(msg, "status", { execution_state: "idle" });
  }

  private async dispatch(channel: Channel, msg: Message, type: string): Promise<void> {
    const c = msg.content;
    const reply = (t: string, content: Record<string, unknown>) => this.transport.reply(channel, msg, t, content);
    switch (type) {
      case "kernel_info_request":
        return reply("kernel_info_reply", {
          status: "ok",
          protocol_version: PROTOCOL_VERSION,
          implementation: "spikelab",
          implementation_version: KERNEL_VERSION,
          language_info: LANGUAGE_INFO,
          banner: `spikelab ${KERNEL_VERSION}: convert ReLU networks to spiking networks, simulate and plot them.\nType ?keyword for help.`,
          debugger: false,
          // The language reference ships as docs/language.md; there is no hosted copy to link to yet.
          help_links: [],
        });
      case "execute_request":
        return this.execute(msg, await this.session);
      case "complete_request":
        return reply("complete_reply", { status: "ok", ...(await this.session).complete(str(c.code), num(c.cursor_pos, str(c.code).length)) });
      case "inspect_request":
        return reply("inspect_reply", { status: "ok", ...(await this.session).inspect(str(c.code), num(c.cursor_pos, str(c.code).length)) });
      case "is_complete_request":
        return reply("is_complete_reply", (await this.session).isComplete(str(c.code)));
      case "history_request":
        return reply("history_reply", { status: "ok", history: (await this.session).historyReply(c) });
      case "comm_info_request":
        return reply("comm_info_reply", { status: "ok", comms: {} });
      case "connect_request":
        return reply("connect_reply", {
          status: "ok",
          shell_port: this.conn.shell_port,
          iopub_port: this.conn.iopub_port,
          stdin_port: this.conn.stdin_port,
          hb_port: this.conn.hb_port,
          control_port: this.conn.control_port,
        });
      case "interrupt_request":
        this.interrupt();
        return reply("interrupt_reply", { status: "ok" });
      case "shutdown_request": {
        const restart = c.restart === true;
        this.interrupt();
        await reply("shutdown_reply", { status: "ok", restart });
        await this.transport.publish(msg, "shutdown_reply", { status: "ok", restart });
        return this.shutdown(restart);
      }
      case "comm_open":
      case "comm_msg":
      case "comm_close":
        return; // the language has no comms; Jupyter expects silence for unknown targets
      default:
        this.log(`ignored unknown message type '${type}' on ${channel}`);
    }
  }

  private async execute(msg: Message, session: Session): Promise<void> {
    const c = msg.content;
    const code = str(c.code);
    const silent = c.silent === true;
    const storeHistory = c.store_history !== false;
    const stopOnError = c.stop_on_error !== false;
    if (this.abortQueuedExecutes) {
      await this.transport.reply("shell", msg, "execute_reply", { status: "aborted", execution_count: session.executionCount });
      return;
    }
    if (!silent) {
      await this.transport.publish(msg, "execute_input", { code, execution_count: session.executionCount + (storeHistory ? 1 : 0) });
    }
    const controller = new AbortController();
    this.running = controller;
    const pub = (type: string, content: Record<string, unknown>) => void this.transport.publish(msg, type, content);
    const progress = new ProgressDisplay(
      { show: (data, id, update) => pub(update ? "update_display_data" : "display_data", { data, metadata: {}, transient: { display_id: id } }) },
      `spikelab-progress-${msg.header.msg_id}`,
    );
    const sink: CellSink = {
      stream: (name, text) => pub("stream", { name, text }),
      display: (data, displayId, update) =>
        pub(update ? "update_display_data" : "display_data", { data, metadata: {}, transient: displayId ? { display_id: displayId } : {} }),
      result: (count, data) => pub("execute_result", { execution_count: count, data, metadata: {} }),
      error: (ename, evalue, traceback) => pub("error", { ename, evalue, traceback }),
      progress: (p) => progress.report(p),
      clear: (wait) => pub("clear_output", { wait }),
    };
    let outcome;
    try {
      outcome = await session.execute({ code, silent, storeHistory }, sink, controller.signal);
    } finally {
      progress.flush();
      if (this.running === controller) this.running = undefined;
    }
    if (outcome.status === "ok") {
      await this.transport.reply("shell", msg, "execute_reply", { status: "ok", execution_count: outcome.count, payload: outcome.payload, user_expressions: {} });
    } else {
      if (stopOnError && this.shellQueue.length > 0) this.abortQueuedExecutes = true;
      await this.transport.reply("shell", msg, "execute_reply", {
        status: "error",
        execution_count: outcome.count,
        ename: outcome.ename,
        evalue: outcome.evalue,
        traceback: outcome.traceback,
      });
    }
  }

  async shutdown(restart = false): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.running?.abort();
    await this.transport.close();
    await this.opts.pool?.close();
    this.opts.onShutdown?.(restart);
  }
}

function str(x: unknown): string {
  return typeof x === "string" ? x : "";
}

function num(x: unknown, fallback: number): number {
  return typeof x === "number" && Number.isFinite(x) ? x : fallback;
}

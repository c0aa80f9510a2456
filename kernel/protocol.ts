// The Jupyter wire protocol (messaging 5.3) over zeromq: binds the five channels of a
// connection file, signs outgoing and verifies incoming messages (HMAC-SHA256), and hands
// verified requests to a handler. It moves messages only: it never looks inside a request.

import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { Worker } from "node:worker_threads";
import { createRequire } from "node:module";
import * as zmq from "zeromq";

export const PROTOCOL_VERSION = "5.3";
const DELIMITER = Buffer.from("<IDS|MSG>");

/** The connection file Jupyter writes for a kernel it starts. */
export interface ConnectionInfo {
  readonly transport: "tcp" | "ipc";
  readonly ip: string;
  readonly shell_port: number;
  readonly iopub_port: number;
  readonly stdin_port: number;
  readonly control_port: number;
  readonly hb_port: number;
  readonly key: string;
  readonly signature_scheme: string;
  readonly kernel_name?: string;
}

export interface Header {
  readonly msg_id: string;
  readonly session: string;
  readonly username: string;
  readonly date: string;
  readonly msg_type: string;
  readonly version: string;
}

export type Content = Record<string, unknown>;

export interface Message {
  /** zeromq routing prefix: the reply goes back through the same identities. */
  readonly identities: readonly Buffer[];
  readonly header: Header;
  readonly parent_header: Partial<Header>;
  readonly metadata: Content;
  readonly content: Content;
  readonly buffers: readonly Buffer[];
}

export type Channel = "shell" | "control" | "stdin";

/** Signs and checks the four JSON frames (header, parent, metadata, content) of a message. */
export class Signer {
  private readonly key: Buffer;
  /** Signatures seen recently: a replayed message is refused as jupyter_client's Session does. */
  private readonly seen = new Set<string>();
  private readonly seenOrder: string[] = [];

  constructor(key: string, scheme = "hmac-sha256") {
    if (key !== "" && scheme !== "hmac-sha256") {
      throw new Error(`unsupported signature scheme '${scheme}' (only hmac-sha256)`);
    }
    this.key = Buffer.from(key, "utf8");
  }

  sign(frames: readonly (string | Buffer)[]): string {
    if (this.key.length === 0) return "";
    const h = createHmac("sha256", this.key);
    for (const f of frames) h.update(f);
    return h.digest("hex");
  }

  /** Why `signature` does not vouch for `frames`, or undefined when it does. */
  check(signature: string, frames: readonly Buffer[]): string | undefined {
    if (this.key.length === 0) return undefined;
    const want = Buffer.from(this.sign(frames), "utf8");
    const got = Buffer.from(signature, "utf8");
    if (got.length !== want.length || !timingSafeEqual(got, want)) return "bad signature";
    if (this.seen.has(signature)) return "replayed signature";
    this.seen.add(signature);
    this.seenOrder.push(signature);
    if (this.seenOrder.length > 65536) this.seen.delete(this.seenOrder.shift()!);
    return undefined;
  }
}

/** Splits raw frames into a message; throws a one-line reason for anything malformed or unsigned. */
export function decode(frames: readonly Buffer[], signer: Signer): Message {
  const d = frames.findIndex((f) => f.equals(DELIMITER));
  if (d < 0) throw new Error("no <IDS|MSG> delimiter");
  if (frames.length < d + 6) throw new Error(`too few frames (${frames.length})`);
  const signature = frames[d + 1]!.toString("utf8");
  const body = frames.slice(d + 2, d + 6);
  const why = signer.check(signature, body);
  if (why !== undefined) throw new Error(why);
  const [header, parent, metadata, content] = body.map((b) => JSON.parse(b.toString("utf8")) as unknown);
  if (!isObject(header) || typeof header.msg_type !== "string" || typeof header.msg_id !== "string") {
    throw new Error("header without msg_type/msg_id");
  }
  return {
    identities: frames.slice(0, d),
    header: header as unknown as Header,
    parent_header: (isObject(parent) ? parent : {}) as Partial<Header>,
    metadata: isObject(metadata) ? metadata : {},
    content: isObject(content) ? content : {},
    buffers: frames.slice(d + 6),
  };
}

export function encode(
  signer: Signer,
  identities: readonly Buffer[],
  header: Header,
  parent: Partial<Header>,
  metadata: Content,
  content: Content,
  buffers: readonly Buffer[] = [],
): Buffer[] {
  const body = [header, parent, metadata, content].map((x) => Buffer.from(JSON.stringify(x), "utf8"));
  return [...identities, DELIMITER, Buffer.from(signer.sign(body), "utf8"), ...body, ...buffers];
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** zeromq 6 refuses a send while another is pending on the same socket: queue them. */
class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: zmq.Writable, private readonly log: (m: string) => void) {}
  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail.then(
      () => this.socket.send(frames),
    ).catch((e: unknown) => this.log(`send failed: ${String(e)}`));
    return this.tail;
  }
  drain(): Promise<void> {
    return this.tail;
  }
}

export interface TransportOptions {
  /** Called for each verified request; requests on one channel arrive in order. */
  readonly onMessage: (channel: Channel, msg: Message) => void;
  /** Where refused messages and transport trouble are reported (the kernel's stderr). */
  readonly log: (line: string) => void;
}

/** The bound sockets of one kernel. */
export class Transport {
  readonly session = randomUUID();
  private readonly signer: Signer;
  private readonly shell = new zmq.Router();
  private readonly control = new zmq.Router();
  private readonly stdin = new zmq.Router();
  private readonly iopub = new zmq.Publisher();
  private readonly queues: Record<Channel | "iopub", SendQueue>;
  private heartbeat: Worker | undefined;
  private closed = false;

  private constructor(conn: ConnectionInfo, private readonly opts: TransportOptions) {
    this.signer = new Signer(conn.key, conn.signature_scheme);
    this.queues = {
      shell: new SendQueue(this.shell, opts.log),
      control: new SendQueue(this.control, opts.log),
      stdin: new SendQueue(this.stdin, opts.log),
      iopub: new SendQueue(this.iopub, opts.log),
    };
  }

  static async open(conn: ConnectionInfo, opts: TransportOptions): Promise<Transport> {
    const t = new Transport(conn, opts);
    const addr = (port: number) => (conn.transport === "ipc" ? `ipc://${conn.ip}-${port}` : `tcp://${conn.ip}:${port}`);
    await Promise.all([
      t.shell.bind(addr(conn.shell_port)),
      t.control.bind(addr(conn.control_port)),
      t.stdin.bind(addr(conn.stdin_port)),
      t.iopub.bind(addr(conn.iopub_port)),
    ]);
    t.heartbeat = await startHeartbeat(addr(conn.hb_port));
    t.listen("shell", t.shell);
    t.listen("control", t.control);
    t.listen("stdin", t.stdin);
    return t;
  }

  private listen(channel: Channel, socket: zmq.Router): void {
    void (async () => {
      try {
        for await (const frames of socket) {
          let msg: Message;
          try {
            msg = decode(frames, this.signer);
          } catch (e) {
            this.opts.log(`refused a message on ${channel}: ${e instanceof Error ? e.message : String(e)}`);
            continue;
          }
          this.opts.onMessage(channel, msg);
        }
      } catch (e) {
        if (!this.closed) this.opts.log(`${channel} channel stopped: ${String(e)}`);
      }
    })();
  }

  private header(msgType: string, parent: Partial<Header> | undefined): Header {
    return {
      msg_id: randomUUID(),
      session: this.session,
      username: parent?.username ?? "kernel",
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    };
  }

  /** A reply on the request's own channel, routed back to its sender. */
  reply(channel: Channel, request: Message, msgType: string, content: Content, metadata: Content = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    const frames = encode(this.signer, request.identities, this.header(msgType, request.header), request.header, metadata, content);
    return this.queues[channel].send(frames);
  }

  /** A broadcast on iopub; `parent` ties it to the request that caused it. */
  publish(parent: Message | undefined, msgType: string, content: Content, metadata: Content = {}): Promise<void> {
    // An abandoned cell may still emit after shutdown: there is no one left to tell.
    if (this.closed) return Promise.resolve();
    const topic = Buffer.from(`kernel.${this.session}.${msgType}`, "utf8");
    const frames = encode(this.signer, [topic], this.header(msgType, parent?.header), parent?.header ?? {}, metadata, content);
    return this.queues.iopub.send(frames);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let queued replies (shutdown_reply, the last idle) leave before the sockets go.
    await Promise.all(Object.values(this.queues).map((q) => q.drain()));
    for (const s of [this.shell, this.control, this.stdin, this.iopub]) {
      s.linger = 200;
      s.close();
    }
    const hb = this.heartbeat;
    if (hb !== undefined) {
      await new Promise<void>((resolve) => {
        hb.ref(); // keep the process up until the worker has closed its socket
        hb.once("exit", () => resolve());
        hb.postMessage("stop");
      });
    }
  }
}

// The heartbeat echoes in its own thread so a cell that holds the event loop (a long parse,
// a synchronous loop) does not make Jupyter think the kernel died.
const HEARTBEAT_WORKER = `
const zmq = require(require("node:worker_threads").workerData.zeromq);
const { workerData, parentPort } = require("node:worker_threads");
const socket = new zmq.Reply();
parentPort.on("message", (m) => { if (m === "stop") { socket.close(); parentPort.close(); } });
socket.bind(workerData.address).then(async () => {
  parentPort.postMessage("bound");
  try { for await (const frames of socket) await socket.send(frames); } catch {}
}, (e) => parentPort.postMessage("error: " + e.message));
`;

function startHeartbeat(address: string): Promise<Worker> {
  const zeromqPath = createRequire(import.meta.url).resolve("zeromq");
  const w = new Worker(HEARTBEAT_WORKER, { eval: true, workerData: { address, zeromq: zeromqPath } });
  w.unref();
  return new Promise((resolve, reject) => {
    w.once("message", (m: string) => (m === "bound" ? resolve(w) : reject(new Error(`heartbeat: ${m}`))));
    w.once("error", reject);
  });
}

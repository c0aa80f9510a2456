// `spikelab kernel --connection-file FILE`: runs the Jupyter kernel until Jupyter shuts it
// down. Builds the language's interpreter and hands it to the kernel — loading it while the
// kernel opens its sockets and answers kernel_info, since it is most of the start-up's
// module loading; SIGINT interrupts the running cell instead of killing the process. It must
// not implement any message itself.

import { existsSync } from "node:fs";
import type { Interpreter } from "../dsl/api.ts";
import { Kernel } from "./kernel.ts";
import { lazyPool } from "./lazy-pool.ts";

type InterpreterFactory = (options: { baseDir: string }) => Interpreter | Promise<Interpreter>;

const languageInterpreter: InterpreterFactory = async (options) => (await import("../dsl/interpreter.ts")).createInterpreter(options);

export async function kernelCommand(args: string[], factory?: InterpreterFactory): Promise<number> {
  const i = args.indexOf("--connection-file");
  const file = i >= 0 ? args[i + 1] : args.find((a) => a.startsWith("--connection-file="))?.slice("--connection-file=".length);
  if (file === undefined || !existsSync(file)) {
    process.stderr.write(`spikelab kernel: ${file === undefined ? "missing --connection-file FILE" : `no connection file ${file}`}\nhint: Jupyter starts the kernel with this argument; run 'spikelab install' and pick the spikelab kernel in Jupyter\n`);
    return 2;
  }
  const create = factory ?? languageInterpreter;
  // Relative paths in cells (datasets, weight files) resolve against the notebook's directory,
  // which is where Jupyter starts the kernel.
  const interpreter = create({ baseDir: process.cwd() });
  let done!: (code: number) => void;
  const finished = new Promise<number>((r) => (done = r));
  const kernel = await Kernel.start(Kernel.fromFile(file), { interpreter, pool: lazyPool(), onShutdown: () => {
    // Anything still holding the event loop (a worker a cell left) must not keep a dead kernel alive.
    setTimeout(() => process.exit(0), 2000).unref();
    done(0);
  } });
  process.on("SIGINT", () => kernel.interrupt());
  // Like ipykernel's parent poller: a kernel whose launcher died has no one left to talk to
  // and must not live on. Jupyter names its process in JPY_PARENT_PID; process.ppid is read once,
  // so ask whether that process still lives.
  const launcher = Number(process.env.JPY_PARENT_PID ?? process.ppid);
  if (launcher > 1) {
    setInterval(() => {
      if (!alive(launcher)) void kernel.shutdown().then(() => done(0));
    }, 2000).unref();
  }
  process.on("SIGTERM", () => void kernel.shutdown().then(() => done(0)));
  return finished;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

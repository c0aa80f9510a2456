// `spikelab install [--user | --prefix DIR | --sys-prefix]` and `spikelab uninstall [same]`:
// writes or removes the kernelspec directory (kernel.json + logos) where Jupyter looks for it.
// Written directly (no Python needed); it must not start or talk to a kernel.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SpikelabError } from "../stdlib/errors.ts";
import { KERNEL_DISPLAY_NAME, KERNEL_NAME } from "./language.ts";
import { logoPng } from "./logo.ts";

export type Where = { readonly kind: "system" } | { readonly kind: "user" } | { readonly kind: "prefix"; readonly dir: string } | { readonly kind: "sys-prefix" };

const USAGE_HINT = "use one of: --user, --prefix DIR, --sys-prefix (or nothing for the system-wide directory)";

export function parseWhere(args: readonly string[], command: string): Where {
  let where: Where = { kind: "system" };
  let chosen = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--user") where = { kind: "user" };
    else if (a === "--sys-prefix") where = { kind: "sys-prefix" };
    else if (a === "--prefix" || a.startsWith("--prefix=")) {
      const dir = a === "--prefix" ? args[++i] : a.slice("--prefix=".length);
      if (dir === undefined || dir === "") throw new SpikelabError("param", `spikelab ${command}: --prefix needs a directory`, { hint: "e.g. --prefix /opt/jupyter" });
      where = { kind: "prefix", dir: resolve(dir) };
    } else throw new SpikelabError("param", `spikelab ${command}: unknown option '${a}'`, { hint: USAGE_HINT });
    chosen++;
  }
  if (chosen > 1) throw new SpikelabError("param", `spikelab ${command}: choose one place only`, { hint: USAGE_HINT });
  return where;
}

/** The `kernels` directory for a place, following Jupyter's own rules on Linux. */
export function kernelsDir(where: Where): string {
  switch (where.kind) {
    case "user":
      return join(process.env.JUPYTER_DATA_DIR ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), ".local", "share"), "jupyter"), "kernels");
    case "prefix":
      return join(where.dir, "share", "jupyter", "kernels");
    case "sys-prefix":
      return join(jupyterSysPrefix(), "share", "jupyter", "kernels");
    case "system":
      return "/usr/local/share/jupyter/kernels";
  }
}

/** sys.prefix of the Python that has Jupyter (Debian's /usr/bin/python3 before the one on PATH). */
function jupyterSysPrefix(): string {
  for (const py of ["/usr/bin/python3", "python3"]) {
    const r = spawnSync(py, ["-c", "import jupyter_client, sys; print(sys.prefix)"], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim() !== "") return r.stdout.trim();
  }
  throw new SpikelabError("io", "spikelab install --sys-prefix: no Python with Jupyter found", {
    hint: "install Jupyter (Debian: apt-get install jupyter-client) or use --user / --prefix DIR",
  });
}

export function kernelJson(): Record<string, unknown> {
  const bin = fileURLToPath(new URL("./bin.js", import.meta.url));
  return {
    argv: [process.execPath, bin, "kernel", "--connection-file", "{connection_file}"],
    display_name: KERNEL_DISPLAY_NAME,
    language: "spikelab",
    // Interrupts arrive as interrupt_request on the control channel (SIGINT works too).
    interrupt_mode: "message",
    metadata: { debugger: false },
  };
}

/** Writes the kernelspec; returns its directory. */
export function install(where: Where): string {
  const dir = join(kernelsDir(where), KERNEL_NAME);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "kernel.json"), JSON.stringify(kernelJson(), null, 2) + "\n");
    writeFileSync(join(dir, "logo-32x32.png"), logoPng(32));
    writeFileSync(join(dir, "logo-64x64.png"), logoPng(64));
  } catch (e) {
    throw new SpikelabError("io", `cannot write the kernelspec to ${dir}: ${(e as Error).message}`, {
      hint: where.kind === "system" ? "run as root, or install for yourself with --user" : "check the directory's permissions",
    });
  }
  return dir;
}

/** Removes the kernelspec from the given place, or (no option) from every place Jupyter looks. */
export function uninstall(where: Where | undefined): string[] {
  const places = where !== undefined ? [kernelsDir(where)] : candidateDirs();
  const removed: string[] = [];
  for (const k of places) {
    const dir = join(k, KERNEL_NAME);
    if (existsSync(join(dir, "kernel.json"))) {
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}

function candidateDirs(): string[] {
  const dirs = [kernelsDir({ kind: "user" }), "/usr/local/share/jupyter/kernels", "/usr/share/jupyter/kernels"];
  for (const p of (process.env.JUPYTER_PATH ?? "").split(":")) if (p !== "") dirs.push(join(p, "kernels"));
  return [...new Set(dirs)];
}

function report(e: unknown): number {
  if (!(e instanceof SpikelabError)) throw e;
  process.stderr.write(`error: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ""}`);
  return 2;
}

export async function installCommand(args: string[]): Promise<number> {
  let dir: string;
  try {
    dir = install(parseWhere(args, "install"));
  } catch (e) {
    return report(e);
  }
  process.stdout.write(`installed the spikelab kernelspec in ${dir}\n`);
  return 0;
}

export async function uninstallCommand(args: string[]): Promise<number> {
  let removed: string[];
  try {
    removed = uninstall(args.length === 0 ? undefined : parseWhere(args, "uninstall"));
  } catch (e) {
    return report(e);
  }
  if (removed.length === 0) {
    process.stderr.write("spikelab uninstall: no spikelab kernelspec found\n");
    return 1;
  }
  for (const d of removed) process.stdout.write(`removed ${d}\n`);
  return 0;
}

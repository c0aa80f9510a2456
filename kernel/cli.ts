// The command line: `spikelab check|run|kernel|install|uninstall`. Each command lives in its
// own module; this file only dispatches and turns unexpected failures into one clear line.

const USAGE = `usage: spikelab <command> [options]

commands:
  check FILE.snn          report every error in a program (exit 1 if any)
  run FILE.snn            run a program headless; figures go to --out DIR as SVG
  kernel --connection-file FILE
                          run the Jupyter kernel (Jupyter starts this)
  install [--user | --prefix DIR | --sys-prefix]
                          install the Jupyter kernelspec
  uninstall               remove the Jupyter kernelspec
`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  check: async () => (await import("./cmd-check.ts")).checkCommand,
  run: async () => (await import("./cmd-run.ts")).runCommand,
  kernel: async () => (await import("./cmd-kernel.ts")).kernelCommand,
  install: async () => (await import("./kernelspec.ts")).installCommand,
  uninstall: async () => (await import("./kernelspec.ts")).uninstallCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (load === undefined) {
    process.stderr.write(`spikelab: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  const run = await load();
  return run(rest);
}

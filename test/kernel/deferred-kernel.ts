// The real kernel whose language arrives late: the fake interpreter is handed over only when
// the process gets SIGUSR2, so a test can see what the kernel answers while the language loads.
import { kernelCommand } from "../../kernel/cmd-kernel.ts";
import { createFakeInterpreter } from "./fake-interpreter.ts";

process.exitCode = await kernelCommand(process.argv.slice(2), () => new Promise((resolve) => process.once("SIGUSR2", () => resolve(createFakeInterpreter()))));

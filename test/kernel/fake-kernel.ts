// Runs the real kernel (kernel/cmd-kernel.ts) with the fake interpreter, for tests of the
// protocol, interrupts and progress that must not depend on the language's progress.
import { kernelCommand } from "../../kernel/cmd-kernel.ts";
import { createFakeInterpreter } from "./fake-interpreter.ts";

process.exitCode = await kernelCommand(process.argv.slice(2), () => createFakeInterpreter());

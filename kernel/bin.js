#!/usr/bin/env node
// The `spikelab` command: loads the TypeScript sources through tsx and hands over to the CLI.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./cli.ts");
process.exitCode = await main(process.argv.slice(2));

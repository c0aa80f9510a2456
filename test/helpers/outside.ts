// Tests that need a tool npm does not install (Jupyter, Chromium, Python packages) register
// through here: locally a missing tool skips the test with a message saying how to install it;
// in CI (CI=true) nothing skips, so a missing tool fails loudly.
import { spawnSync } from "node:child_process";
import type { Test } from "uvu";

export function hasCommand(cmd: string, args: readonly string[] = ["--version"]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.status === 0;
}

/** `test` itself when `available`, otherwise `test.skip` (with a message), except in CI. */
export function withTool<T extends Test>(test: T, available: boolean, what: string, install: string): T | T["skip"] {
  if (available || process.env.CI === "true") return test;
  console.log(`skipping tests that need ${what}: not found here (install: ${install})`);
  return test.skip;
}

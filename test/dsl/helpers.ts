// Shared by the language's tests: check a program text and get its errors (as "line:col message")
// and the names it binds (values, or what checking knows of them).
import { parse } from "../../dsl/ast.ts";
import { checkProgram } from "../../dsl/interpreter.ts";
import type { V } from "../../dsl/values.ts";
import type { Network } from "../../stdlib/ir/network.ts";
import type { SpikelabError } from "../../stdlib/errors.ts";

export interface Checked {
  readonly errors: readonly SpikelabError[];
  /** "line:col message" per error, for compact assertions. */
  readonly messages: readonly string[];
  readonly bindings: Map<string, V>;
}

export async function check(text: string, file = "t.snn"): Promise<Checked> {
  const parsed = parse(text, file);
  const bindings = new Map<string, V>();
  const errors = parsed.program === undefined ? [...parsed.errors] : await checkProgram(parsed.program, { dir: "/tmp", bindings });
  return { errors, messages: errors.map((e) => `${e.loc?.line}:${e.loc?.column} ${e.message}`), bindings };
}

/** The checked network bound to `name` (throws when checking did not produce one). */
export async function network(text: string, name: string): Promise<Network> {
  const c = await check(text);
  if (c.errors.length > 0) throw new Error(`unexpected errors: ${c.messages.join("; ")}`);
  const v = c.bindings.get(name);
  if (v === undefined || v.kind !== "network") throw new Error(`${name} is not a checked network (${v?.kind})`);
  return v.network;
}

/** id → shape ("6x28x28") of every node. */
export function shapes(net: Network): Record<string, string> {
  return Object.fromEntries(net.nodes.map((n) => [n.id, n.shape.join("x")]));
}

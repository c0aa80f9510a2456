// Chevrotain, loaded from its single-file bundle. The package's entry point pulls in ~200
// modules (lodash-es), which under tsx's loader costs a second or more at every start of the
// CLI or the kernel; the bundle is the same code (same version) in one file and loads in
// milliseconds. Types still come from the package. Nothing else belongs here.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Chevrotain from "chevrotain";

const entry = createRequire(import.meta.url).resolve("chevrotain");
const bundle = (await import(pathToFileURL(join(dirname(entry), "..", "chevrotain.mjs")).href)) as typeof Chevrotain;

export const { createToken, createTokenInstance, CstParser, EOF, Lexer } = bundle;

// What the kernel tells Jupyter about the language (kernel_info's language_info) and itself.
// Shared by the kernel and the kernelspec installer; it must not import the language itself.

import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

export const KERNEL_VERSION: string = pkg.version;

export const LANGUAGE_INFO = {
  name: "spikelab",
  version: KERNEL_VERSION,
  mimetype: "text/x-spikelab",
  file_extension: ".snn",
  // No CodeMirror mode or Pygments lexer exists for the language; Python's highlight its
  // `#` comments, strings, numbers and keyword-like words well enough in notebooks and nbconvert.
  codemirror_mode: "python",
  pygments_lexer: "python",
} as const;

export const KERNEL_DISPLAY_NAME = "spikelab";
export const KERNEL_NAME = "spikelab";

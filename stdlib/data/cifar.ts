// CIFAR-10 from a user's folder in the official binary format (cifar-10-batches-bin:
// data_batch_1..5.bin, test_batch.bin; each record 1 label byte + 3x32x32 pixel bytes, channel
// planes R, G, B, rows top to bottom, which is already CHW). It must not download anything.

import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { SpikelabError } from "../errors.ts";
import type { Dataset } from "./dataset.ts";
import { cachedDataset, sharedFloat32 } from "./store.ts";

type Split = Dataset["split"];

export const CIFAR10_CLASSES: readonly string[] = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

const PIXELS = 3 * 32 * 32;
const RECORD = 1 + PIXELS;

export const CIFAR10_FILES: Readonly<Record<Split, readonly string[]>> = {
  train: ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"],
  test: ["test_batch.bin"],
};

const DOWNLOAD_HINT = "download the binary version (cifar-10-binary.tar.gz) from https://www.cs.toronto.edu/~kriz/cifar.html, unpack it, and give the folder cifar-10-batches-bin";

function readBatch(file: string): Uint8Array {
  try {
    if (!statSync(file).isFile()) throw new SpikelabError("io", `CIFAR-10: ${file} is not a file`, { hint: DOWNLOAD_HINT });
    return readFileSync(file);
  } catch (e) {
    if (e instanceof SpikelabError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new SpikelabError("io", `CIFAR-10: ${file} ${code === "ENOENT" ? "not found" : `cannot be read (${code ?? String(e)})`}`, { hint: DOWNLOAD_HINT, cause: e });
  }
}

/** CIFAR-10's training (5 batches) or test split from `dir`; pixels / 255 as float32 NCHW. */
export function cifar10(dir: string, split: Split): Dataset {
  const d = resolve(dir);
  return cachedDataset(`cifar10|${split}|${d}`, () => {
    const batches = CIFAR10_FILES[split].map((f) => {
      const file = join(d, f);
      const bytes = readBatch(file);
      if (bytes.length === 0 || bytes.length % RECORD !== 0) {
        const whole = Math.floor(bytes.length / RECORD);
        throw new SpikelabError("io", `CIFAR-10: ${file} is ${bytes.length} bytes, not a whole number of ${RECORD}-byte records (${whole} whole, ${bytes.length - whole * RECORD} bytes left over): truncated or not a CIFAR-10 binary batch`, {
          hint: bytes.length === 0 ? DOWNLOAD_HINT : "the file is damaged (an interrupted download?); unpack it again",
        });
      }
      return { file, bytes };
    });
    const count = batches.reduce((n, b) => n + b.bytes.length / RECORD, 0);
    const images = sharedFloat32(count * PIXELS);
    const labels = new Uint8Array(count);
    const table = new Float32Array(256);
    for (let i = 0; i < 256; i++) table[i] = i / 255;
    let s = 0;
    for (const { file, bytes } of batches) {
      const n = bytes.length / RECORD;
      for (let r = 0; r < n; r++, s++) {
        const base = r * RECORD;
        const label = bytes[base]!;
        if (label >= 10) {
          throw new SpikelabError("io", `CIFAR-10: ${file}: record ${r} has label ${label}, outside 0..9: not a CIFAR-10 batch (CIFAR-100's binary format has two label bytes)`, { hint: DOWNLOAD_HINT });
        }
        labels[s] = label;
        const out = s * PIXELS;
        for (let p = 0; p < PIXELS; p++) images[out + p] = table[bytes[base + 1 + p]!]!;
      }
    }
    return { name: "cifar10", split, shape: [3, 32, 32], count, images, labels, classes: CIFAR10_CLASSES, offset: 0 };
  });
}

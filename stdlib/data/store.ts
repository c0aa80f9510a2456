// What every dataset reader shares: the per-process cache of loaded sets and float32 storage
// in shared memory (so worker pools read images without copying). No file formats here.

import type { Dataset } from "./dataset.ts";

const cache = new Map<string, Dataset>();

/** The dataset stored under `key`, loading it on first use. Loaded arrays must not be mutated. */
export function cachedDataset(key: string, load: () => Dataset): Dataset {
  let d = cache.get(key);
  if (d === undefined) {
    d = load();
    cache.set(key, d);
  }
  return d;
}

/** Forgets cached datasets (tests that rewrite files in one folder use it). */
export function clearDatasetCache(): void {
  cache.clear();
}

/** Float32 storage in a SharedArrayBuffer: datasets are handed to worker pools as they are. */
export function sharedFloat32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(n * 4));
}

/** Bytes / 255 into shared float32; a table avoids a division per pixel. */
export function bytesToUnit(bytes: Uint8Array): Float32Array {
  const table = new Float32Array(256);
  for (let i = 0; i < 256; i++) table[i] = i / 255;
  const out = sharedFloat32(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]!]!;
  return out;
}

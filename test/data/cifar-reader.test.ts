import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SpikelabError } from "../../stdlib/errors.ts";
import { cifar10, CIFAR10_FILES } from "../../stdlib/data/cifar.ts";
import { slice } from "../../stdlib/data/dataset.ts";

const root = mkdtempSync(join(tmpdir(), "spikelab-cifar-"));
const RECORD = 3073;

/** Record r of batch b: label (b*7 + r) % 10, pixel p of channel c = (r + 3c + p) % 256. */
function batch(b: number, records: number): Uint8Array {
  const out = new Uint8Array(records * RECORD);
  for (let r = 0; r < records; r++) {
    out[r * RECORD] = (b * 7 + r) % 10;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[r * RECORD + 1 + c * 1024 + p] = (r + 3 * c + p) % 256;
  }
  return out;
}

function folder(name: string, edit?: (files: Map<string, Uint8Array>) => void): string {
  const dir = join(root, name);
  mkdirSync(dir);
  const files = new Map<string, Uint8Array>();
  [...CIFAR10_FILES.train, ...CIFAR10_FILES.test].forEach((f, b) => files.set(f, batch(b, 3)));
  edit?.(files);
  for (const [f, bytes] of files) writeFileSync(join(dir, f), bytes);
  return dir;
}

function ioError(f: () => unknown, ...parts: string[]): void {
  try {
    f();
  } catch (e) {
    assert.instance(e, SpikelabError);
    assert.is((e as SpikelabError).code, "io");
    for (const p of parts) assert.ok((e as SpikelabError).message.includes(p), `«${(e as SpikelabError).message}» should include «${p}»`);
    return;
  }
  assert.unreachable("expected an io error");
}

test("reads the five training batches in order and the test batch, CHW in [0, 1]", () => {
  const dir = folder("good");
  const train = cifar10(dir, "train");
  const t = cifar10(dir, "test");
  assert.equal(train.shape, [3, 32, 32]);
  assert.is(train.count, 15);
  assert.is(t.count, 3);
  // sample 4 = batch 1 (data_batch_2), record 1
  assert.is(train.labels[4], (1 * 7 + 1) % 10);
  assert.is(t.labels[2], (5 * 7 + 2) % 10);
  const s = slice(train, 4, 5);
  // channel 2 (blue), row 3, column 5: pixel p = 3*32+5 = 101 → (1 + 6 + 101) % 256 = 108
  assert.is(s.images[2 * 1024 + 101], Math.fround(108 / 255));
  assert.is(s.images[0], Math.fround(1 / 255));
  assert.is(train.classes[3], "cat");
});

test("truncated file, bad label, missing and empty batch: io errors naming the file", () => {
  const cut = folder("cut", (m) => m.set("data_batch_3.bin", batch(2, 3).subarray(0, 2 * RECORD + 100)));
  ioError(() => cifar10(cut, "train"), join(cut, "data_batch_3.bin"), "not a whole number of 3073-byte records (2 whole, 100 bytes left over)");
  const badLabel = folder("label", (m) => {
    const b = batch(5, 3);
    b[RECORD] = 57;
    m.set("test_batch.bin", b);
  });
  ioError(() => cifar10(badLabel, "test"), "test_batch.bin", "record 1 has label 57");
  const missing = folder("missing", (m) => m.delete("data_batch_5.bin"));
  ioError(() => cifar10(missing, "train"), join(missing, "data_batch_5.bin"), "not found");
  const empty = folder("empty", (m) => m.set("test_batch.bin", new Uint8Array(0)));
  ioError(() => cifar10(empty, "test"), "test_batch.bin", "is 0 bytes");
  ioError(() => cifar10(join(root, "nowhere"), "test"), "nowhere", "not found");
});

test.run();

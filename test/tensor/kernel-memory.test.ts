// The per-thread kernel memory: arrays from allocF32 survive memory growth (no detached
// views), released blocks are reused, and ops stage plain arrays without touching them.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as ops from "../../stdlib/tensor/ops.ts";
import { kernels } from "../../stdlib/tensor/wasm.ts";

test("arrays stay valid and keep their values when a large allocation grows the memory", () => {
  const k = kernels();
  const small = ops.allocF32(1000);
  small.fill(1.5);
  const before = k.reservedBytes;
  const big = ops.allocF32(48 * 2 ** 20 / 4); // 48 MiB: more than the initial memory
  assert.ok(k.reservedBytes > before, "the memory grew");
  assert.is(small.length, 1000);
  assert.ok(small.every((v) => v === 1.5), "old view still reads its values");
  assert.ok(big.every((v) => v === 0), "new array is zeroed");
  small[3] = 2;
  ops.relu(small, small); // in place, no staging
  assert.is(small[3], 2);
  assert.ok(ops.inKernelMemory(small) && ops.inKernelMemory(big) && ops.inKernelMemory(small.subarray(10, 20)));
  ops.release(big);
  ops.release(small);
});

test("released blocks are reused and staging leaves no live blocks behind", () => {
  const k = kernels();
  const base = k.liveBytes;
  const a = ops.allocF32(4096);
  const at = a.byteOffset;
  ops.release(a);
  const b = ops.allocF32(4096);
  assert.is(b.byteOffset, at, "first fit reuses the freed block");
  ops.release(b);
  const x = new Float32Array(5000).fill(-1), y = new Float32Array(5000);
  ops.relu(x, y);
  assert.ok(y.every((v) => v === 0), "staged output copied back");
  ops.gemm(false, false, 50, 50, 100, x, x, y); // first GEMM takes the reusable packing scratch
  assert.is(y[0], 100);
  const afterOne = k.liveBytes;
  for (let i = 0; i < 20; i++) ops.gemm(false, false, 50, 50, 100, x, x, y);
  ops.relu(x, y);
  assert.is(k.liveBytes, afterOne, "no per-call staging block stays live");
  assert.ok(!ops.inKernelMemory(x) && !ops.inKernelMemory(y));
});

test.run();

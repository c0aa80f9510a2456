// Loads the compiled kernels once per thread and owns that thread's kernel memory: an arena of
// 64-byte-aligned blocks in a shared WebAssembly.Memory, plus per-call staging of arrays that
// live elsewhere. Only ops.ts should call into it; it knows no op semantics.
//
// Why shared memory: growing a non-shared memory detaches every Float32Array view into it;
// a shared one never detaches, so arrays handed out by alloc stay valid for their lifetime.

import { readFileSync, existsSync } from "node:fs";
import { SpikelabError } from "../errors.ts";

/** The functions build.mjs exports from stdlib/tensor/assembly (pointers are byte offsets). */
export interface KernelExports {
  heapBase(): number;
  gemmScratchBytes(): number;
  gemmStrided(m: number, n: number, k: number, a: number, rsA: number, csA: number, b: number, rsB: number, csB: number, c: number, ldc: number, accumulate: number, scratch: number): void;
  gemvRows(n: number, k: number, x: number, b: number, ldb: number, y: number, accumulate: number, scratch: number): void;
  convScratchBytes(inC: number, kH: number, kW: number, groups: number, outH: number, outW: number): number;
  convForwardScratchBytes(inC: number, inH: number, kH: number, kW: number, sH: number, sW: number, pH: number, groups: number, outH: number, outW: number): number;
  conv2dForward(batch: number, inC: number, inH: number, inW: number, outC: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, groups: number, outH: number, outW: number, x: number, w: number, bias: number, y: number, scratch: number): void;
  conv2dBackward(batch: number, inC: number, inH: number, inW: number, outC: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, groups: number, outH: number, outW: number, x: number, w: number, dy: number, dx: number, dw: number, db: number, scratch: number): void;
  avgPoolForward(planes: number, inH: number, inW: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, outH: number, outW: number, x: number, y: number): void;
  avgPoolBackward(planes: number, inH: number, inW: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, outH: number, outW: number, dy: number, dx: number): void;
  maxPoolForward(planes: number, inH: number, inW: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, outH: number, outW: number, x: number, y: number): void;
  maxPoolBackward(planes: number, inH: number, inW: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, outH: number, outW: number, x: number, dy: number, dx: number): void;
  globalAvgPoolForward(planes: number, hw: number, x: number, y: number): void;
  globalAvgPoolBackward(planes: number, hw: number, dy: number, dx: number): void;
  batchNormInference(batch: number, channels: number, hw: number, x: number, gamma: number, beta: number, mean: number, variance: number, eps: number, y: number): void;
  batchNormTrainForward(batch: number, channels: number, hw: number, x: number, gamma: number, beta: number, eps: number, y: number, batchMean: number, batchVar: number): void;
  batchNormBackward(batch: number, channels: number, hw: number, x: number, gamma: number, batchMean: number, batchVar: number, eps: number, dy: number, dx: number, dgamma: number, dbeta: number): void;
  relu(n: number, x: number, y: number): void;
  reluBackward(n: number, x: number, dy: number, dx: number): void;
  sigmoid(n: number, x: number, y: number): void;
  sigmoidBackward(n: number, y: number, dy: number, dx: number): void;
  silu(n: number, x: number, y: number): void;
  siluBackward(n: number, x: number, dy: number, dx: number): void;
  softmax(batch: number, classes: number, x: number, y: number): void;
  softmaxBackward(batch: number, classes: number, y: number, dy: number, dx: number): void;
  softmaxCrossEntropy(batch: number, classes: number, logits: number, labels: number, probs: number, dlogits: number): number;
  axpy(n: number, alpha: number, x: number, y: number): void;
  transpose(rows: number, cols: number, src: number, dst: number): void;
  scatterDense(rows: number, width: number, spikes: number, count: number, membrane: number): void;
  prepareConvTaps(outC: number, icg: number, kH: number, kW: number, groups: number, w: number, taps: number): void;
  scatterConv(inC: number, inH: number, inW: number, outC: number, kH: number, kW: number, sH: number, sW: number, pH: number, pW: number, groups: number, outH: number, outW: number, taps: number, spikes: number, count: number, membrane: number): void;
  spikeBound(spikes: number, count: number): number;
  thresholdReset(n: number, membrane: number, threshold: number, subtract: number, spikes: number): number;
}

// The slice of the WebAssembly JS API used here (the project's lib settings carry no DOM types).
interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (m: WasmModule, imports: object) => { readonly exports: object };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
const ALIGN = 64;
/** 4 GiB: the most a 32-bit WASM memory can address; only touched pages cost RAM. */
const MAX_PAGES = 65536;

export const WASM_PATH = new URL("./build/kernels.wasm", import.meta.url);

type View = Float32Array | Int32Array;

/** One thread's kernels and their memory. */
export class Kernels {
  readonly exports: KernelExports;
  readonly memory: WasmMemory;
  /** Every SharedArrayBuffer object this memory has had (each grow yields a new one). */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** Free blocks [start, bytes], sorted by start, never adjacent (coalesced). */
  private free: [number, number][] = [];
  private readonly live = new Map<number, number>();
  private top: number;
  private scratchPtr = 0;
  private scratchBytes = 0;

  constructor(module: WasmModule) {
    this.memory = new WA.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
    const instance = new WA.Instance(module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.top = roundUp(this.exports.heapBase(), ALIGN);
    this.free.push([this.top, this.memory.buffer.byteLength - this.top]);
    this.buffers.add(this.memory.buffer);
  }

  /** Bytes of kernel memory currently reserved (for reports and leak checks). */
  get reservedBytes(): number {
    return this.memory.buffer.byteLength;
  }

  get liveBytes(): number {
    let s = 0;
    for (const b of this.live.values()) s += b;
    return s;
  }

  /** A block of `bytes`, 64-byte aligned (zeroed unless `zero` is false); returns its byte offset. */
  allocBytes(bytes: number, zero = true): number {
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    let i = this.free.findIndex((f) => f[1] >= size);
    if (i < 0) {
      this.grow(size);
      i = this.free.findIndex((f) => f[1] >= size);
    }
    const block = this.free[i]!;
    const ptr = block[0];
    if (block[1] === size) this.free.splice(i, 1);
    else {
      block[0] += size;
      block[1] -= size;
    }
    this.live.set(ptr, size);
    if (zero) new Uint8Array(this.memory.buffer, ptr, size).fill(0);
    return ptr;
  }

  freeBytes(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) return;
    this.live.delete(ptr);
    let i = 0;
    while (i < this.free.length && this.free[i]![0] < ptr) i++;
    this.free.splice(i, 0, [ptr, size]);
    // Coalesce with the next, then with the previous block.
    const cur = this.free[i]!;
    const next = this.free[i + 1];
    if (next && cur[0] + cur[1] === next[0]) {
      cur[1] += next[1];
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev[0] + prev[1] === cur[0]) {
      prev[1] += cur[1];
      this.free.splice(i, 1);
    }
  }

  private grow(atLeast: number): void {
    const old = this.memory.buffer.byteLength;
    // Grow geometrically so a run of allocations does not grow page by page.
    const want = Math.max(Math.ceil(atLeast / PAGE) + 1, Math.ceil(old / PAGE / 2));
    const pages = Math.min(want, MAX_PAGES - old / PAGE);
    if (pages * PAGE < atLeast) {
      throw new SpikelabError("resource", `kernel memory: ${(atLeast / 2 ** 20).toFixed(0)} MiB more would pass the 4 GiB a WASM memory can hold (${(old / 2 ** 20).toFixed(0)} MiB in use)`, {
        hint: "use smaller batches, or release arrays from allocF32 that are no longer needed",
      });
    }
    this.memory.grow(pages);
    this.buffers.add(this.memory.buffer);
    const last = this.free[this.free.length - 1];
    if (last && last[0] + last[1] === old) last[1] += pages * PAGE;
    else this.free.push([old, pages * PAGE]);
  }

  f32(n: number): Float32Array {
    const ptr = this.allocBytes(n * 4); // first: it may grow the memory, and so replace `buffer`
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  i32(n: number): Int32Array {
    const ptr = this.allocBytes(n * 4);
    return new Int32Array(this.memory.buffer, ptr, n);
  }

  /** Frees the block an f32/i32 array starts; anything else is ignored. */
  release(arr: View): void {
    if (this.owns(arr) && this.live.has(arr.byteOffset)) this.freeBytes(arr.byteOffset);
  }

  /** True when `arr` is a view into this thread's kernel memory (so kernels can use it in place). */
  owns(arr: ArrayBufferView): boolean {
    return this.buffers.has(arr.buffer);
  }

  /** A scratch block of at least `bytes` reused across calls (kernels' packing and column buffers). */
  scratch(bytes: number): number {
    if (bytes > this.scratchBytes) {
      if (this.scratchPtr) this.freeBytes(this.scratchPtr);
      this.scratchBytes = roundUp(bytes, PAGE);
      this.scratchPtr = this.allocBytes(this.scratchBytes, false);
    }
    return this.scratchPtr;
  }

  /** Starts a call: stages arrays that live outside kernel memory and copies outputs back at `end`. */
  frame(): Frame {
    return new Frame(this);
  }
}

/**
 * One kernel call's staging. `input` gives a pointer to an array's data (in place when it is
 * already kernel memory, else a copy); `output` the same for results, copied back by `end`.
 */
export class Frame {
  private readonly temps: number[] = [];
  private readonly back: [View, number, number][] = [];
  constructor(private readonly k: Kernels) {}

  input(arr: View, n: number): number {
    if (this.k.owns(arr)) return arr.byteOffset;
    const ptr = this.k.allocBytes(n * 4, false); // overwritten by the copy
    this.temps.push(ptr);
    viewLike(arr, this.k.memory.buffer, ptr, n).set(arr.subarray(0, n)); // buffer read after the grow
    return ptr;
  }

  /** `keep`: the kernel reads the old values too (accumulate, in-place update). */
  output(arr: View, n: number, keep = false): number {
    if (this.k.owns(arr)) return arr.byteOffset;
    // Kernels write every output value, so a fresh output block needs no zeroing.
    const ptr = keep ? this.input(arr, n) : this.k.allocBytes(n * 4, false);
    if (!keep) this.temps.push(ptr);
    this.back.push([arr, ptr, n]);
    return ptr;
  }

  /** Like input/output but null stays 0 (the kernels' "not wanted"). */
  optIn(arr: View | null, n: number): number {
    return arr ? this.input(arr, n) : 0;
  }

  optOut(arr: View | null, n: number): number {
    return arr ? this.output(arr, n) : 0;
  }

  end(): void {
    for (const [arr, ptr, n] of this.back) arr.set(viewLike(arr, this.k.memory.buffer, ptr, n));
    for (const p of this.temps) this.k.freeBytes(p);
  }
}

function viewLike(arr: View, buffer: ArrayBufferLike, ptr: number, n: number): View {
  return arr instanceof Int32Array ? new Int32Array(buffer, ptr, n) : new Float32Array(buffer, ptr, n);
}

function roundUp(v: number, to: number): number {
  return Math.ceil(v / to) * to;
}

let module: WasmModule | undefined;
let instance: Kernels | undefined;

/** This thread's kernels, instantiated on first use (synchronously: the module is small). */
export function kernels(): Kernels {
  if (instance) return instance;
  if (!module) {
    if (!existsSync(WASM_PATH)) {
      throw new SpikelabError("resource", `the WASM kernels are not built (${WASM_PATH.pathname} is missing)`, {
        hint: "run `npm install` in the spikelab folder (its prepare step compiles them) or `node stdlib/tensor/build.mjs`",
      });
    }
    module = new WA.Module(readFileSync(WASM_PATH));
  }
  instance = new Kernels(module);
  return instance;
}

// The explicit geometry every convolution and pooling kernel takes (sizes, stride, padding,
// groups), built and validated in one place so the fast kernels can trust it.
// It must not compute anything numeric beyond output sizes and length checks.

import { SpikelabError } from "../errors.ts";

/**
 * A 2-D convolution over a batch in NCHW layout.
 * x [batch, inC, inH, inW], w [outC, inC/groups, kH, kW], bias [outC], y [batch, outC, outH, outW].
 * Zero padding, symmetric: padH rows above and below, padW columns left and right.
 */
export interface Conv2dGeometry {
  readonly batch: number;
  readonly inC: number;
  readonly inH: number;
  readonly inW: number;
  readonly outC: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly groups: number;
  readonly outH: number;
  readonly outW: number;
}

/**
 * A 2-D pooling window over a batch in NCHW layout: x [batch, channels, inH, inW],
 * y [batch, channels, outH, outW]. Padding is zeros for average pooling (divisor kH·kW) and
 * ignored (−∞) for max pooling; it must be smaller than the kernel.
 */
export interface Pool2dGeometry {
  readonly batch: number;
  readonly channels: number;
  readonly inH: number;
  readonly inW: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly outH: number;
  readonly outW: number;
}

export type Pair = readonly [number, number];

function positiveInt(where: string, name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) {
    throw new SpikelabError("shape", `${where}: ${name} must be a whole number >= ${min}, got ${v}`);
  }
}

function outSize(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

/** Builds and checks a convolution geometry; throws SpikelabError('shape') when it cannot work. */
export function conv2dGeometry(p: {
  batch: number;
  inC: number;
  inH: number;
  inW: number;
  outC: number;
  kernel: Pair;
  stride?: Pair;
  padding?: Pair;
  groups?: number;
}): Conv2dGeometry {
  const [kH, kW] = p.kernel;
  const [strideH, strideW] = p.stride ?? [1, 1];
  const [padH, padW] = p.padding ?? [0, 0];
  const groups = p.groups ?? 1;
  const where = "conv2d";
  for (const [n, v] of [["batch", p.batch], ["input channels", p.inC], ["input height", p.inH], ["input width", p.inW], ["output channels", p.outC], ["kernel height", kH], ["kernel width", kW], ["stride", strideH], ["stride", strideW], ["groups", groups]] as const) positiveInt(where, n, v);
  positiveInt(where, "padding", padH, 0);
  positiveInt(where, "padding", padW, 0);
  if (p.inC % groups !== 0 || p.outC % groups !== 0) {
    throw new SpikelabError("shape", `${where}: groups ${groups} must divide both ${p.inC} input and ${p.outC} output channels`);
  }
  const outH = outSize(p.inH, kH, strideH, padH);
  const outW = outSize(p.inW, kW, strideW, padW);
  if (outH < 1 || outW < 1) {
    throw new SpikelabError("shape", `${where}: kernel ${kH}x${kW} does not fit the ${p.inH}x${p.inW} input padded by ${padH}x${padW}`, { hint: "use a smaller kernel or more padding" });
  }
  return { batch: p.batch, inC: p.inC, inH: p.inH, inW: p.inW, outC: p.outC, kH, kW, strideH, strideW, padH, padW, groups, outH, outW };
}

/** Builds and checks a pooling geometry (stride defaults to the kernel). */
export function pool2dGeometry(p: { batch: number; channels: number; inH: number; inW: number; kernel: Pair; stride?: Pair; padding?: Pair }): Pool2dGeometry {
  const [kH, kW] = p.kernel;
  const [strideH, strideW] = p.stride ?? p.kernel;
  const [padH, padW] = p.padding ?? [0, 0];
  const where = "pool2d";
  for (const [n, v] of [["batch", p.batch], ["channels", p.channels], ["input height", p.inH], ["input width", p.inW], ["kernel height", kH], ["kernel width", kW], ["stride", strideH], ["stride", strideW]] as const) positiveInt(where, n, v);
  positiveInt(where, "padding", padH, 0);
  positiveInt(where, "padding", padW, 0);
  if (padH >= kH || padW >= kW) throw new SpikelabError("shape", `${where}: padding ${padH}x${padW} must be smaller than the kernel ${kH}x${kW}`);
  const outH = outSize(p.inH, kH, strideH, padH);
  const outW = outSize(p.inW, kW, strideW, padW);
  if (outH < 1 || outW < 1) {
    throw new SpikelabError("shape", `${where}: kernel ${kH}x${kW} does not fit the ${p.inH}x${p.inW} input`, { hint: "use a smaller kernel or remove a pooling layer" });
  }
  return { batch: p.batch, channels: p.channels, inH: p.inH, inW: p.inW, kH, kW, strideH, strideW, padH, padW, outH, outW };
}

/** The same geometry for another batch size (a last, smaller mini-batch; one image of a batch). */
export function withBatch<G extends Conv2dGeometry | Pool2dGeometry>(g: G, batch: number): G {
  return { ...g, batch };
}

/** Throws SpikelabError('shape') unless `arr` holds at least `n` values; kernels write no further. */
export function need(where: string, name: string, arr: ArrayLike<number>, n: number): void {
  if (arr.length < n) {
    throw new SpikelabError("shape", `${where}: ${name} holds ${arr.length} values, needs ${n}`, { hint: "allocate it from the geometry (batch × channels × height × width)" });
  }
}

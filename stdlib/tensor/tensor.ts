// Dense typed-array tensors: the one numeric container every stage passes around.
// Layout is row-major (last axis fastest). It must not know about networks or spikes.
//
// Conventions used everywhere in spikelab:
//   activations        [N, C, H, W] (NCHW) or [N, features]; a single sample drops N
//   dense weights      [out, in]            (y = W x + b)
//   conv weights       [outC, inC / groups, kH, kW]
//   biases, BN params  [C]

export type FloatArray = Float32Array | Float64Array;

export interface Tensor<A extends FloatArray = Float32Array> {
  readonly shape: readonly number[];
  readonly data: A;
}

export type Tensor64 = Tensor<Float64Array>;

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function zeros(shape: readonly number[]): Tensor {
  return { shape: [...shape], data: new Float32Array(sizeOf(shape)) };
}

export function zeros64(shape: readonly number[]): Tensor64 {
  return { shape: [...shape], data: new Float64Array(sizeOf(shape)) };
}

export function tensor(shape: readonly number[], values: ArrayLike<number>): Tensor {
  const n = sizeOf(shape);
  if (values.length !== n) throw new RangeError(`tensor: shape [${shape.join(", ")}] holds ${n} values, got ${values.length}`);
  return { shape: [...shape], data: Float32Array.from(values) };
}

export function to64(t: Tensor<FloatArray>): Tensor64 {
  return { shape: [...t.shape], data: Float64Array.from(t.data) };
}

export function to32(t: Tensor<FloatArray>): Tensor {
  return { shape: [...t.shape], data: Float32Array.from(t.data) };
}

export function clone<A extends FloatArray>(t: Tensor<A>): Tensor<A> {
  return { shape: [...t.shape], data: t.data.slice() as A };
}

export function reshape<A extends FloatArray>(t: Tensor<A>, shape: readonly number[]): Tensor<A> {
  if (sizeOf(shape) !== t.data.length) {
    throw new RangeError(`reshape: [${t.shape.join(", ")}] cannot become [${shape.join(", ")}]`);
  }
  return { shape: [...shape], data: t.data };
}

export function shapeString(shape: readonly number[]): string {
  return shape.join("x");
}

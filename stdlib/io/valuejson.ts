// Plain data (objects, arrays, strings, booleans, null, undefined, numbers including NaN,
// ±Infinity and -0, typed arrays) as JSON and back without loss: typed arrays keep their element
// type and every bit, either inline (base64) or as references into a binary table. It must not
// know what the data means (snnjson.ts checks that) nor touch files.
//
// Tags (a JSON object whose one key starts with "$"): {"$number": "NaN"|"Infinity"|"-Infinity"|"-0"},
// {"$undefined": true}, {"$array": dtype, "base64": …} or {"$array": dtype, "offset": i, "length": n}
// (offset and length in elements of that dtype's segment), {"$object": {…}} for an object whose
// own keys start with "$".

import type { Json } from "./netjson.ts";

export type TypedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | Uint8ClampedArray;

export type DType = "float64" | "float32" | "int32" | "uint32" | "int16" | "uint16" | "int8" | "uint8" | "uint8clamped";

type Ctor = { new (n: number): TypedArray; new (b: ArrayBuffer, offset: number, n: number): TypedArray; readonly BYTES_PER_ELEMENT: number };

/** Element types, widest first (the order of a table's segments, so each stays aligned). */
export const DTYPES: Readonly<Record<DType, Ctor>> = {
  float64: Float64Array,
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
  uint8clamped: Uint8ClampedArray,
};

export function dtypeOf(v: unknown): DType | undefined {
  if (!ArrayBuffer.isView(v)) return undefined;
  for (const [name, C] of Object.entries(DTYPES) as [DType, Ctor][]) if (Object.getPrototypeOf(v) === C.prototype) return name;
  return undefined;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The array's elements as little-endian bytes (a copy). */
export function leBytes(a: TypedArray): Uint8Array {
  const out = new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  if (!LITTLE_ENDIAN) swapInPlace(out, a.BYTES_PER_ELEMENT);
  return out;
}

/** A fresh array of `dtype` from little-endian bytes (copied, so it owns its buffer). */
export function fromLeBytes(dtype: DType, bytes: Uint8Array): TypedArray {
  const C = DTYPES[dtype];
  // A fresh copy at offset 0 (not bytes.slice(): on a Buffer that is a view into a shared pool).
  const own = new Uint8Array(bytes.length);
  own.set(bytes);
  if (!LITTLE_ENDIAN) swapInPlace(own, C.BYTES_PER_ELEMENT);
  return new C(own.buffer, 0, own.length / C.BYTES_PER_ELEMENT);
}

function swapInPlace(b: Uint8Array, width: number): void {
  for (let i = 0; i < b.length; i += width) b.subarray(i, i + width).reverse();
}

/** Where the encoder puts a typed array: returns its JSON stand-in. */
export interface ArraySink {
  put(a: TypedArray, dtype: DType): Json;
}

/** Inline: base64 of the little-endian bytes (a description that is JSON alone). */
export const INLINE: ArraySink = {
  put: (a, dtype) => ({ $array: dtype, base64: Buffer.from(leBytes(a)).toString("base64") }),
};

/**
 * A binary table of arrays, one segment per element type. The same array object put twice is
 * stored once, and comes back as one object (AMOS projections share their source's weights).
 */
export class ArrayTable implements ArraySink {
  private readonly segments = new Map<DType, TypedArray[]>();
  private readonly counts = new Map<DType, number>();
  private readonly seen = new Map<TypedArray, { offset: number; length: number }>();

  put(a: TypedArray, dtype: DType): Json {
    return { $array: dtype, ...this.place(a, dtype) };
  }

  /** Stores `a` (once) and returns its element offset and length in its dtype's segment. */
  place(a: TypedArray, dtype: DType): { offset: number; length: number } {
    const had = this.seen.get(a);
    if (had !== undefined) return had;
    const offset = this.counts.get(dtype) ?? 0;
    const at = { offset, length: a.length };
    this.counts.set(dtype, offset + a.length);
    const list = this.segments.get(dtype) ?? [];
    list.push(a);
    this.segments.set(dtype, list);
    this.seen.set(a, at);
    return at;
  }

  /** Segments in DTYPES order: element counts and the concatenated little-endian bytes of each. */
  layout(): { dtype: DType; count: number; bytes: Uint8Array }[] {
    const out: { dtype: DType; count: number; bytes: Uint8Array }[] = [];
    for (const dtype of Object.keys(DTYPES) as DType[]) {
      const list = this.segments.get(dtype);
      if (list === undefined) continue;
      const count = this.counts.get(dtype)!;
      const bytes = new Uint8Array(count * DTYPES[dtype].BYTES_PER_ELEMENT);
      let at = 0;
      for (const a of list) {
        bytes.set(leBytes(a), at);
        at += a.byteLength;
      }
      out.push({ dtype, count, bytes });
    }
    return out;
  }
}

/** Why a value cannot be written, with the path to it. */
export class UnencodableError extends Error {}

const isPlainObject = (v: object): boolean => {
  const p = Object.getPrototypeOf(v) as unknown;
  return p === Object.prototype || p === null;
};

/** `v` as JSON; typed arrays go to `sink`. Throws UnencodableError for maps, functions, bigints, class instances. */
export function valueToJSON(v: unknown, sink: ArraySink, where = "value"): Json {
  switch (typeof v) {
    case "number":
      if (Number.isNaN(v)) return { $number: "NaN" };
      if (v === Infinity) return { $number: "Infinity" };
      if (v === -Infinity) return { $number: "-Infinity" };
      if (Object.is(v, -0)) return { $number: "-0" };
      return v;
    case "string":
    case "boolean":
      return v;
    case "undefined":
      return { $undefined: true };
    case "object": {
      if (v === null) return null;
      if (Array.isArray(v)) return Array.from(v, (x, i) => valueToJSON(x, sink, `${where}[${i}]`));
      const dtype = dtypeOf(v);
      if (dtype !== undefined) return sink.put(v as TypedArray, dtype);
      if (!isPlainObject(v)) throw new UnencodableError(`${where}: ${Object.prototype.toString.call(v)} is not plain data`);
      const out: Record<string, Json> = {};
      let escape = false;
      for (const [k, x] of Object.entries(v)) {
        if (k.startsWith("$")) escape = true;
        out[k] = valueToJSON(x, sink, `${where}.${k}`);
      }
      return escape ? { $object: out } : out;
    }
    default:
      throw new UnencodableError(`${where}: a ${typeof v} is not plain data`);
  }
}

/** Where the decoder gets a referenced typed array; `where` names the place for errors. */
export type ArraySource = (where: string, dtype: DType, offset: number, length: number) => TypedArray;

/** Why a description cannot be read, with the path to the bad value. */
export class UndecodableError extends Error {}

const SPECIAL: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 };

/** Inverse of valueToJSON. Throws UndecodableError naming the path of a malformed tag. */
export function valueFromJSON(j: unknown, arrays: ArraySource | undefined, where = "value"): unknown {
  if (j === null || typeof j === "number" || typeof j === "string" || typeof j === "boolean") return j;
  if (Array.isArray(j)) return j.map((x, i) => valueFromJSON(x, arrays, `${where}[${i}]`));
  if (typeof j !== "object") throw new UndecodableError(`${where}: ${typeof j} is not JSON`);
  const o = j as Record<string, unknown>;
  const keys = Object.keys(o);
  const tag = keys.find((k) => k.startsWith("$"));
  if (tag === undefined) return Object.fromEntries(keys.map((k) => [k, valueFromJSON(o[k], arrays, `${where}.${k}`)]));
  switch (tag) {
    case "$number": {
      const n = typeof o.$number === "string" ? SPECIAL[o.$number] : undefined;
      if (n === undefined || keys.length !== 1) throw new UndecodableError(`${where}: ${JSON.stringify(j)} is not a special number (NaN, Infinity, -Infinity, -0)`);
      return n;
    }
    case "$undefined":
      if (o.$undefined !== true || keys.length !== 1) throw new UndecodableError(`${where}: malformed ${JSON.stringify(j)}`);
      return undefined;
    case "$object": {
      const inner = o.$object;
      if (typeof inner !== "object" || inner === null || Array.isArray(inner) || keys.length !== 1) throw new UndecodableError(`${where}: "$object" needs an object`);
      return Object.fromEntries(Object.entries(inner).map(([k, x]) => [k, valueFromJSON(x, arrays, `${where}.${k}`)]));
    }
    case "$array":
      return arrayFromJSON(o, arrays, where);
    default:
      throw new UndecodableError(`${where}: unknown tag "${tag}"`);
  }
}

function arrayFromJSON(o: Record<string, unknown>, arrays: ArraySource | undefined, where: string): TypedArray {
  const dtype = o.$array;
  if (typeof dtype !== "string" || !(dtype in DTYPES)) throw new UndecodableError(`${where}: unknown array element type ${JSON.stringify(dtype)} (known: ${Object.keys(DTYPES).join(", ")})`);
  const dt = dtype as DType;
  if ("base64" in o) {
    const text = o.base64;
    if (typeof text !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new UndecodableError(`${where}: base64 is not base64 text`);
    const bytes = Buffer.from(text, "base64");
    if (bytes.length % DTYPES[dt].BYTES_PER_ELEMENT !== 0) throw new UndecodableError(`${where}: ${bytes.length} bytes are not whole ${dt} values`);
    return fromLeBytes(dt, bytes);
  }
  const { offset, length } = o;
  if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0 || typeof length !== "number" || !Number.isInteger(length) || length < 0) {
    throw new UndecodableError(`${where}: an array reference needs whole numbers offset and length, found ${JSON.stringify(o)}`);
  }
  if (arrays === undefined) throw new UndecodableError(`${where}: refers to a binary table, but this description has none (load the whole file)`);
  return arrays(where, dt, offset, length);
}

// Typed reads from an untyped Plotly spec (traces and layout are open records): numbers,
// strings, nested objects, and arrays that may be typed arrays. Also the small formatting
// helpers every renderer shares. It must not decide defaults: callers pass them.

export type Rec = Readonly<Record<string, unknown>>;
export type NumArray = ArrayLike<number>;

export function isRec(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

export function rec(o: Rec | undefined, key: string): Rec {
  const v = o?.[key];
  return isRec(v) ? v : {};
}

export function num(o: Rec | undefined, key: string, dflt: number): number {
  const v = o?.[key];
  return typeof v === "number" && Number.isFinite(v) ? v : dflt;
}

export function optNum(o: Rec | undefined, key: string): number | undefined {
  const v = o?.[key];
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export function str(o: Rec | undefined, key: string, dflt: string): string {
  const v = o?.[key];
  return typeof v === "string" ? v : dflt;
}

export function optStr(o: Rec | undefined, key: string): string | undefined {
  const v = o?.[key];
  return typeof v === "string" ? v : undefined;
}

export function bool(o: Rec | undefined, key: string, dflt: boolean): boolean {
  const v = o?.[key];
  return typeof v === "boolean" ? v : dflt;
}

/** A Plotly title: either a string (old style) or `{ text }`. */
export function titleText(v: unknown): string {
  if (typeof v === "string") return v;
  if (isRec(v) && typeof v.text === "string") return v.text;
  return "";
}

/** An array-like of values (plain array or typed array), or undefined. */
export function arr(o: Rec | undefined, key: string): ArrayLike<unknown> | undefined {
  const v = o?.[key];
  if (Array.isArray(v)) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return v as unknown as ArrayLike<unknown>;
  return undefined;
}

/** A value of a data array as a number (NaN when missing or not numeric). */
export function toNum(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return NaN;
}

/** Pixel coordinates with one decimal: deterministic, compact, and finer than any screen needs. */
export function px(n: number): string {
  return String(Math.round(n * 10) / 10);
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** FNV-1a over a string: deterministic ids for clip paths and divs (not for security). */
export function hashString(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}

/** A figure's data made JSON-safe: typed arrays become plain arrays, non-finite numbers null. */
export function plainJson(v: unknown): unknown {
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) return v.map(plainJson);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const a = v as unknown as ArrayLike<number>;
    const out = new Array<number | null>(a.length);
    for (let i = 0; i < a.length; i++) out[i] = Number.isFinite(a[i]!) ? a[i]! : null;
    return out;
  }
  if (isRec(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = plainJson(x);
    return out;
  }
  return v;
}

/** The records in an array field (shapes, annotations, sliders, steps); other entries dropped. */
export function recs(o: Rec | undefined, key: string): Rec[] {
  const v = o?.[key];
  return Array.isArray(v) ? v.filter(isRec) : [];
}

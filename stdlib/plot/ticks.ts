// Tick positions and labels as plotly.js chooses them (autoTicks: a step of 2, 5 or 10 × 10^k
// fitted to the axis length; log axes in decades, 1-2-5 or 1…9), so the static SVG and the
// browser plot of one spec show the same ticks. It must not draw anything.

export interface Tick {
  /** Position in axis units (log10 of the value on a log axis). */
  readonly at: number;
  readonly label: string;
  /** A minor (intermediate) tick on a log axis: drawn with a smaller label. */
  readonly minor?: boolean;
}

export interface TickOptions {
  /** Plotly `nticks`: the maximum number of ticks (0 or absent: from the axis length). */
  readonly nticks?: number;
  /** Plotly `tickmode: "linear"` with `dtick` / `tick0`. */
  readonly dtick?: number;
  readonly tick0?: number;
  /** Plotly `tickmode: "array"`. */
  readonly tickvals?: readonly number[];
  readonly ticktext?: readonly string[];
  /** A d3-format subset: ".0%", ".2f", ",d", "~s", ".3s", "d", ".2e". */
  readonly tickformat?: string;
  readonly tickprefix?: string;
  readonly ticksuffix?: string;
}

const MINUS = "\u2212";

/** Plotly's target tick count: one tick per 80 px on x (40 px on y), 5 to 10 ticks. */
export function targetTickCount(lengthPx: number, letter: "x" | "y", nticks?: number): number {
  if (nticks !== undefined && nticks > 0) return nticks;
  const minPx = letter === "y" ? 40 : 80;
  return Math.min(9, Math.max(4, lengthPx / minPx)) + 1;
}

/** Plotly's roundDTick: the first of 2, 5, 10 × 10^floor(log10(rough)) strictly above `rough`. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const base = Math.pow(10, Math.floor(Math.log10(rough)));
  const r = rough / base;
  const m = r < 2 ? 2 : r < 5 ? 5 : 10;
  return clean(m * base);
}

/** Removes float noise from a computed tick value (0.30000000000000004 → 0.3). */
export function clean(v: number): number {
  return v === 0 ? 0 : Number(v.toPrecision(12));
}

/** Multiples of `step` (offset by tick0) inside [lo, hi], with a tiny tolerance at both ends. */
export function stepValues(lo: number, hi: number, step: number, tick0 = 0): number[] {
  const a = Math.min(lo, hi), b = Math.max(lo, hi);
  const eps = (b - a) * 1e-9;
  const first = Math.ceil((a - eps - tick0) / step);
  const out: number[] = [];
  // A guard against a tiny step on a huge range (a user's dtick): never more than 1,000 ticks.
  for (let k = first; out.length < 1000; k++) {
    const v = clean(tick0 + k * step);
    if (v > b + eps) break;
    out.push(v);
  }
  return out;
}

const SI: Readonly<Record<number, string>> = { [-15]: "f", [-12]: "p", [-9]: "n", [-6]: "\u03bc", [-3]: "m", 3: "k", 6: "M", 9: "B", 12: "T" };

/** Plotly's exponent for a range: SI multiple of 3 when the largest magnitude passes 10^±3. */
export function rangeExponent(lo: number, hi: number): number {
  const maxend = Math.max(Math.abs(lo), Math.abs(hi));
  if (!(maxend > 0)) return 0;
  const rangeexp = Math.floor(Math.log10(maxend) + 0.01);
  if (Math.abs(rangeexp) <= 3) return 0;
  const e = 3 * Math.round((rangeexp - 1) / 3);
  return SI[e] !== undefined ? e : 0;
}

function stripZeros(s: string): string {
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

function withMinus(s: string): string {
  return s.startsWith("-") ? MINUS + s.slice(1) : s;
}

/**
 * A label with Plotly's default formatting: two digits past the step's leading digit, trailing
 * zeros dropped, an SI suffix when the range's exponent passes ±3, a true minus sign.
 */
export function defaultLabel(v: number, step: number, exponent: number): string {
  let round = 2 - Math.floor(Math.log10(Math.abs(step) || 1) + 0.01);
  let a = Math.abs(v);
  if (a < Math.pow(10, -round) / 2) return "0";
  if (exponent !== 0) {
    a *= Math.pow(10, -exponent);
    round += exponent;
  }
  let s: string;
  if (round === 0) s = String(Math.round(a));
  else if (round < 0) {
    const mag = Math.pow(10, -round);
    s = String(Math.round(a / mag) * mag);
  } else s = a.toFixed(Math.min(20, round)).replace(/\.?0+$/, "");
  if (exponent !== 0) s += SI[exponent] ?? "";
  return v < 0 ? MINUS + s : s;
}

/** Formats a number with a d3-format subset; returns undefined for a format it does not know. */
export function d3Format(v: number, format: string): string | undefined {
  const m = /^(,)?(?:\.(\d+))?(~)?([%fsde])?$/.exec(format);
  if (!m) return undefined;
  const comma = m[1] === ",";
  const precision = m[2] === undefined ? undefined : Number(m[2]);
  const trim = m[3] === "~";
  const type = m[4] ?? "";
  let s: string;
  switch (type) {
    case "%":
      s = (v * 100).toFixed(precision ?? 0);
      if (trim) s = stripZeros(s);
      s = groupThousands(s, comma) + "%";
      return withMinus(s);
    case "f":
      s = v.toFixed(precision ?? 6);
      if (trim) s = stripZeros(s);
      return withMinus(groupThousands(s, comma));
    case "d":
      return withMinus(groupThousands(Math.round(v).toFixed(0), comma));
    case "e":
      s = v.toExponential(precision ?? 6);
      return withMinus(trim ? s.replace(/\.?0+e/, "e") : s);
    case "s": {
      if (v === 0) return "0";
      const p = precision ?? 6;
      const e = Math.max(-15, Math.min(12, 3 * Math.floor(Math.log10(Math.abs(Number(v.toPrecision(p)))) / 3)));
      let body = (v / Math.pow(10, e)).toPrecision(p);
      if (trim) body = stripZeros(body);
      return withMinus(body + (e === 0 ? "" : e === 9 ? "G" : SI[e] ?? ""));
    }
    default:
      if (precision !== undefined) {
        s = Number(v.toPrecision(Math.max(1, precision))).toString();
      } else s = String(clean(v));
      return withMinus(groupThousands(s, comma));
  }
}

function groupThousands(s: string, on: boolean): string {
  if (!on) return s;
  const neg = s.startsWith("-");
  const body = neg ? s.slice(1) : s;
  const [int, frac] = body.split(".");
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return (neg ? "-" : "") + grouped + (frac === undefined ? "" : "." + frac);
}

function decorate(label: string, o: TickOptions): string {
  return (o.tickprefix ?? "") + label + (o.ticksuffix ?? "");
}

/** Ticks of a linear axis over the visible range [lo, hi] (either order). */
export function linearTicks(lo: number, hi: number, lengthPx: number, letter: "x" | "y", o: TickOptions = {}): Tick[] {
  if (o.tickvals) return arrayTicks(o.tickvals, o, lo, hi, (v) => v);
  const span = Math.abs(hi - lo);
  const step = o.dtick !== undefined && o.dtick > 0 ? o.dtick : niceStep(span / targetTickCount(lengthPx, letter, o.nticks));
  const values = stepValues(lo, hi, step, o.tick0 ?? 0);
  const exponent = rangeExponent(lo, hi);
  return values.map((v) => ({ at: v, label: decorate(labelFor(v, step, exponent, o.tickformat), o) }));
}

function labelFor(v: number, step: number, exponent: number, format: string | undefined): string {
  if (format) {
    const s = d3Format(v, format);
    if (s !== undefined) return s;
  }
  return defaultLabel(v, step, exponent);
}

function arrayTicks(vals: readonly number[], o: TickOptions, lo: number, hi: number, toAxis: (v: number) => number): Tick[] {
  const a = Math.min(lo, hi), b = Math.max(lo, hi);
  const out: Tick[] = [];
  vals.forEach((v, i) => {
    const at = toAxis(v);
    if (!(at >= a - 1e-9 * (b - a) && at <= b + 1e-9 * (b - a))) return;
    const text = o.ticktext?.[i];
    out.push({ at, label: decorate(text ?? labelFor(v, 0, 0, o.tickformat ?? "~s"), o) });
  });
  return out;
}

/** A value 10^k as a log axis labels it: 1, 10, 100, 1000, 10k, 100k, 1M; 0.1, 0.01, 0.001, 100µ. */
function powerLabel(k: number): string {
  if (k >= 0 && k <= 3) return String(Math.pow(10, k));
  if (k < 0 && k >= -3) return Math.pow(10, k).toFixed(-k);
  const e = 3 * Math.floor(k / 3);
  const suffix = SI[e];
  if (suffix === undefined) return "10^" + k;
  return String(Math.pow(10, k - e)) + suffix;
}

/** Ticks of a log axis; lo and hi are log10 of the visible range, as in Plotly's `range`. */
export function logTicks(lo: number, hi: number, lengthPx: number, letter: "x" | "y", o: TickOptions = {}): Tick[] {
  if (o.tickvals) return arrayTicks(o.tickvals.filter((v) => v > 0), o, lo, hi, Math.log10);
  const a = Math.min(lo, hi), b = Math.max(lo, hi);
  const rough = (b - a) / targetTickCount(lengthPx, letter, o.nticks);
  const fmt = (v: number, fallback: string): string => decorate(o.tickformat ? d3Format(v, o.tickformat) ?? fallback : fallback, o);
  if (rough > 0.7) {
    const step = Math.ceil(rough);
    return stepValues(a, b, step).map((k) => ({ at: k, label: fmt(Math.pow(10, k), powerLabel(k)) }));
  }
  if (b - a < 1) {
    // Less than a decade visible: linear ticks in value space, labelled fully (Plotly's "L" dtick).
    const v0 = Math.pow(10, a), v1 = Math.pow(10, b);
    const nt = 1.5 * ((b - a) / rough);
    const step = niceStep(Math.abs(v1 - v0) / nt);
    const exponent = rangeExponent(v0, v1);
    return stepValues(v0, v1, step)
      .filter((v) => v > 0)
      .map((v) => ({ at: Math.log10(v), label: fmt(v, defaultLabel(v, step, exponent)) }));
  }
  // Intermediate ticks between decades: 2 and 5 (Plotly's "D2") or every digit ("D1").
  const digits = rough > 0.3 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const out: Tick[] = [];
  for (let k = Math.floor(a) - 1; k <= Math.ceil(b); k++) {
    for (const d of digits) {
      const at = k + Math.log10(d);
      if (at < a - 1e-9 || at > b + 1e-9) continue;
      out.push(d === 1 ? { at, label: fmt(Math.pow(10, k), powerLabel(k)) } : { at, label: String(d), minor: true });
    }
  }
  return out;
}

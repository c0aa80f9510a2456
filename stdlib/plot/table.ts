// Tables as HTML (notebooks), GitHub markdown, and aligned plain text (terminals, text/plain),
// with numbers formatted for reading: fractions as percentages where the column says so, large
// counts with thousands separators or SI suffixes. It must not compute the numbers it shows.

import { SpikelabError } from "../errors.ts";
import type { Cell, ColumnFormat, Table } from "./figure.ts";

const MISSING = "\u2014";

function groupThousands(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function stripZeros(s: string): string {
  return s.includes(".") && !s.includes("e") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

const SI: readonly [number, string][] = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];

/** 3 significant digits and an SI suffix: 1234567 → "1.23 M", 999 → "999". */
export function formatSi(v: number): string {
  const a = Math.abs(v);
  for (const [scale, suffix] of SI) {
    // Round first so 999,999 becomes "1 M", not "1000 k".
    if (Number((a / scale).toPrecision(3)) >= 1) return `${v < 0 ? "-" : ""}${stripZeros((a / scale).toPrecision(3))} ${suffix}`;
  }
  return stripZeros(v.toPrecision(3));
}

/** The default for a number: integers exact (separated from 10,000), others to 4 significant digits. */
export function formatAuto(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "\u221e" : "-\u221e";
  const a = Math.abs(v);
  if (a >= 1e7) return formatSi(v);
  if (Number.isInteger(v)) return a >= 10_000 ? (v < 0 ? "-" : "") + groupThousands(String(a)) : String(v);
  if (a >= 1000) return (v < 0 ? "-" : "") + groupThousands(Math.round(a).toString());
  if (a !== 0 && a < 1e-4) return v.toExponential(2);
  return stripZeros(v.toPrecision(4));
}

/** N significant digits, without trailing zeros; from 1,000 up with thousands separators: 71.99, 0.1837, 12,350. */
export function formatSignificant(v: number, digits: number): string {
  if (!Number.isFinite(v)) return formatAuto(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e15)) return v.toExponential(Math.max(0, digits - 1));
  const r = Number(v.toPrecision(digits));
  if (Math.abs(r) >= 1000) return (r < 0 ? "-" : "") + groupThousands(Math.round(Math.abs(r)).toString());
  return String(r);
}

function parseFormat(f: ColumnFormat | undefined, where: string): { kind: string; digits?: number } {
  if (f === undefined) return { kind: "auto" };
  const m = /^(percent|fixed|sig)(?::(\d+))?$/.exec(f);
  if (m) return { kind: m[1]!, digits: m[2] === undefined ? (m[1] === "sig" ? 4 : 2) : Math.min(Number(m[2]), m[1] === "sig" ? 21 : 20) };
  if (f === "auto" || f === "count" || f === "si" || f === "text") return { kind: f };
  throw new SpikelabError("param", `table ${where}: unknown column format "${f as string}"`, { hint: 'use "auto", "percent", "percent:N", "count", "si", "fixed:N", "sig:N" or "text"' });
}

/** One cell as text, given its column's format. */
export function formatCell(v: Cell, format: ColumnFormat | undefined = "auto"): string {
  if (v === null) return MISSING;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string") return v;
  const f = parseFormat(format, "cell");
  if (!Number.isFinite(v) || f.kind === "auto" || f.kind === "text") return formatAuto(v);
  switch (f.kind) {
    case "percent": return `${(100 * v).toFixed(f.digits)} %`;
    case "fixed": return v.toFixed(f.digits);
    case "count": return (v < 0 ? "-" : "") + groupThousands(Math.round(Math.abs(v)).toString());
    case "si": return formatSi(v);
    case "sig": return formatSignificant(v, Math.max(1, f.digits ?? 4));
  }
  return formatAuto(v);
}

const PERCENT_NAME = /accuracy|agreement|error|\(%\)|%$/i;

/** Each column's effective format: explicit, else percent for accuracy-like fraction columns. */
export function columnFormats(t: Table): ColumnFormat[] {
  return t.columns.map((name, c) => {
    const given = t.formats?.[c];
    parseFormat(given, `"${t.title ?? ""}" column "${name}"`);
    if (given !== undefined && given !== "auto") return given;
    const nums = t.rows.map((r) => r[c]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    if (PERCENT_NAME.test(name) && nums.length > 0 && nums.every((v) => v >= 0 && v <= 1)) return "percent";
    return "auto";
  });
}

function checkShape(t: Table): void {
  t.rows.forEach((r, i) => {
    if (r.length !== t.columns.length) {
      throw new SpikelabError("shape", `table${t.title ? ` "${t.title}"` : ""}: row ${i + 1} has ${r.length} cells for ${t.columns.length} columns`, { hint: "give every row one cell per column (null for a missing value)" });
    }
  });
}

/** Numeric columns (every non-missing cell a number) are right-aligned. */
function numericColumns(t: Table): boolean[] {
  return t.columns.map((_, c) => t.rows.some((r) => typeof r[c] === "number") && t.rows.every((r) => r[c] === null || typeof r[c] === "number"));
}

function cells(t: Table): string[][] {
  checkShape(t);
  const f = columnFormats(t);
  return t.rows.map((r) => r.map((v, c) => formatCell(v, f[c])));
}

function width(s: string): number {
  return [...s].length;
}

/** Aligned plain text: a title line, the header, a rule, the rows. */
export function tableText(t: Table): string {
  const body = cells(t);
  const numeric = numericColumns(t);
  const widths = t.columns.map((h, c) => Math.max(width(h), ...body.map((r) => width(r[c]!))));
  const pad = (s: string, c: number): string => {
    const fill = " ".repeat(widths[c]! - width(s));
    return numeric[c] ? fill + s : s + fill;
  };
  const line = (r: readonly string[]): string => r.map(pad).join("  ").replace(/\s+$/, "");
  const out = [line(t.columns), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
  return (t.title ? t.title + "\n" : "") + out.join("\n") + "\n";
}

function escapeMd(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A GitHub-flavoured markdown table (numeric columns right-aligned), the title in bold above. */
export function tableMarkdown(t: Table): string {
  const body = cells(t);
  const numeric = numericColumns(t);
  const row = (r: readonly string[]): string => "| " + r.map(escapeMd).join(" | ") + " |";
  const rule = "|" + numeric.map((n) => (n ? " ---: |" : " --- |")).join("");
  return (t.title ? `**${escapeMd(t.title)}**\n\n` : "") + [row(t.columns), rule, ...body.map(row)].join("\n") + "\n";
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** An HTML table (class spikelab-table) with the title as caption; numeric columns right-aligned. */
export function tableHtml(t: Table): string {
  const body = cells(t);
  const numeric = numericColumns(t);
  const align = (c: number): string => (numeric[c] ? ' style="text-align:right"' : ' style="text-align:left"');
  const head = t.columns.map((h, c) => `<th${align(c)}>${escapeHtml(h)}</th>`).join("");
  const rows = body.map((r) => "<tr>" + r.map((v, c) => `<td${align(c)}>${escapeHtml(v)}</td>`).join("") + "</tr>").join("\n");
  const caption = t.title ? `<caption style="text-align:left;font-weight:bold">${escapeHtml(t.title)}</caption>` : "";
  return `<table class="spikelab-table">${caption}<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody></table>`;
}

// A line chart of a table's columns (the language's `plot lines`): sweeps and comparisons built
// with `sweep … { row { … } }` drawn without leaving the language. One series per y column, or per
// value of a grouping column. It must not compute anything but the figure.

import { SpikelabError } from "../errors.ts";
import { lineFigure, type Series } from "./charts.ts";
import { COLORWAY } from "./colors.ts";
import type { Figure, Table } from "./figure.ts";

export interface TableLinesOptions {
  readonly x: string;
  /** Columns drawn against x (one series each). */
  readonly y: readonly string[];
  /** A column whose values split the rows into series (then one y column). */
  readonly group?: string;
  readonly title?: string;
  readonly logX?: boolean;
  readonly logY?: boolean;
  /** Multiply y values (100 turns fractions into %). */
  readonly scaleY?: number;
  readonly yTitle?: string;
}

function column(t: Table, name: string): number {
  const i = t.columns.indexOf(name);
  if (i < 0) throw new SpikelabError("name", `the table has no column '${name}'`, { hint: `columns: ${t.columns.join(", ")}` });
  return i;
}

const num = (v: unknown): number => (typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : NaN);

/** Several tables (e.g. one sweep per family) drawn together: their series side by side. */
export function tablesLinesFigure(ts: readonly Table[], o: TableLinesOptions): Figure {
  const figs = ts.map((t) => tableLinesFigure(t, o));
  const data = figs.flatMap((f) => f.data);
  // Colours by position across all tables, not restarting in each.
  const recoloured = data.map((d, k) => ({ ...d, line: { ...(d.line as object), color: COLORWAY[k % COLORWAY.length] } }));
  return { ...figs[0]!, data: recoloured };
}

export function tableLinesFigure(t: Table, o: TableLinesOptions): Figure {
  if (o.y.length === 0) throw new SpikelabError("param", "plot lines: no y column", { hint: 'name one: `y: "accuracy"`, or several: `y: "a, b"`' });
  if (o.group !== undefined && o.y.length > 1) throw new SpikelabError("param", "plot lines: `group` takes one y column", { hint: "drop `group`, or plot one column" });
  const xi = column(t, o.x);
  const yis = o.y.map((c) => column(t, c));
  const s = o.scaleY ?? 1;
  const byX = (rows: readonly (readonly unknown[])[]) => [...rows].sort((a, b) => num(a[xi]) - num(b[xi]));
  let series: Series[];
  if (o.group !== undefined) {
    const gi = column(t, o.group);
    const groups = [...new Set(t.rows.map((r) => String(r[gi])))];
    series = groups.map((g) => {
      const rows = byX(t.rows.filter((r) => String(r[gi]) === g));
      return { name: g, x: rows.map((r) => num(r[xi])), y: rows.map((r) => s * num(r[yis[0]!])), markers: true };
    });
  } else {
    const rows = byX(t.rows);
    series = yis.map((yi, k) => ({ name: o.y[k]!, x: rows.map((r) => num(r[xi])), y: rows.map((r) => s * num(r[yi])), markers: true }));
  }
  return lineFigure(series, {
    xTitle: o.x,
    yTitle: o.yTitle ?? (o.y.length === 1 ? o.y[0]! : ""),
    ...(o.title ? { title: o.title } : t.title ? { title: t.title } : {}),
    ...(o.logX ? { logX: true } : {}),
    ...(o.logY ? { logY: true } : {}),
  });
}

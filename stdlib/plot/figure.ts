// Figures and tables as plain data: a Plotly figure spec (data, layout, optional frames for
// animation) and a table of rows. Renderers (SVG, HTML, text) live beside this file; the kernel
// only picks mime types. Nothing here knows about spikes or Jupyter.

export type PlotlyTrace = Readonly<Record<string, unknown>> & { readonly type?: string };

export interface Figure {
  readonly kind: "figure";
  readonly data: readonly PlotlyTrace[];
  readonly layout: Readonly<Record<string, unknown>>;
  /** Animation frames (Plotly `frames`): a raster that plays, a slider over T. */
  readonly frames?: readonly Readonly<Record<string, unknown>>[];
}

export type Cell = number | string | boolean | null;

/**
 * How a column's numbers are shown (stdlib/plot/table.ts): "percent" (a fraction as 99.12 %),
 * "percent:N" (N decimals), "count" (rounded, thousands separators), "si" (3 significant digits
 * and k/M/G), "fixed:N", "sig:N" (N significant digits, e.g. 71.99), or "auto" (the default; a
 * column named like accuracy/agreement/error whose values are all in [0, 1] is shown as percent).
 */
export type ColumnFormat = "auto" | "percent" | `percent:${number}` | "count" | "si" | `fixed:${number}` | `sig:${number}` | "text";

export interface Table {
  readonly kind: "table";
  readonly title?: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** Per-column number format (additive; absent or undefined = "auto"). */
  readonly formats?: readonly (ColumnFormat | undefined)[];
}

// The seam between the kernel's display and stdlib/plot's renderers (figure → SVG, figure →
// offline HTML, table → HTML/markdown/text). display.ts calls only this interface; swapping a
// renderer is one line here. It must not decide mime types (display.ts does).

import type { Figure, Table, Cell } from "../stdlib/plot/figure.ts";
import { figureHtml as plotFigureHtml } from "../stdlib/plot/html.ts";
import { figureSvg } from "../stdlib/plot/svg.ts";

export interface PlotRenderers {
  figureSvg(fig: Figure): string;
  /** A div + script calling Plotly.newPlot; `includeLibrary` embeds plotly.js itself (once per notebook). */
  figureHtml(fig: Figure, opts: { readonly includeLibrary: boolean }): string;
  tableHtml(t: Table): string;
  tableMarkdown(t: Table): string;
  tableText(t: Table): string;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function cellText(c: Cell): string {
  if (c === null) return "";
  if (typeof c === "number") return Number.isInteger(c) ? c.toLocaleString("en-US") : String(Number(c.toPrecision(6)));
  return String(c);
}

// Interim table renderers until stdlib/plot/table.ts lands (then: import them, delete these).
function tableText(t: Table): string {
  const cells = [t.columns.map(String), ...t.rows.map((r) => r.map(cellText))];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  const out = [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)];
  return (t.title ? `${t.title}\n` : "") + out.join("\n");
}

function tableMarkdown(t: Table): string {
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const head = `| ${t.columns.map(esc).join(" | ")} |\n|${t.columns.map(() => "---").join("|")}|`;
  const body = t.rows.map((r) => `| ${r.map((c) => esc(cellText(c))).join(" | ")} |`).join("\n");
  return (t.title ? `**${esc(t.title)}**\n\n` : "") + head + (body ? `\n${body}` : "");
}

function tableHtml(t: Table): string {
  const head = `<tr>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(cellText(c))}</td>`).join("")}</tr>`).join("");
  const caption = t.title ? `<caption>${escapeHtml(t.title)}</caption>` : "";
  return `<table class="spikelab-table">${caption}<thead>${head}</thead><tbody>${body}</tbody></table>`;
}

let nextDiv = 0;
const idPrefix = `spikelab-${process.pid}-${Date.now().toString(36)}`;

// No `fallbackSvg` inside the HTML: stdlib/plot's static SVG carries class "main-svg", which
// Plotly.newPlot then mistakes for its own and fails on; image/svg+xml covers no-JS viewers.
function figureHtml(fig: Figure, opts: { readonly includeLibrary: boolean }): string {
  return plotFigureHtml(fig, { includeLibrary: opts.includeLibrary, id: `${idPrefix}-${nextDiv++}` });
}

export const plotRenderers: PlotRenderers = { figureSvg, figureHtml, tableHtml, tableMarkdown, tableText };

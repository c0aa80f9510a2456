// The seam between the kernel's display and stdlib/plot's renderers (figure → SVG, figure →
// offline HTML, table → HTML/markdown/text). display.ts calls only this interface, so a test
// or another front end can swap a renderer here. It must not decide mime types (display.ts does).

import type { Figure, Table } from "../stdlib/plot/figure.ts";
import { figureHtml as plotFigureHtml } from "../stdlib/plot/html.ts";
import { figureSvg } from "../stdlib/plot/svg.ts";
import { tableHtml, tableMarkdown, tableText } from "../stdlib/plot/table.ts";

export interface PlotRenderers {
  figureSvg(fig: Figure): string;
  /** A div + script calling Plotly.newPlot; `includeLibrary` embeds plotly.js itself (once per notebook). */
  figureHtml(fig: Figure, opts: { readonly includeLibrary: boolean }): string;
  tableHtml(t: Table): string;
  tableMarkdown(t: Table): string;
  tableText(t: Table): string;
}

let nextDiv = 0;
// Unique per kernel process: two kernels' figures in one notebook must not share div ids.
const idPrefix = `spikelab-${process.pid}-${Date.now().toString(36)}`;

// The static SVG rides inside the HTML too: it shows where scripts do not run (an untrusted
// notebook in JupyterLab strips them) and gives way to the interactive plot where they do.
function figureHtml(fig: Figure, opts: { readonly includeLibrary: boolean }): string {
  return plotFigureHtml(fig, { includeLibrary: opts.includeLibrary, id: `${idPrefix}-${nextDiv++}`, fallbackSvg: figureSvg(fig) });
}

export const plotRenderers: PlotRenderers = { figureSvg, figureHtml, tableHtml, tableMarkdown, tableText };

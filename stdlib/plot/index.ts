// stdlib/plot's public surface: figure and table contracts, the renderers the kernel and the CLI
// use (SVG, offline HTML, table text/markdown/HTML), and the figure builders families call.
// It must not add behaviour of its own.

export type { Cell, ColumnFormat, Figure, PlotlyTrace, Table } from "./figure.ts";
export { figureSvg, type SvgOptions } from "./svg.ts";
export { figureHtml, figurePageHtml, plotlyJson, plotlyLibraryHtml, plotlySource, type FigureHtmlOptions } from "./html.ts";
export { columnFormats, formatAuto, formatCell, formatSi, tableHtml, tableMarkdown, tableText } from "./table.ts";
export { membraneFigure, rasterFigure, rasterLayers, type MembraneOptions, type MembraneTrace, type RasterLayerInfo, type RasterOptions, type TimeWindow } from "./raster.ts";
export {
  accuracyFigure, barFigure, errorVsOpsFigure, histogramFigure, lineFigure, rateHistogramFigure, scatterFigure, staircaseFigure,
  type AccuracyOptions, type AccuracySeries, type AxesOptions, type BarSeries, type HistogramGroup, type HistogramOptions,
  type OpsOptions, type OpsSeries, type RateGroup, type RefLine, type ScatterOptions, type Series, type StaircaseOutput,
} from "./charts.ts";
export { animate, rasterPlaybackFigure, sweepSliderFigure, type AnimateOptions, type AnimationFrame, type SweepStep } from "./animate.ts";
export { resultsTable, DEFAULT_ENERGY, type EnergyModel } from "./summary.ts";
export { autoBins, histogram, type Bins, type HistNorm } from "./histogram.ts";

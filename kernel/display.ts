// Turns the language's values into Jupyter mime bundles: figures as Plotly JSON + offline HTML +
// static SVG, tables as HTML/markdown/text, networks and SNNs as layer tables. It renders
// through stdlib/plot and must not execute anything or know about sockets.

import type { Value } from "../dsl/api.ts";
import type { Network } from "../stdlib/ir/network.ts";
import type { SimResult } from "../stdlib/ir/results.ts";
import { neuronCount, synapseCount, type SpikingNetwork } from "../stdlib/ir/spiking.ts";
import type { Figure, Table, Cell } from "../stdlib/plot/figure.ts";
import { plotRenderers, type PlotRenderers } from "./renderers.ts";
import { formatValue } from "../dsl/format.ts";
import { plotlyJson } from "../stdlib/plot/html.ts";
import { resultsTable } from "../stdlib/plot/summary.ts";

export type MimeBundle = Record<string, unknown>;

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

/**
 * One per kernel session: remembers whether plotly.js went out already, so the library is
 * embedded in the first figure's HTML only (once per notebook run, never from a CDN).
 */
export class Display {
  private libraryShown = false;
  constructor(private readonly renderers: PlotRenderers = plotRenderers) {}

  bundle(value: Value): MimeBundle {
    switch (value.kind) {
      case "figure":
        return this.figure(value.figure);
      case "table":
        return this.table(value.table);
      case "network":
        return this.table(networkTable(value.network, value.accuracy));
      case "snn":
        return this.table(snnTable(value.snn));
      case "result":
        return this.table(resultTable(value.result));
      default:
        return { "text/plain": formatValue(value) };

    }
  }

  figure(fig: Figure): MimeBundle {
    const includeLibrary = !this.libraryShown;
    this.libraryShown = true;
    const bundle: MimeBundle = {
      [PLOTLY_MIME]: plotlyJson(fig),
      "text/html": this.renderers.figureHtml(fig, { includeLibrary }),
      "image/svg+xml": this.renderers.figureSvg(fig),
      "text/plain": figureSummary(fig),
    };
    return bundle;
  }

  table(t: Table): MimeBundle {
    return {
      "text/html": this.renderers.tableHtml(t),
      "text/markdown": this.renderers.tableMarkdown(t),
      "text/plain": this.renderers.tableText(t),
    };
  }
}

function figureSummary(fig: Figure): string {
  const title = titleOf(fig.layout);
  const n = fig.data.length;
  return `<figure${title ? ` '${title}'` : ""}: ${n} trace${n === 1 ? "" : "s"}>`;
}

function titleOf(layout: Readonly<Record<string, unknown>>): string | undefined {
  const t = layout.title;
  if (typeof t === "string") return t;
  if (typeof t === "object" && t !== null && typeof (t as { text?: unknown }).text === "string") return (t as { text: string }).text;
  return undefined;
}

export function networkTable(net: Network, accuracy?: number): Table {
  const rows: Cell[][] = net.nodes.map((n) => {
    const params = Object.values(n.params).reduce((a, t) => a + t.data.length, 0);
    return [n.id, describeOp(n.op), n.shape.join("×"), params];
  });
  const total = rows.reduce((a, r) => a + (r[3] as number), 0);
  rows.push(["total", "", "", total]);
  const acc = accuracy === undefined ? "" : `, accuracy ${(accuracy * 100).toFixed(2)}%`;
  return { kind: "table", title: `network ${net.name}${acc}`, columns: ["layer", "op", "shape", "parameters"], rows, formats: ["text", "text", "text", "count"] };
}

function describeOp(op: Network["nodes"][number]["op"]): string {
  switch (op.kind) {
    case "conv":
      return `conv ${op.filters} ${op.kernel[0]}×${op.kernel[1]}` + (op.stride[0] > 1 ? ` stride ${op.stride[0]}` : "") + (op.padding[0] > 0 ? ` pad ${op.padding[0]}` : "");
    case "dense":
      return `dense ${op.units}`;
    case "avgpool":
    case "maxpool":
      return `${op.kind} ${op.kernel[0]}×${op.kernel[1]}`;
    case "dropout":
      return `dropout ${op.rate}`;
    default:
      return op.kind;
  }
}

export function snnTable(snn: SpikingNetwork): Table {
  const rows: Cell[][] = snn.populations.map((p) => {
    const incoming = snn.projections.filter((q) => q.to === p.id);
    const synapses = incoming.reduce((a, q) => a + synapseCount(snn, q), 0);
    const neurons = p.shape.reduce((a, b) => a * b, 1);
    return [p.id, p.neuron.kind, p.shape.join("×"), neurons, synapses];
  });
  const synapses = snn.projections.reduce((a, q) => a + synapseCount(snn, q), 0);
  rows.push(["total", "", "", neuronCount(snn), synapses]);
  return {
    kind: "table",
    title: `spiking network ${snn.name} (${snn.family}, ${snn.encoder.kind} input, ${snn.readout.kind} read-out)`,
    columns: ["population", "neuron", "shape", "neurons", "synapses"],
    rows,
    formats: ["text", "text", "text", "count", "count"],
  };
}

export function resultTable(r: SimResult): Table {
  return resultsTable([r], {}, `simulation of ${r.network} on ${r.data}${r.partial ? " (interrupted: partial)" : ""}`);
}

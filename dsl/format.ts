// Values as one line of plain text, for `print`, the CLI and text/plain displays. Rich
// renderings (HTML tables, figures) are the kernel's and stdlib/plot's; this must stay plain.

import type { Network } from "../stdlib/ir/network.ts";
import { neuronCount } from "../stdlib/ir/spiking.ts";
import type { Table } from "../stdlib/plot/figure.ts";
import { formatCell, tableText as renderTableText } from "../stdlib/plot/table.ts";
import { RESULT_FORMATS } from "../stdlib/plot/summary.ts";
import type { Value } from "./api.ts";
import { formatQuantity } from "./units.ts";
import { dimensionOf, formatNum } from "./values.ts";

function paramCount(net: Network): number {
  let n = 0;
  for (const node of net.nodes) for (const t of Object.values(node.params)) n += t.data.length;
  return n;
}

function pct(x: number): string {
  return Number.isFinite(x) ? formatCell(x, RESULT_FORMATS.fraction) : "n/a";
}

/**
 * A table as aligned plain-text columns: stdlib/plot/table.ts's rendering (each column in its
 * format), the same text a notebook shows, without the final newline.
 */
export function tableText(t: Table): string {
  return renderTableText(t).replace(/\n$/, "");
}

/** One value as text (lists and records recursively, capped so a huge list cannot flood the output). */
export function formatValue(v: Value, depth = 0): string {
  switch (v.kind) {
    case "number":
      return v.unit === undefined ? formatNum(v.value) : formatQuantity({ value: v.value, dimension: dimensionOf(v) });
    case "string":
      return depth === 0 ? v.value : JSON.stringify(v.value);
    case "bool":
      return String(v.value);
    case "none":
      return "none";
    case "list": {
      const shown = v.items.slice(0, 20).map((i) => formatValue(i, depth + 1));
      return `[${shown.join(", ")}${v.items.length > 20 ? `, … (${v.items.length} items)` : ""}]`;
    }
    case "record":
      return `{ ${[...v.fields].map(([k, x]) => `${k}: ${formatValue(x, depth + 1)}`).join(", ")} }`;
    case "datasource":
      return `${v.label}: ${v.source.counts.train} train / ${v.source.counts.test} test samples of ${v.source.shape.join("x")}, ${v.source.classes} classes`;
    case "dataset":
      return `${v.label}: ${v.dataset.count} samples of ${v.dataset.shape.join("x")}`;
    case "network": {
      const p = paramCount(v.network);
      const layers = v.network.nodes.length - 1;
      const out = v.network.nodes[v.network.nodes.length - 1]?.shape.join("x") ?? "?";
      return `network ${v.network.name}: ${layers} layers, ${v.network.nodes[0]?.shape.join("x")} → ${out}, ${p > 0 ? `${p} parameters` : "not trained"}${v.accuracy !== undefined ? `, accuracy ${pct(v.accuracy)}` : ""}`;
    }
    case "rules": {
      const r = v.rules;
      return `conversion ${r.name} (${r.family})${r.extends.length > 0 ? ` extends ${r.extends.join(" → ")}` : ""}`;
    }
    case "snn":
      return `spiking network ${v.snn.name} (${v.snn.family}): ${v.snn.populations.length} populations, ${neuronCount(v.snn)} neurons`;
    case "result": {
      const r = v.result;
      return `${r.network} on ${r.data} (${r.family}): accuracy ${pct(r.accuracy)} (ANN ${pct(r.annAccuracy)}), agreement ${pct(r.agreement)}${r.partial ? " [interrupted: partial]" : ""}`;
    }
    case "figure":
      return `figure${typeof v.figure.layout.title === "string" ? `: ${v.figure.layout.title}` : ""}`;
    case "table":
      return tableText(v.table);
  }
}

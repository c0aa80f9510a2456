// Small readers of the SVG text figureSvg writes, for tests: counts by class, tick labels and
// positions, element attributes. Regular expressions suffice because the writer is ours and
// deterministic (one element per tag, attributes in a fixed order).

export function countClass(svg: string, tag: string, cls: string): number {
  const re = new RegExp(`<${tag} class="${cls}"`, "g");
  return (svg.match(re) ?? []).length;
}

/** The <g class="…axis" data-axis="id"> group of one axis. */
export function axisGroup(svg: string, id: string): string {
  const start = svg.indexOf(`data-axis="${id}"`);
  if (start < 0) return "";
  const end = svg.indexOf("</g>", start);
  return svg.slice(start, end);
}

export interface TickText {
  readonly label: string;
  readonly x: number;
  readonly y: number;
}

/** Tick labels of an axis, with their positions (x for x ticks, y for y ticks). */
export function tickTexts(svg: string, id: string): TickText[] {
  const g = axisGroup(svg, id);
  const cls = id[0] === "x" ? "xtick" : "ytick";
  const re = new RegExp(`<text class="${cls}" x="([-\\d.]+)" y="([-\\d.]+)"[^>]*>(.*?)</text>`, "g");
  return [...g.matchAll(re)].map((m) => ({ x: Number(m[1]), y: Number(m[2]), label: m[3]!.replace(/<[^>]+>/g, "") }));
}

export function tickLabels(svg: string, id: string): string[] {
  return tickTexts(svg, id).map((t) => t.label);
}

/** Every `d` attribute of paths with this class. */
export function pathsOf(svg: string, cls: string): string[] {
  return [...svg.matchAll(new RegExp(`<path class="${cls}" d="([^"]*)"`, "g"))].map((m) => m[1]!);
}

// Progress bars for long cells: one display per running task (by label), first shown as
// display_data with a display_id and then updated in place with update_display_data, at most
// a few times a second. It formats and throttles; it must not know how the bundle is sent.

import type { Progress } from "../stdlib/context.ts";
import type { MimeBundle } from "./display.ts";

export interface ProgressSink {
  /** `update` false: a new display with this id; true: replace that display's content. */
  show(bundle: MimeBundle, displayId: string, update: boolean): void;
}

interface Bar {
  readonly id: string;
  readonly startedMs: number;
  shown: boolean;
  lastSentMs: number;
  pending: Progress | undefined;
}

export class ProgressDisplay {
  private readonly bars = new Map<string, Bar>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the last report arrived (at first: when the cell started). */
  private lastReportMs: number;

  constructor(
    private readonly sink: ProgressSink,
    private readonly idPrefix: string,
    private readonly intervalMs = 200,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastReportMs = now();
  }

  report(p: Progress): void {
    let bar = this.bars.get(p.label);
    const t = this.now();
    if (bar === undefined) {
      // Tasks of a cell run one after another and report first when their first item is done:
      // a task started when the one before it last reported (or when the cell started).
      bar = { id: `${this.idPrefix}-${this.bars.size}`, startedMs: this.lastReportMs, shown: false, lastSentMs: -Infinity, pending: undefined };
      this.bars.set(p.label, bar);
    }
    this.lastReportMs = t;
    bar.pending = p;
    // The first report, the last one and anything after a quiet interval go out at once;
    // the rest wait for the timer, which sends only the newest.
    if (!bar.shown || p.done >= p.total || t - bar.lastSentMs >= this.intervalMs) this.send(bar);
    else this.schedule();
  }

  /** Sends what is pending (the cell ended): the bar shows the final state. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const bar of this.bars.values()) if (bar.pending !== undefined) this.send(bar);
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const bar of this.bars.values()) if (bar.pending !== undefined) this.send(bar);
    }, this.intervalMs);
    this.timer.unref?.();
  }

  private send(bar: Bar): void {
    const p = bar.pending!;
    bar.pending = undefined;
    const t = this.now();
    bar.lastSentMs = t;
    this.sink.show(progressBundle(p, (t - bar.startedMs) / 1000), bar.id, bar.shown);
    bar.shown = true;
  }
}

function seconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

function compact(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A text bar and an HTML bar for one progress report `elapsedS` seconds after the task started. */
export function progressBundle(p: Progress, elapsedS: number): MimeBundle {
  const total = Math.max(p.total, 0);
  const frac = total > 0 ? Math.min(1, p.done / total) : 0;
  const eta = p.done > 0 && p.done < total ? (elapsedS * (total - p.done)) / p.done : p.done >= total ? 0 : Infinity;
  const width = 30;
  const filled = Math.round(frac * width);
  const figures = Object.entries(p.figures ?? {}).map(([k, v]) => `${k} ${compact(v)}`);
  const parts = [`${p.done}/${total} ${p.unit}`, ...figures, `elapsed ${seconds(elapsedS)}`, p.done >= total ? "done" : `ETA ${seconds(eta)}`];
  const text = `${p.label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(frac * 100).toFixed(0)}% ${parts.join(" · ")}`;
  const html =
    `<div class="spikelab-progress" style="font-family:monospace">` +
    `<span>${escapeHtml(p.label)}</span> ` +
    `<progress value="${p.done}" max="${total}" style="width:16em;vertical-align:middle"></progress> ` +
    `<span>${(frac * 100).toFixed(0)}% · ${parts.map(escapeHtml).join(" · ")}</span></div>`;
  return { "text/plain": text, "text/html": html };
}

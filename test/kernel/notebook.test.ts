// A notebook with raster plots run headless under the kernel (nbconvert --execute), exported
// to HTML and opened in Chromium offline: the interactive plot must draw, with one marker per
// spike, and plotly.js must be embedded once per notebook.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hasChromium, openFile } from "../helpers/browser.ts";
import { hasCommand, withTool } from "../helpers/outside.ts";
import { ROOT } from "./client.ts";
import { FAKE_RECORDS } from "./fake-interpreter.ts";

const JUPYTER = "/usr/bin/jupyter";
const FIXTURE = join(ROOT, "notebooks/fixtures/kernel-raster.ipynb");
// Until the language's `plot raster` runs a simulation end to end, the notebook runs under the
// kernel with the fake interpreter, whose `plot` draws a real stdlib/plot raster of FAKE_RECORDS.
// The swap: KERNEL_ARGV = the argv `spikelab install` writes, and the fixture's cells in the language.
const KERNEL_ARGV = [process.execPath, "--import", "tsx", join(ROOT, "test/kernel/fake-kernel.ts"), "--connection-file", "{connection_file}"];
const SPIKES = FAKE_RECORDS.reduce((a, r) => a + r.neuron.length, 0);

type Output = { output_type: string; data?: Record<string, string | string[] | object>; text?: string | string[]; execution_count?: number };
type Nb = { cells: { cell_type: string; source: string | string[]; outputs?: Output[]; execution_count?: number | null }[] };
const joined = (x: string | string[] | undefined) => (Array.isArray(x) ? x.join("") : (x ?? ""));

const tools = hasCommand(JUPYTER, ["nbconvert", "--version"]) && hasChromium();
const it = withTool(test, tools, "jupyter nbconvert and chromium", "apt-get install jupyter-nbconvert python3-nbclient chromium");

let dir = "";
test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "spikelab-nb-"));
  const spec = join(dir, "jupyter", "kernels", "spikelab");
  mkdirSync(spec, { recursive: true });
  writeFileSync(join(spec, "kernel.json"), JSON.stringify({ argv: KERNEL_ARGV, display_name: "spikelab", language: "spikelab", interrupt_mode: "message" }));
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function jupyter(args: string[]): void {
  const r = spawnSync(JUPYTER, args, { encoding: "utf8", timeout: 180_000, env: { ...process.env, JUPYTER_PATH: join(dir, "jupyter"), JUPYTER_RUNTIME_DIR: join(dir, "runtime") } });
  assert.is(r.status, 0, `jupyter ${args[0]} failed:\n${r.stderr}`);
}

it("nbconvert --execute runs every cell under the kernel; plotly.js is embedded once", () => {
  jupyter(["nbconvert", "--to", "notebook", "--execute", FIXTURE, "--output-dir", dir, "--output", "executed.ipynb"]);
  const nb = JSON.parse(readFileSync(join(dir, "executed.ipynb"), "utf8")) as Nb;
  const cells = nb.cells.filter((c) => c.cell_type === "code");
  assert.equal(cells.map((c) => c.execution_count), [1, 2, 3, 4, 5]);
  assert.is(joined(cells[0]!.outputs![0]!.text), "hello from spikelab\n");
  assert.is(joined(cells[3]!.outputs![0]!.data!["text/plain"] as string[]), "3");
  const figures = cells.flatMap((c) => c.outputs!).filter((o) => o.output_type === "display_data");
  assert.is(figures.length, 2);
  for (const f of figures) {
    assert.equal(Object.keys(f.data!).sort(), ["application/vnd.plotly.v1+json", "image/svg+xml", "text/html", "text/plain"]);
    const spec = f.data!["application/vnd.plotly.v1+json"] as { data: { x: number[] }[] };
    assert.is(spec.data.reduce((a, t) => a + t.x.length, 0), SPIKES);
    assert.is((joined(f.data!["image/svg+xml"] as string[]).match(/class="point"/g) ?? []).length, SPIKES);
  }
  const withLibrary = figures.map((f) => joined(f.data!["text/html"] as string[]).includes("embedded by spikelab for offline use"));
  assert.equal(withLibrary, [true, false]);
  // Each carries the static SVG for viewers that run no scripts.
  for (const f of figures) assert.match(joined(f.data!["text/html"] as string[]), /class="spikelab-static"><svg/);
  // Offline: no output loads a script from anywhere (plotly.js's own source mentions URLs, so look at src=).
  assert.not.match(JSON.stringify(nb), /<script[^>]*\ssrc=/);
});

it("its HTML export draws both rasters in Chromium offline, one marker per spike", async () => {
  jupyter(["nbconvert", "--to", "html", join(dir, "executed.ipynb"), "--output-dir", dir]);
  const page = await openFile(join(dir, "executed.html"));
  try {
    // Page code as strings: the project compiles without the DOM library.
    await page.page.waitForFunction('document.querySelectorAll(".js-plotly-plot").length === 2', undefined, { timeout: 60_000 });
    const markers = await page.page.evaluate<number[]>('[...document.querySelectorAll(".js-plotly-plot")].map((p) => p.querySelectorAll(".main-svg path.point").length)');
    assert.equal(markers, [SPIKES, SPIKES]);
    // The static SVG fallbacks gave way to the interactive plots.
    await page.page.waitForFunction('document.querySelectorAll(".spikelab-static").length === 0', undefined, { timeout: 10_000 });
    assert.equal(page.blocked.filter((u) => /plot/i.test(u)), []);
    // Debian's nbconvert template loads require.js (libjs-requirejs, installed by .ci/run, so the
    // classic Notebook's AMD loader is on the page) and MathJax from /usr/share/javascript; only
    // MathJax, which these outputs do not use, may be missing.
    assert.equal(page.errors.filter((e) => !/ERR_FILE_NOT_FOUND/.test(e)), []);
    assert.ok(await page.page.evaluate<boolean>('typeof window.require === "function" && typeof window.define === "function"'), "require.js was on the page");
  } finally {
    await page.close();
  }
});

test.run();

// A notebook with raster plots run headless under the real kernel (nbconvert --execute), exported
// to HTML and opened in Chromium offline: the interactive plot must draw, with one marker per
// spike, and plotly.js must be embedded once per notebook.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { hasChromium, openFile } from "../helpers/browser.ts";
import { hasCommand, withTool } from "../helpers/outside.ts";
import { ROOT } from "./client.ts";
import { createInterpreter } from "../../dsl/interpreter.ts";
import { createPool } from "../../stdlib/tensor/pool.ts";

const JUPYTER = "/usr/bin/jupyter";
const FIXTURE = join(ROOT, "notebooks/fixtures/kernel-raster.ipynb");

type Output = { output_type: string; data?: Record<string, string | string[] | object>; text?: string | string[]; execution_count?: number };
type Nb = { cells: { cell_type: string; source: string | string[]; outputs?: Output[]; execution_count?: number | null }[] };
const joined = (x: string | string[] | undefined) => (Array.isArray(x) ? x.join("") : (x ?? ""));

/** The spikes the raster must show, found without the kernel: the fixture's cells run in-process. */
async function expectedSpikes(): Promise<number> {
  const nb = JSON.parse(readFileSync(FIXTURE, "utf8")) as Nb;
  const it = createInterpreter({ baseDir: join(ROOT, "notebooks/fixtures") });
  const pool = createPool(2);
  try {
    for (const c of nb.cells.filter((c) => c.cell_type === "code")) {
      const r = await it.execute(joined(c.source), "cell", { emit: () => {}, pool });
      assert.ok(r.ok, `fixture cell failed in-process: ${joined(c.source)}`);
    }
  } finally {
    await pool.close();
  }
  const v = it.names().get("result");
  assert.ok(v?.kind === "result");
  return v.result.records.filter((r) => r.sample === 0).reduce((a, r) => a + r.neuron.length, 0);
}

const tools = hasCommand(JUPYTER, ["nbconvert", "--version"]) && hasChromium();
const it = withTool(test, tools, "jupyter nbconvert and chromium", "apt-get install jupyter-nbconvert python3-nbclient chromium");

let dir = "";
let SPIKES = 0;
test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), "spikelab-nb-"));
  const inst = spawnSync(process.execPath, [join(ROOT, "kernel/bin.js"), "install", "--prefix", join(dir, "prefix")], { encoding: "utf8" });
  assert.is(inst.status, 0, inst.stderr);
  SPIKES = await expectedSpikes();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

function jupyter(args: string[]): void {
  const r = spawnSync(JUPYTER, args, { encoding: "utf8", timeout: 180_000, env: { ...process.env, JUPYTER_PATH: join(dir, "prefix", "share", "jupyter"), JUPYTER_RUNTIME_DIR: join(dir, "runtime") } });
  assert.is(r.status, 0, `jupyter ${args[0]} failed:\n${r.stderr}`);
}

it("nbconvert --execute runs every cell under the kernel; plotly.js is embedded once", () => {
  jupyter(["nbconvert", "--to", "notebook", "--execute", FIXTURE, "--output-dir", dir, "--output", "executed.ipynb"]);
  const nb = JSON.parse(readFileSync(join(dir, "executed.ipynb"), "utf8")) as Nb;
  const cells = nb.cells.filter((c) => c.cell_type === "code");
  assert.equal(cells.map((c) => c.execution_count), [1, 2, 3, 4, 5, 6]);
  assert.is(joined(cells[0]!.outputs![0]!.text), "hello from spikelab\n");
  assert.ok(SPIKES > 20, `the raster has ${SPIKES} spikes`);
  // The result displays as the summary table.
  const result = cells[4]!.outputs!.find((o) => o.output_type === "execute_result")!;
  assert.match(joined(result.data!["text/plain"] as string[]), /^simulation of tiny_rueckauer2017|accuracy/m);
  const displays = cells.flatMap((c) => c.outputs!).filter((o) => o.output_type === "display_data");
  const figures = displays.filter((o) => "application/vnd.plotly.v1+json" in o.data!);
  const bars = displays.filter((o) => !("application/vnd.plotly.v1+json" in o.data!)).map((o) => joined(o.data!["text/plain"] as string[]));
  // Progress bars were updated in place to their final state (nbconvert applies update_display_data).
  assert.is(bars.length, 3);
  assert.match(bars[0]!, /^train tiny \[#{30}\] 100% 2\/2 epochs · loss [\d.]+ · accuracy [\d.]+ · elapsed [\d.]+ s · done$/);
  assert.match(bars[1]!, /^normalise tiny on synthetic_blobs \[#{30}\] 100% 400\/400 images · elapsed [\d.]+ s · done$/);
  assert.match(bars[2]!, /^simulate tiny_rueckauer2017 \[#{30}\] 100% 20\/20 images · elapsed [\d.]+ s · done$/);
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

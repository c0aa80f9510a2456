// A notebook whose outputs carry spikelab figures (plotly.js in the first output only, as the
// kernel emits it), exported by Debian's `jupyter nbconvert --to html` with the lab and classic
// templates (both load require.js), opened offline in Chromium: every figure is drawn with all
// its markers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { accuracyFigure } from "../../stdlib/plot/charts.ts";
import { figureHtml, plotlyJson } from "../../stdlib/plot/html.ts";
import { rasterFigure } from "../../stdlib/plot/raster.ts";
import { figureSvg } from "../../stdlib/plot/svg.ts";
import { hasChromium, openFile } from "../helpers/browser.ts";
import { hasCommand, withTool } from "../helpers/outside.ts";

const NBCONVERT = "/usr/bin/jupyter-nbconvert";
const it = withTool(test, hasChromium() && hasCommand(NBCONVERT, ["--version"]), "Chromium and jupyter-nbconvert", "apt-get install chromium jupyter-nbconvert");

const raster = rasterFigure([
  { sample: 0, layer: "l1", neurons: 8, neuron: Int32Array.from([0, 3, 5, 7, 1]), time: Float64Array.from([0, 1, 1, 2, 4]) },
  { sample: 0, layer: "l2", neurons: 4, neuron: Int32Array.from([2, 0, 1]), time: Float64Array.from([1, 3, 4]) },
]);
const acc = accuracyFigure([{ name: "SNN", time: [1, 2, 3, 4, 5], accuracy: [0.2, 0.5, 0.8, 0.9, 0.95] }], { ann: 0.96 });

function output(fig: typeof raster, id: string, first: boolean): Record<string, unknown> {
  return {
    output_type: "display_data",
    metadata: {},
    data: {
      "application/vnd.plotly.v1+json": plotlyJson(fig),
      "text/html": figureHtml(fig, { includeLibrary: first, id }),
      "image/svg+xml": figureSvg(fig),
      "text/plain": "<Figure>",
    },
  };
}

const notebook = {
  nbformat: 4, nbformat_minor: 5,
  metadata: { kernelspec: { name: "spikelab", display_name: "spikelab", language: "spikelab" }, language_info: { name: "spikelab" } },
  cells: [
    { cell_type: "code", id: "a1", execution_count: 1, metadata: {}, source: "plot raster snn sample 0", outputs: [output(raster, "fig-raster", true)] },
    { cell_type: "markdown", id: "a2", metadata: {}, source: "Accuracy:" },
    { cell_type: "code", id: "a3", execution_count: 2, metadata: {}, source: "plot accuracy over time result", outputs: [output(acc, "fig-acc", false)] },
  ],
};

for (const template of ["lab", "classic"]) {
  it(`nbconvert --to html (${template} template) shows every figure offline`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "spikelab-nbconvert-"));
    try {
      writeFileSync(join(dir, "n.ipynb"), JSON.stringify(notebook));
      const r = spawnSync(NBCONVERT, ["--to", "html", "--template", template, "--output", "n", join(dir, "n.ipynb")], { cwd: dir, encoding: "utf8", env: { ...process.env, PATH: `/usr/bin:${process.env.PATH ?? ""}` } });
      assert.is(r.status, 0, r.stderr);
      const html = readFileSync(join(dir, "n.html"), "utf8");
      assert.is(html.split("(function (define, module, exports, require)").length - 1, 1, "plotly.js embedded once");
      const o = await openFile(join(dir, "n.html"));
      try {
        await o.page.waitForSelector("#fig-acc .plot-container", { timeout: 60_000 });
        await o.page.waitForSelector("#fig-raster .plot-container", { timeout: 60_000 });
        assert.is(await o.page.locator("#fig-raster path.point").count(), 8);
        assert.is(await o.page.locator("#fig-acc path.point").count(), 5);
        assert.equal(o.pageErrors, []);
        // Debian's templates load require.js from /usr/share/javascript: the AMD loader that
        // would capture plotly.js's UMD header was really there.
        assert.is(await o.page.evaluate("typeof define === 'function' && !!define.amd"), true);
        assert.ok(o.blocked.every((u) => !/plotly/i.test(u)), `no plotly fetched: ${o.blocked.join(", ")}`);
      } finally {
        await o.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();

// Interop speed (issue 8): ONNX import and export of the PyTorch-made fixtures, and NIR export of a
// rate-converted network. CPU milliseconds per call, best of several runs; no data leaves the machine.
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportNir } from "../stdlib/io/nir.ts";
import { encodeOnnx, importOnnx } from "../stdlib/io/onnx.ts";
import { FIXTURES, toRate } from "../test/io/pytorch-fixtures.ts";

function best(runs: number, f: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = process.cpuUsage();
    f();
    const d = process.cpuUsage(t0);
    min = Math.min(min, (d.user + d.system) / 1000);
  }
  return min;
}

export default async function bench(): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  for (const name of ["bn_maxpool", "residual"]) {
    const bytes = readFileSync(`${FIXTURES}${name}.onnx`);
    const net = importOnnx(bytes, { file: name });
    figures[`onnx_import_${name}_ms`] = best(10, () => void importOnnx(bytes, { file: name }));
    figures[`onnx_export_${name}_ms`] = best(10, () => void encodeOnnx(net));
  }
  const dir = mkdtempSync(join(tmpdir(), "spikelab-bench-nir-"));
  const snn = await toRate(importOnnx(readFileSync(`${FIXTURES}residual.onnx`), { name: "residual" }), 500, { reset: "zero" });
  await exportNir(snn, join(dir, "warm.nir"));
  let min = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await exportNir(snn, join(dir, `r${i}.nir`));
    min = Math.min(min, performance.now() - t0);
  }
  figures.nir_export_residual_ms_wall = min;
  return figures;
}

// One chunk of a TTFS run, as a worker or this thread computes it: the spiking network on the
// chunk's images plus the source ANN's own predictions on them. Records are numbered by sample
// index in the run; jitter seeds by global sample number. No orchestration here.

import type { Network } from "../../ir/network.ts";
import type { Plan } from "./plan.ts";
import { runChunk, type ChunkResult, type RunOptions } from "./run.ts";
import { annPredictions } from "./reference.ts";
import type { SumsBackend } from "./sums.ts";

/** Run options with the rule set's defaults applied, plus the ANN's input range. */
export interface ResolvedOptions extends RunOptions {
  readonly annRange: readonly [number, number];
  /** Run the source ANN for agreement. */
  readonly ann: boolean;
}

export interface Chunk {
  /** Index of the chunk's first sample in the run. */
  readonly start: number;
  readonly sim: ChunkResult;
  readonly ann64: Int32Array;
  readonly ann32: Int32Array;
  /** Samples the ANN's float64 forward was run on (close calls and disagreements). */
  readonly annChecked: number;
}

/** Samples [first, first + count) of the run (`images` holds exactly them); `globalFirst` is the first's number in its split. */
export function simulateChunk(plan: Plan, source: Network, images: Float32Array, count: number, first: number, globalFirst: number, o: ResolvedOptions, backend: SumsBackend): Chunk {
  // Records are asked for by index in the run; runChunk takes global sample numbers.
  const shift = globalFirst - first;
  const sim = runChunk(plan, images, count, globalFirst, { ...o, record: [o.record[0] + shift, o.record[1] + shift] }, backend);
  const records = sim.records.map((r) => ({ ...r, sample: r.sample - shift }));
  const ann = o.ann ? annPredictions(source, images, count, o.annRange, sim.predictions) : { float64: new Int32Array(count).fill(-1), float32: new Int32Array(count).fill(-1), checked: 0 };
  return { start: first, sim: { ...sim, records }, ann64: ann.float64, ann32: ann.float32, annChecked: ann.checked };
}

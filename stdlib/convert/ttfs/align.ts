// Time windows of the canonical DAG. A TTFS layer reads spikes from the window right before its
// own, so every stage gets a level (its window): the input 0, a layer one more than the latest of
// its inputs, a max pool its input's. An input from an earlier window is carried forward by relay
// stages, one window each: identity neurons with bias 0, exact because ReLU(w·x) = w·x for the
// x ≥ 0 they carry (scale.ts then brings w = 1 below the weight-sum bound and compensates).
// A source's relays are shared by all its readers. No data, no spike times here.

import { sizeOf } from "../../tensor/tensor.ts";
import { chw, type LinearStage, type Stage } from "./stages.ts";

export interface Aligned {
  /** Topological order, relays inserted right before their first reader. */
  readonly stages: readonly Stage[];
  /** Per stage, its window: 1 for the layers reading the input, … (the read-out's is one past the last hidden window). */
  readonly levels: readonly number[];
  /** Indices of the relay stages. */
  readonly relays: readonly number[];
}

export function alignWindows(stages: readonly Stage[], inputId: string, inputShape: readonly number[]): Aligned {
  const out: Stage[] = [];
  const levels: number[] = [];
  const relays: number[] = [];
  /** Per new stage, the id of the stage whose value it carries (itself unless a relay). */
  const carries: string[] = [];
  const ids = new Set<string>([inputId, ...stages.map((s) => s.id)]);
  const remap: number[] = [];
  const memo = new Map<string, number>();
  const levelOf = (i: number): number => (i < 0 ? 0 : levels[i]!);
  const shapeOf = (i: number): readonly number[] => (i < 0 ? inputShape : out[i]!.outShape);

  /** Stage `src` (a new index) as seen from window `level`: itself, or its relay there. */
  const carry = (src: number, level: number): number => {
    if (levelOf(src) === level) return src;
    if (levelOf(src) > level) throw new Error(`alignWindows: stage ${src} lies in window ${levelOf(src)}, after ${level}`);
    const key = `${src}@${level}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const prev = carry(src, level - 1);
    const shape = shapeOf(src);
    const [c] = chw(shape);
    const name = src < 0 ? inputId : carries[src]!;
    let id = `${name}~${level}`;
    for (let k = 2; ids.has(id); k++) id = `${name}~${level}#${k}`;
    ids.add(id);
    const relay: LinearStage = {
      kind: "linear", id, origin: "relay",
      inputs: [{ src: prev, geometry: { kind: "identity" }, inShape: shape, weight: new Float64Array(c).fill(1), weightShape: [c], offset: 0 }],
      outShape: shape, bias: new Float64Array(sizeOf(shape)), relu: true,
    };
    out.push(relay);
    levels.push(level);
    carries.push(name);
    relays.push(out.length - 1);
    memo.set(key, out.length - 1);
    return out.length - 1;
  };

  for (const s of stages) {
    if (s.kind === "maxpool") {
      const src = s.src < 0 ? -1 : remap[s.src]!;
      out.push({ ...s, src });
      levels.push(levelOf(src));
    } else {
      const srcs = s.inputs.map((i) => (i.src < 0 ? -1 : remap[i.src]!));
      const level = 1 + Math.max(...srcs.map(levelOf));
      const inputs = s.inputs.map((inp, k) => ({ ...inp, src: carry(srcs[k]!, level - 1) }));
      out.push({ ...s, inputs });
      levels.push(level);
    }
    carries.push(s.id);
    remap.push(out.length - 1);
  }
  return { stages: out, levels, relays };
}

// Synaptic fan-out of every gate neuron in an AMOS network: how many target neurons (the next
// gates' units, or the read-out) one spike reaches through the linear layers after it, counted
// per position (exact at padded borders and for strided convolutions). Spikes × fan-out are the
// synaptic operations. Structure only: it must not look at weight values or run anything.

import type { Network, Node } from "../../ir/network.ts";
import { sizeOf } from "../../tensor/tensor.ts";

const isGate = (n: Node): boolean => n.op.kind === "relu" || n.op.kind === "sigmoid" || n.op.kind === "silu";

/** The node whose values are the scores: the last node, or what a trailing softmax reads. */
export function scoreOf(net: Network): Node {
  const last = net.nodes[net.nodes.length - 1]!;
  return last.op.kind === "softmax" ? net.nodes.find((n) => n.id === last.inputs[0])! : last;
}

/**
 * Adds to `tin` (the input's per-sample fan-out) what `n`'s connectivity carries back from `tout`:
 * each input value reaches every output its op connects it to (paths through overlapping pools
 * count once per path).
 */
function carryBack(n: Node, inShape: readonly number[], tout: Float64Array, tin: Float64Array, inputIndex: number, net: Network): void {
  const op = n.op;
  switch (op.kind) {
    case "conv": {
      const [C, H, W] = inShape as [number, number, number];
      const [OC, OH, OW] = n.shape as [number, number, number];
      const [kh, kw] = op.kernel, [sh, sw] = op.stride, [ph, pw] = op.padding;
      const inPerGroup = C / op.groups, outPerGroup = OC / op.groups;
      for (let oc = 0; oc < OC; oc++) {
        const g = Math.floor(oc / outPerGroup);
        for (let oy = 0; oy < OH; oy++) {
          for (let ox = 0; ox < OW; ox++) {
            const t = tout[(oc * OH + oy) * OW + ox]!;
            if (t === 0) continue;
            for (let ic = g * inPerGroup; ic < (g + 1) * inPerGroup; ic++) {
              for (let ky = 0; ky < kh; ky++) {
                const iy = oy * sh - ph + ky;
                if (iy < 0 || iy >= H) continue;
                for (let kx = 0; kx < kw; kx++) {
                  const ix = ox * sw - pw + kx;
                  if (ix < 0 || ix >= W) continue;
                  tin[(ic * H + iy) * W + ix]! += t;
                }
              }
            }
          }
        }
      }
      return;
    }
    case "dense": {
      let s = 0;
      for (const t of tout) s += t;
      for (let i = 0; i < tin.length; i++) tin[i]! += s;
      return;
    }
    case "avgpool":
    case "maxpool": {
      const [C, H, W] = inShape as [number, number, number];
      const [, OH, OW] = n.shape as [number, number, number];
      const [kh, kw] = op.kernel, [sh, sw] = op.stride, [ph, pw] = op.padding;
      for (let c = 0; c < C; c++) {
        for (let oy = 0; oy < OH; oy++) {
          for (let ox = 0; ox < OW; ox++) {
            const t = tout[(c * OH + oy) * OW + ox]!;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - ph + ky;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - pw + kx;
                if (ix >= 0 && ix < W) tin[(c * H + iy) * W + ix]! += t;
              }
            }
          }
        }
      }
      return;
    }
    case "globalavgpool": {
      const plane = tin.length / inShape[0]!;
      for (let i = 0; i < tin.length; i++) tin[i]! += tout[Math.floor(i / plane)]!;
      return;
    }
    case "concat": {
      let offset = 0;
      for (let j = 0; j < inputIndex; j++) offset += sizeOf(net.nodes.find((m) => m.id === n.inputs[j])!.shape);
      for (let i = 0; i < tin.length; i++) tin[i]! += tout[offset + i]!;
      return;
    }
    case "flatten":
    case "dropout":
    case "batchnorm":
    case "add":
      for (let i = 0; i < tin.length; i++) tin[i]! += tout[i]!;
      return;
    case "relu":
    case "sigmoid":
    case "silu":
    case "softmax":
    case "input":
      return;
  }
}

/**
 * Per gate node id, the fan-out of each of its neurons (per-sample layout of the gate's output).
 * Each gate neuron and each read-out neuron is one target; a gate's input values are the
 * targets of the synapses that arrive there, so fan-out stops at the next gates.
 */
export function gateFanout(net: Network): Map<string, Float64Array> {
  const T = new Map(net.nodes.map((n) => [n.id, new Float64Array(sizeOf(n.shape))]));
  const shape = new Map(net.nodes.map((n) => [n.id, n.shape]));
  const score = scoreOf(net);
  T.get(score.id)!.fill(1);
  for (let i = net.nodes.length - 1; i >= 0; i--) {
    const n = net.nodes[i]!;
    if (isGate(n)) {
      const tin = T.get(n.inputs[0]!)!;
      for (let k = 0; k < tin.length; k++) tin[k]! += 1;
      continue;
    }
    n.inputs.forEach((id, j) => carryBack(n, shape.get(id)!, T.get(n.id)!, T.get(id)!, j, net));
  }
  return new Map(net.nodes.filter(isGate).map((n) => [n.id, T.get(n.id)!]));
}

/** The populations a gate's spikes reach: the next gates, or the read-out (for per-layer counts). */
export function gateTargets(net: Network, gateId: string): string[] {
  const score = scoreOf(net);
  const out: string[] = [];
  const stack = net.nodes.filter((n) => n.inputs.includes(gateId));
  const seen = new Set<string>();
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n.id)) continue;
    seen.add(n.id);
    if (isGate(n) || n.id === score.id) {
      if (!out.includes(n.id)) out.push(n.id);
      continue;
    }
    for (const m of net.nodes) if (m.inputs.includes(n.id)) stack.push(m);
  }
  return out;
}

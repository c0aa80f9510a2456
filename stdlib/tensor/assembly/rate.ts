// The rate simulator's whole time loop for one sample, in one call (owner: the rate family,
// stdlib/sim/rate/fast.ts lays out the plan). Each step visits the populations in topological
// order exactly as stdlib/sim/rate/engine.ts does — decay, bias or analog constant, the scatter
// kernels of spikes.ts for this step's spikes only, one threshold sweep — and also counts
// synaptic operations, spikes and the prediction. One call per sample instead of ~20 per step.
// Exported names start with `rate` (one namespace with the other kernel files).

import { scatterConv, scatterDense, thresholdReset } from "./spikes";

// Population record, i32 fields (POP_WORDS per population).
const POP_WORDS = 16;
const P_KIND = 0; // 0 input, 1 IF, 2 integrator, 3 relay, 4 gate
const P_N = 1;
const P_SUBTRACT = 2;
const P_V = 3;
const P_SPIKES = 4;
const P_COUNT = 5;
const P_BIAS = 6; // per-neuron bias·dt, or 0
const P_CONST = 7; // analog constant current, or 0 (then P_BIAS is not used)
const P_CUM = 8; // cumulative spike counts (i32) for gated max-pools reading this population, or 0
const P_NEURON = 9; // this sample's spikes per neuron (i32), or 0
const P_FIRST = 10; // first incoming projection
const P_NPROJ = 11;

// Projection record, i32 fields (PROJ_WORDS per projection).
const PROJ_WORDS = 24;
const J_KIND = 0; // 0 dense, 1 conv, 2 identity, 3 gate
const J_FROM = 1;
const J_FANOUT = 2; // f32 per source neuron
const J_SKIP = 3; // 1: from the analog input (folded into the constant current)
const J_A = 4; // dense: rows; conv: taps; identity: offset
const J_B = 5; // dense: width; conv/gate: geometry from here

// @ts-ignore: decorator
@inline function mix32(x: u32): u32 {
  x ^= x >>> 16;
  x *= 0x7feb352d;
  x ^= x >>> 15;
  x *= 0x846ca68b;
  x ^= x >>> 16;
  return x;
}

/** The same numbers as stdlib/sim/rate/random.ts (stepKey, uniform). */
export function rateStepKey(seed: u32, sample: u32, step: u32, stream: u32): u32 {
  return mix32(mix32(mix32(seed ^ 0x5bd1e995) ^ sample) ^ (step * 0x9e3779b9) ^ (stream * 0x85ebca6b));
}

// @ts-ignore: decorator
@inline function uniform(key: u32, i: i32): f64 {
  return <f64>(mix32(key ^ (<u32>(i + 1) * 0xc2b2ae35)) >>> 8) / 16777216.0;
}

// @ts-ignore: decorator
@inline function pi(rec: usize, field: i32): i32 {
  return load<i32>(rec + (<usize>field << 2));
}

function countOps(proj: usize, src: usize, opsAt: usize): void {
  const fan = <usize>pi(proj, J_FANOUT);
  const sp = <usize>pi(src, P_SPIKES);
  const n = pi(src, P_COUNT);
  let c: f64 = 0;
  for (let i = 0; i < n; i++) c += <f64>load<f32>(fan + (<usize>load<i32>(sp + (<usize>i << 2)) << 2));
  store<f64>(opsAt, load<f64>(opsAt) + c);
}

function gateStep(pop: usize, proj: usize, src: usize): i32 {
  const n = pi(src, P_COUNT);
  if (n == 0) return 0;
  const g = proj + (<usize>J_B << 2);
  const c = load<i32>(g), ih = load<i32>(g, 4), iw = load<i32>(g, 8), oh = load<i32>(g, 12), ow = load<i32>(g, 16);
  const kh = load<i32>(g, 20), kw = load<i32>(g, 24), sh = load<i32>(g, 28), sw = load<i32>(g, 32), ph = load<i32>(g, 36), pw = load<i32>(g, 40);
  const cum = <usize>pi(src, P_CUM);
  const sp = <usize>pi(src, P_SPIKES);
  const passed = <usize>pi(pop, P_V); // gates have no membrane: its memory marks windows passed this step
  const out = <usize>pi(pop, P_SPIKES);
  memory.fill(passed, 0, <usize>pi(pop, P_N) << 2);
  const ihw = ih * iw, ohw = oh * ow;
  let k = 0;
  for (let e = 0; e < n; e++) {
    const j = load<i32>(sp + (<usize>e << 2));
    const ch = j / ihw, r = j - ch * ihw;
    const iy = r / iw, ix = r - iy * iw;
    const cj = load<i32>(cum + (<usize>j << 2));
    // Windows containing (iy, ix): oy·sh − ph ≤ iy ≤ oy·sh − ph + kh − 1.
    let oyLo = iy + ph - kh + 1;
    oyLo = oyLo <= 0 ? 0 : (oyLo + sh - 1) / sh;
    const oyHi = min(oh - 1, (iy + ph) / sh);
    let oxLo = ix + pw - kw + 1;
    oxLo = oxLo <= 0 ? 0 : (oxLo + sw - 1) / sw;
    const oxHi = min(ow - 1, (ix + pw) / sw);
    for (let oy = oyLo; oy <= oyHi; oy++) {
      for (let ox = oxLo; ox <= oxHi; ox++) {
        const o = ch * ohw + oy * ow + ox;
        if (load<i32>(passed + (<usize>o << 2)) != 0) continue;
        let best = 0;
        for (let a = 0; a < kh; a++) {
          const y = oy * sh - ph + a;
          if (y < 0 || y >= ih) continue;
          for (let b = 0; b < kw; b++) {
            const x = ox * sw - pw + b;
            if (x < 0 || x >= iw) continue;
            const v = load<i32>(cum + (<usize>(ch * ihw + y * iw + x) << 2));
            if (v > best) best = v;
          }
        }
        if (cj == best) {
          store<i32>(passed + (<usize>o << 2), 1);
          store<i32>(out + (<usize>k << 2), o);
          k++;
        }
      }
    }
  }
  // Increasing order, as the sweep would give (insertion sort: a handful per step).
  for (let a = 1; a < k; a++) {
    const v = load<i32>(out + (<usize>a << 2));
    let b = a - 1;
    while (b >= 0 && load<i32>(out + (<usize>b << 2)) > v) {
      store<i32>(out + (<usize>(b + 1) << 2), load<i32>(out + (<usize>b << 2)));
      b--;
    }
    store<i32>(out + (<usize>(b + 1) << 2), v);
  }
  return k;
}

function scatter(proj: usize, src: usize, dst: usize): void {
  const kind = pi(proj, J_KIND);
  const sp = <usize>pi(src, P_SPIKES);
  const n = pi(src, P_COUNT);
  const V = <usize>pi(dst, P_V);
  if (kind == 0) {
    scatterDense(<usize>pi(proj, J_A), pi(proj, J_B), sp, n, V);
  } else if (kind == 1) {
    const g = proj + (<usize>J_B << 2);
    scatterConv(load<i32>(g), load<i32>(g, 4), load<i32>(g, 8), load<i32>(g, 12), load<i32>(g, 16), load<i32>(g, 20), load<i32>(g, 24), load<i32>(g, 28), load<i32>(g, 32), load<i32>(g, 36), load<i32>(g, 40), load<i32>(g, 44), load<i32>(g, 48), <usize>pi(proj, J_A), sp, n, V);
  } else {
    const off = pi(proj, J_A);
    for (let i = 0; i < n; i++) {
      const p = V + (<usize>(load<i32>(sp + (<usize>i << 2)) + off) << 2);
      store<f32>(p, load<f32>(p) + 1);
    }
  }
}

/**
 * One sample, `steps` steps. pops/projs: the records above; decays: f64 per population;
 * pred: i32 [steps]; ops: f64 [projection][steps] and totals: f64 [population], added to;
 * readout: 0 membrane, 1 spike count; image: f32 input, lit: i32 scratch [input size];
 * poissonP: spike probability of a pixel of 1 per step (0: analog input).
 */
export function rateRunSample(pops: usize, nPops: i32, projs: usize, decays: usize, steps: i32, pred: usize, ops: usize, totals: usize, readout: i32, outCounts: usize, image: usize, lit: usize, poissonP: f64, seed: u32, sample: u32): void {
  for (let k = 0; k < nPops; k++) {
    const p = pops + <usize>(k * POP_WORDS * 4);
    const n = <usize>pi(p, P_N);
    memory.fill(<usize>pi(p, P_V), 0, n << 2);
    store<i32>(p + (<usize>P_COUNT << 2), 0);
    if (pi(p, P_CUM) != 0) memory.fill(<usize>pi(p, P_CUM), 0, n << 2);
    if (pi(p, P_NEURON) != 0) memory.fill(<usize>pi(p, P_NEURON), 0, n << 2);
  }
  const outPop = pops + <usize>((nPops - 1) * POP_WORDS * 4);
  const outN = pi(outPop, P_N);
  memory.fill(outCounts, 0, <usize>outN << 2);
  let outSpiked = false;
  const input = pops;
  const inN = pi(input, P_N);
  let nLit = 0;
  if (poissonP > 0) {
    for (let i = 0; i < inN; i++) {
      if (load<f32>(image + (<usize>i << 2)) > 0) {
        store<i32>(lit + (<usize>nLit << 2), i);
        nLit++;
      }
    }
  }
  for (let t = 0; t < steps; t++) {
    if (poissonP > 0) {
      const key = rateStepKey(seed, sample, <u32>t, 1);
      const sp = <usize>pi(input, P_SPIKES);
      let c = 0;
      for (let e = 0; e < nLit; e++) {
        const i = load<i32>(lit + (<usize>e << 2));
        if (uniform(key, i) < <f64>load<f32>(image + (<usize>i << 2)) * poissonP) {
          store<i32>(sp + (<usize>c << 2), i);
          c++;
        }
      }
      store<i32>(input + (<usize>P_COUNT << 2), c);
      afterSpikes(input, 0, totals);
    }
    for (let k = 1; k < nPops; k++) {
      const p = pops + <usize>(k * POP_WORDS * 4);
      const kind = pi(p, P_KIND);
      const n = pi(p, P_N);
      const first = pi(p, P_FIRST), np = pi(p, P_NPROJ);
      let count = 0;
      if (kind == 4) {
        const proj = projs + <usize>(first * PROJ_WORDS * 4);
        const src = pops + <usize>(pi(proj, J_FROM) * POP_WORDS * 4);
        count = gateStep(p, proj, src);
        if (pi(src, P_COUNT) > 0) countOps(proj, src, ops + (<usize>(first * steps + t) << 3));
      } else if (kind == 3) {
        const out = <usize>pi(p, P_SPIKES);
        for (let j = first; j < first + np; j++) {
          const proj = projs + <usize>(j * PROJ_WORDS * 4);
          const src = pops + <usize>(pi(proj, J_FROM) * POP_WORDS * 4);
          const sn = pi(src, P_COUNT);
          if (sn == 0) continue;
          const ssp = <usize>pi(src, P_SPIKES);
          const off = pi(proj, J_A);
          for (let i = 0; i < sn; i++) store<i32>(out + (<usize>(count + i) << 2), load<i32>(ssp + (<usize>i << 2)) + off);
          count += sn;
          countOps(proj, src, ops + (<usize>(j * steps + t) << 3));
        }
      } else {
        const V = <usize>pi(p, P_V);
        const decay = load<f64>(decays + (<usize>k << 3));
        if (decay != 1.0) for (let i = 0; i < n; i++) store<f32>(V + (<usize>i << 2), <f32>(<f64>load<f32>(V + (<usize>i << 2)) * decay));
        let add = <usize>pi(p, P_CONST);
        if (add == 0) add = <usize>pi(p, P_BIAS);
        if (add != 0) {
          let i = 0;
          for (; i + 4 <= n; i += 4) {
            const q = <usize>i << 2;
            v128.store(V + q, f32x4.add(v128.load(V + q), v128.load(add + q)));
          }
          for (; i < n; i++) {
            const q = <usize>i << 2;
            store<f32>(V + q, load<f32>(V + q) + load<f32>(add + q));
          }
        }
        for (let j = first; j < first + np; j++) {
          const proj = projs + <usize>(j * PROJ_WORDS * 4);
          if (pi(proj, J_SKIP) != 0) continue;
          const src = pops + <usize>(pi(proj, J_FROM) * POP_WORDS * 4);
          if (pi(src, P_COUNT) == 0) continue;
          scatter(proj, src, p);
          countOps(proj, src, ops + (<usize>(j * steps + t) << 3));
        }
        if (kind == 1) count = thresholdReset(n, V, 1.0, pi(p, P_SUBTRACT), <usize>pi(p, P_SPIKES));
      }
      store<i32>(p + (<usize>P_COUNT << 2), count);
      if (count > 0) {
        afterSpikes(p, k, totals);
        if (k == nPops - 1) {
          outSpiked = true;
          const sp = <usize>pi(p, P_SPIKES);
          for (let i = 0; i < count; i++) {
            const q = outCounts + (<usize>load<i32>(sp + (<usize>i << 2)) << 2);
            store<i32>(q, load<i32>(q) + 1);
          }
        }
      }
    }
    // The prediction after this step: argmax (first on ties) of the output membrane or spike counts.
    let best = 0;
    if (readout == 0) {
      const V = <usize>pi(outPop, P_V);
      for (let i = 1; i < outN; i++) if (load<f32>(V + (<usize>i << 2)) > load<f32>(V + (<usize>best << 2))) best = i;
    } else if (!outSpiked) best = -1;
    else for (let i = 1; i < outN; i++) if (load<i32>(outCounts + (<usize>i << 2)) > load<i32>(outCounts + (<usize>best << 2))) best = i;
    store<i32>(pred + (<usize>t << 2), best);
  }
}

function afterSpikes(p: usize, k: i32, totals: usize): void {
  const n = pi(p, P_COUNT);
  const tp = totals + (<usize>k << 3);
  store<f64>(tp, load<f64>(tp) + <f64>n);
  const sp = <usize>pi(p, P_SPIKES);
  const cum = <usize>pi(p, P_CUM);
  if (cum != 0) {
    for (let i = 0; i < n; i++) {
      const q = cum + (<usize>load<i32>(sp + (<usize>i << 2)) << 2);
      store<i32>(q, load<i32>(q) + 1);
    }
  }
  const nc = <usize>pi(p, P_NEURON);
  if (nc != 0) {
    for (let i = 0; i < n; i++) {
      const q = nc + (<usize>load<i32>(sp + (<usize>i << 2)) << 2);
      store<i32>(q, load<i32>(q) + 1);
    }
  }
}

/** Record sizes, so the JS side can check it lays records out as this file reads them. */
export function rateRecordWords(): i32 {
  return POP_WORDS * 1000 + PROJ_WORDS;
}

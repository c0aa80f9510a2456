// The rate simulator's whole time loop for one sample, in one call (owner: the rate family,
// stdlib/sim/rate/fast.ts lays out the plan). Each step visits the populations in topological
// order exactly as stdlib/sim/rate/engine.ts does — decay, bias or analog constant, the scatter
// kernels of spikes.ts for this step's spikes only, one threshold sweep — and also counts
// synaptic operations, spikes and the prediction. One call per sample instead of ~20 per step.
// Exported names start with `rate` (one namespace with the other kernel files).

import { scatterConv, scatterDense } from "./spikes";

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
const P_HWC = 12; // channels C when the membrane is laid out [H][W][C] (0: the usual [C][H][W])
const P_SCRATCH = 13; // HWC populations: i32 scratch of n + C values for the sweep's reordering

// Projection record, i32 fields (PROJ_WORDS per projection).
const PROJ_WORDS = 24;
const J_KIND = 0; // 0 dense, 1 conv, 2 identity, 3 gate, 4 conv into an HWC membrane, 5 average pool, 6 non-overlapping average pool (lookup table)
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

/**
 * Conv event scatter into a membrane laid out [outH][outW][outC] (taps [inC][kH][kW][outC],
 * groups 1): each footprint position adds one contiguous run of outC weights, so LeNet's 16
 * output channels are four SIMD adds. Each membrane value still gets its contributions in spike
 * order, so the sums equal scatterConv's on the [C][H][W] layout bit for bit.
 */
export function rateScatterConvHwc(inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, outH: i32, outW: i32, taps: usize, spikes: usize, count: i32, membrane: usize): void {
  const plane = inH * inW;
  const oc4 = outC & ~3;
  const runB = <usize>outC << 2;
  for (let e = 0; e < count; e++) {
    const s = load<i32>(spikes + (<usize>e << 2));
    const c = s / plane, rem = s - c * plane;
    const iy = rem / inW, ix = rem - iy * inW;
    const tc = taps + <usize>(c * kH * kW) * runB;
    if (sH == 1 && sW == 1) {
      // Row ky lands on oy = iy + pH − ky, column kx on ox = ix + pW − kx: clip both ranges once.
      const kyLo = max(0, iy + pH - (outH - 1)), kyHi = min(kH, iy + pH + 1);
      const kxLo = max(0, ix + pW - (outW - 1)), kxHi = min(kW, ix + pW + 1);
      for (let ky = kyLo; ky < kyHi; ky++) {
        let m = membrane + <usize>((iy + pH - ky) * outW + ix + pW - kxLo) * runB;
        let t = tc + <usize>(ky * kW + kxLo) * runB;
        for (let kx = kxLo; kx < kxHi; kx++) {
          let o = 0;
          for (; o < oc4; o += 4) {
            const q = <usize>o << 2;
            v128.store(m + q, f32x4.add(v128.load(m + q), v128.load(t + q)));
          }
          for (; o < outC; o++) {
            const q = <usize>o << 2;
            store<f32>(m + q, load<f32>(m + q) + load<f32>(t + q));
          }
          m -= runB;
          t += runB;
        }
      }
      continue;
    }
    for (let ky = 0; ky < kH; ky++) {
      const ty = iy + pH - ky;
      if (ty < 0) break;
      const oy = ty / sH;
      if (ty - oy * sH != 0 || oy >= outH) continue;
      for (let kx = 0; kx < kW; kx++) {
        const tx = ix + pW - kx;
        if (tx < 0) break;
        const ox = tx / sW;
        if (tx - ox * sW != 0 || ox >= outW) continue;
        const m = membrane + <usize>(oy * outW + ox) * runB;
        const t = tc + <usize>(ky * kW + kx) * runB;
        let o = 0;
        for (; o < oc4; o += 4) {
          const q = <usize>o << 2;
          v128.store(m + q, f32x4.add(v128.load(m + q), v128.load(t + q)));
        }
        for (; o < outC; o++) {
          const q = <usize>o << 2;
          store<f32>(m + q, load<f32>(m + q) + load<f32>(t + q));
        }
      }
    }
  }
}

/**
 * Average-pool event scatter: each spike adds 1/(kH·kW) (f32) to every window containing it,
 * in spike order — the same values and order as scatterConv with depthwise taps of 1/(kH·kW),
 * without its per-tap divisions for strided windows.
 */
export function rateScatterPool(ih: i32, iw: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, spikes: usize, count: i32, membrane: usize): void {
  const w: f32 = <f32>(1.0 / <f64>(kh * kw));
  const ihw = ih * iw, ohw = oh * ow;
  for (let e = 0; e < count; e++) {
    const j = load<i32>(spikes + (<usize>e << 2));
    const ch = j / ihw, r = j - ch * ihw;
    const iy = r / iw, ix = r - iy * iw;
    let oyLo = iy + ph - kh + 1;
    oyLo = oyLo <= 0 ? 0 : (oyLo + sh - 1) / sh;
    const oyHi = min(oh - 1, (iy + ph) / sh);
    let oxLo = ix + pw - kw + 1;
    oxLo = oxLo <= 0 ? 0 : (oxLo + sw - 1) / sw;
    const oxHi = min(ow - 1, (ix + pw) / sw);
    const base = membrane + (<usize>(ch * ohw) << 2);
    for (let oy = oyLo; oy <= oyHi; oy++) {
      for (let ox = oxLo; ox <= oxHi; ox++) {
        const q = base + (<usize>(oy * ow + ox) << 2);
        store<f32>(q, load<f32>(q) + w);
      }
    }
  }
}

/**
 * V += add (bias or analog constant, if add ≠ 0), then every V ≥ 1 spikes (index appended,
 * increasing) and is reset by subtracting 1 or to 0: one pass instead of an add pass and a sweep.
 * Same arithmetic as spikes.ts's thresholdReset after an axpy.
 */
function integrateSweep(n: i32, V: usize, add: usize, subtract: i32, spikes: usize): i32 {
  const one = f32x4.splat(1.0);
  let count = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = V + (<usize>i << 2);
    let v = v128.load(p);
    if (add != 0) v = f32x4.add(v, v128.load(add + (<usize>i << 2)));
    const fired = f32x4.ge(v, one);
    const mask = i32x4.bitmask(fired);
    v128.store(p, subtract != 0 ? f32x4.sub(v, v128.and(one, fired)) : v128.andnot(v, fired));
    // Branch-free compaction: at ~5–10 % firing a group of four spikes too often for a
    // "skip quiet groups" branch to predict well; four stores cost less than the misses.
    const sp = spikes + (<usize>count << 2);
    store<i32>(sp, i);
    let c = mask & 1;
    store<i32>(sp + (<usize>c << 2), i + 1);
    c += (mask >> 1) & 1;
    store<i32>(sp + (<usize>c << 2), i + 2);
    c += (mask >> 2) & 1;
    store<i32>(sp + (<usize>c << 2), i + 3);
    c += (mask >> 3) & 1;
    count += c;
  }
  for (; i < n; i++) {
    const p = V + (<usize>i << 2);
    let v = load<f32>(p);
    if (add != 0) v += load<f32>(add + (<usize>i << 2));
    if (v >= 1.0) {
      store<i32>(spikes + (<usize>count << 2), i);
      count++;
      v = subtract != 0 ? v - 1.0 : 0;
    }
    store<f32>(p, v);
  }
  return count;
}

/** Threshold sweep of an [H][W][C] membrane whose spikes come out as [C][H][W] indices, increasing. */
function sweepHwc(n: i32, C: i32, V: usize, add: usize, subtract: i32, spikes: usize, scratch: usize): i32 {
  const k = integrateSweep(n, V, add, subtract, scratch);
  if (k == 0) return 0;
  const hw = n / C;
  // Counting sort by channel keeps each channel's positions in scan order: [C][H][W] ascending.
  const cnt = scratch + (<usize>n << 2);
  memory.fill(cnt, 0, <usize>C << 2);
  for (let i = 0; i < k; i++) {
    const q = cnt + (<usize>(load<i32>(scratch + (<usize>i << 2)) % C) << 2);
    store<i32>(q, load<i32>(q) + 1);
  }
  let acc = 0;
  for (let c = 0; c < C; c++) {
    const q = cnt + (<usize>c << 2);
    const v = load<i32>(q);
    store<i32>(q, acc);
    acc += v;
  }
  for (let i = 0; i < k; i++) {
    const h = load<i32>(scratch + (<usize>i << 2));
    const pos = h / C, c = h - pos * C;
    const q = cnt + (<usize>c << 2);
    const at = load<i32>(q);
    store<i32>(q, at + 1);
    store<i32>(spikes + (<usize>at << 2), c * hw + pos);
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
  } else if (kind == 6) {
    // Non-overlapping average pool: each input lies in at most one window (table[j], −1: none).
    const table = <usize>pi(proj, J_A);
    const w = load<f32>(proj + (<usize>J_B << 2));
    for (let e = 0; e < n; e++) {
      const o = load<i32>(table + (<usize>load<i32>(sp + (<usize>e << 2)) << 2));
      if (o < 0) continue;
      const q = V + (<usize>o << 2);
      store<f32>(q, load<f32>(q) + w);
    }
  } else if (kind == 5) {
    const g = proj + (<usize>J_B << 2);
    rateScatterPool(load<i32>(g, 4), load<i32>(g, 8), load<i32>(g, 12), load<i32>(g, 16), load<i32>(g, 20), load<i32>(g, 24), load<i32>(g, 28), load<i32>(g, 32), load<i32>(g, 36), load<i32>(g, 40), sp, n, V);
  } else if (kind == 4) {
    const g = proj + (<usize>J_B << 2);
    rateScatterConvHwc(load<i32>(g), load<i32>(g, 4), load<i32>(g, 8), load<i32>(g, 12), load<i32>(g, 16), load<i32>(g, 20), load<i32>(g, 24), load<i32>(g, 28), load<i32>(g, 32), load<i32>(g, 36), load<i32>(g, 44), load<i32>(g, 48), <usize>pi(proj, J_A), sp, n, V);
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
        for (let j = first; j < first + np; j++) {
          const proj = projs + <usize>(j * PROJ_WORDS * 4);
          if (pi(proj, J_SKIP) != 0) continue;
          const src = pops + <usize>(pi(proj, J_FROM) * POP_WORDS * 4);
          if (pi(src, P_COUNT) == 0) continue;
          scatter(proj, src, p);
          countOps(proj, src, ops + (<usize>(j * steps + t) << 3));
        }
        let add = <usize>pi(p, P_CONST);
        if (add == 0) add = <usize>pi(p, P_BIAS);
        if (kind == 1) {
          const C = pi(p, P_HWC);
          count = C > 0 ? sweepHwc(n, C, V, add, pi(p, P_SUBTRACT), <usize>pi(p, P_SPIKES), <usize>pi(p, P_SCRATCH)) : integrateSweep(n, V, add, pi(p, P_SUBTRACT), <usize>pi(p, P_SPIKES));
        } else if (add != 0) {
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

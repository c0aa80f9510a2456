// The spiking simulators' hot loops: event scatter of weight rows / conv footprints into
// membranes, and the threshold/reset sweep that emits spike indices. Each membrane value gets
// its contributions in spike order, so results equal reference.ts bit for bit. No allocation.

// membrane[0..width) += rows[s, ·] for each spike s; four spikes per pass over the membrane
// (the adds stay in spike order, so the sum is the sequential one).
export function scatterDense(rows: usize, width: i32, spikes: usize, count: i32, membrane: usize): void {
  const rowBytes = <usize>width * 4;
  const w4 = width & ~3;
  let e = 0;
  for (; e + 4 <= count; e += 4) {
    const sp = spikes + <usize>e * 4;
    const r0 = rows + <usize>load<i32>(sp) * rowBytes;
    const r1 = rows + <usize>load<i32>(sp, 4) * rowBytes;
    const r2 = rows + <usize>load<i32>(sp, 8) * rowBytes;
    const r3 = rows + <usize>load<i32>(sp, 12) * rowBytes;
    let j = 0;
    for (; j < w4; j += 4) {
      const o = <usize>j << 2;
      let m = v128.load(membrane + o);
      m = f32x4.add(m, v128.load(r0 + o));
      m = f32x4.add(m, v128.load(r1 + o));
      m = f32x4.add(m, v128.load(r2 + o));
      m = f32x4.add(m, v128.load(r3 + o));
      v128.store(membrane + o, m);
    }
    for (; j < width; j++) {
      const o = <usize>j << 2;
      store<f32>(membrane + o, load<f32>(membrane + o) + load<f32>(r0 + o) + load<f32>(r1 + o) + load<f32>(r2 + o) + load<f32>(r3 + o));
    }
  }
  for (; e < count; e++) {
    const r0 = rows + <usize>load<i32>(spikes + <usize>e * 4) * rowBytes;
    let j = 0;
    for (; j < w4; j += 4) {
      const o = <usize>j << 2;
      v128.store(membrane + o, f32x4.add(v128.load(membrane + o), v128.load(r0 + o)));
    }
    for (; j < width; j++) {
      const o = <usize>j << 2;
      store<f32>(membrane + o, load<f32>(membrane + o) + load<f32>(r0 + o));
    }
  }
}

/**
 * taps[g, ic, o, ky, kW−1−kx] = w[g·ocg + o, ic, ky, kx]: per input channel one contiguous block,
 * kernel rows flipped so a stride-1 footprint row is a forward run in the membrane.
 */
export function prepareConvTaps(outC: i32, icg: i32, kH: i32, kW: i32, groups: i32, w: usize, taps: usize): void {
  const ocg = outC / groups;
  for (let g = 0; g < groups; g++) {
    for (let ic = 0; ic < icg; ic++) {
      for (let o = 0; o < ocg; o++) {
        for (let ky = 0; ky < kH; ky++) {
          for (let kx = 0; kx < kW; kx++) {
            const src = (((g * ocg + o) * icg + ic) * kH + ky) * kW + kx;
            const dst = ((((g * icg + ic) * ocg + o) * kH + ky) * kW) + (kW - 1 - kx);
            store<f32>(taps + <usize>dst * 4, load<f32>(w + <usize>src * 4));
          }
        }
      }
    }
  }
}

// m[0..run) += t[0..run), run ≤ kernel width: straight-line for the common short runs.
// @ts-ignore: decorator
@inline function addRun(m: usize, t: usize, run: i32): void {
  if (run >= 4) {
    v128.store(m, f32x4.add(v128.load(m), v128.load(t)));
    if (run == 4) return;
    if (run == 5) {
      store<f32>(m, load<f32>(m, 16) + load<f32>(t, 16), 16);
      return;
    }
    for (let f = 4; f < run; f++) {
      const q = <usize>f << 2;
      store<f32>(m + q, load<f32>(m + q) + load<f32>(t + q));
    }
    return;
  }
  store<f32>(m, load<f32>(m) + load<f32>(t));
  if (run > 1) store<f32>(m, load<f32>(m, 4) + load<f32>(t, 4), 4);
  if (run > 2) store<f32>(m, load<f32>(m, 8) + load<f32>(t, 8), 8);
}

/** Conv event scatter into membrane [outC, outH, outW] for spikes at input indices (c·inH + iy)·inW + ix. */
export function scatterConv(inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, groups: i32, outH: i32, outW: i32, taps: usize, spikes: usize, count: i32, membrane: usize): void {
  const icg = inC / groups, ocg = outC / groups;
  const plane = inH * inW, outPlane = outH * outW, kk = kH * kW;
  for (let e = 0; e < count; e++) {
    const s = load<i32>(spikes + <usize>e * 4);
    const ci = s / plane, rem = s - ci * plane;
    const iy = rem / inW, ix = rem - iy * inW;
    const g = ci / icg, ic = ci - g * icg;
    const tapBase = taps + <usize>((g * icg + ic) * ocg * kk) * 4;
    const memBase = membrane + <usize>(g * ocg * outPlane) * 4;
    if (sH == 1 && sW == 1) {
      // Kernel row ky lands on oy = iy + pH − ky; flipped column f on ox = ix + pW − (kW−1) + f.
      const ox0 = ix + pW - (kW - 1);
      const fLo = max(0, -ox0), fHi = min(kW, outW - ox0);
      const kyLo = max(0, iy + pH - (outH - 1)), kyHi = min(kH, iy + pH + 1);
      if (fHi <= fLo || kyHi <= kyLo) continue;
      const run = fHi - fLo;
      const rows = kyHi - kyLo;
      const outWB = <usize>outW * 4, kWB = <usize>kW * 4;
      // Row ky of the footprint lands on membrane row iy + pH − ky: walk rows upward.
      let t = tapBase + <usize>(kyLo * kW + fLo) * 4;
      let m = memBase + <usize>((iy + pH - kyLo) * outW + ox0 + fLo) * 4;
      const tNext = <usize>(kk * 4) - <usize>rows * kWB;
      const mNext = <usize>outPlane * 4 + <usize>rows * outWB;
      for (let o = 0; o < ocg; o++) {
        for (let q = 0; q < rows; q++) {
          addRun(m, t, run);
          t += kWB;
          m -= outWB;
        }
        t += tNext;
        m += mNext;
      }
    } else {
      for (let o = 0; o < ocg; o++) {
        for (let ky = 0; ky < kH; ky++) {
          const ty = iy + pH - ky;
          if (ty < 0 || ty % sH != 0) continue;
          const oy = ty / sH;
          if (oy >= outH) continue;
          for (let kx = 0; kx < kW; kx++) {
            const tx = ix + pW - kx;
            if (tx < 0 || tx % sW != 0) continue;
            const ox = tx / sW;
            if (ox >= outW) continue;
            const m = memBase + <usize>(o * outPlane + oy * outW + ox) * 4;
            store<f32>(m, load<f32>(m) + load<f32>(tapBase + <usize>((o * kH + ky) * kW + (kW - 1 - kx)) * 4));
          }
        }
      }
    }
  }
}

/** Largest spike index + 1 among spikes[0..count) or −1 if one is negative (the caller's bounds check). */
export function spikeBound(spikes: usize, count: i32): i32 {
  let hi = 0;
  for (let e = 0; e < count; e++) {
    const s = load<i32>(spikes + <usize>e * 4);
    if (s < 0) return -1;
    if (s >= hi) hi = s + 1;
  }
  return hi;
}

/** Every membrane ≥ threshold spikes (index appended) and is reset (subtract ≠ 0: by subtraction, else to 0). */
export function thresholdReset(n: i32, membrane: usize, threshold: f32, subtract: i32, spikes: usize): i32 {
  const th = f32x4.splat(threshold);
  let count = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = membrane + (<usize>i << 2);
    const v = v128.load(p);
    const fired = f32x4.ge(v, th);
    // Most steps most neurons stay quiet: skip the group on one test.
    if (!v128.any_true(fired)) continue;
    v128.store(p, subtract != 0 ? f32x4.sub(v, v128.and(th, fired)) : v128.andnot(v, fired));
    let mask = i32x4.bitmask(fired);
    while (mask != 0) {
      const lane = ctz(mask);
      store<i32>(spikes + (<usize>count << 2), i + lane);
      count++;
      mask &= mask - 1;
    }
  }
  for (; i < n; i++) {
    const p = membrane + (<usize>i << 2);
    const v = load<f32>(p);
    if (v >= threshold) {
      store<i32>(spikes + (<usize>count << 2), i);
      count++;
      store<f32>(p, subtract != 0 ? v - threshold : 0);
    }
  }
  return count;
}

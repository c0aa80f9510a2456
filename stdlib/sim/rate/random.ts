// Counter-based random numbers for the rate simulators: a uniform for any (seed, sample, step,
// stream, index) without sequential state, so images can be split over workers in any way and
// the event-driven and reference simulators draw the very same Poisson spikes.
// It must not know about networks.

/** A 32-bit integer hash with good avalanche (the "lowbias32" mixer). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Streams that must not share numbers. */
export const STREAM_POISSON = 1;
export const STREAM_SOFTMAX = 2;

/** The key of one (seed, sample, step, stream); combine with an index through `uniform`. */
export function stepKey(seed: number, sample: number, step: number, stream: number): number {
  return mix32(mix32(mix32(seed ^ 0x5bd1e995) ^ sample) ^ Math.imul(step, 0x9e3779b9) ^ Math.imul(stream, 0x85ebca6b));
}

/** A uniform k/2^24 in [0, 1) for index `i` under `key` (24 bits: exact in float32 and float64). */
export function uniform(key: number, i: number): number {
  return (mix32(key ^ Math.imul(i + 1, 0xc2b2ae35)) >>> 8) / 16777216;
}

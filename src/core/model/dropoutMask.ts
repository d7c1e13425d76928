/**
 * The studio's dropout masks: element i of a tensor is kept where a hash of (seed, i) clears the
 * rate. Counter-based, so the mask needs no stored random state: the backward pass recomputes it,
 * wasm computes it in its kernel (`kernels/elementwiseWat.ts`, the same hash), and every backend draws
 * the same mask for the same seed.
 */

/** Wellons' lowbias32: a 32-bit integer hash with low bias. */
function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A 32-bit seed for a mask from the run's seed and the dropout site (FNV-1a, then lowbias32). */
export function dropoutSeed(seed: number | string): number {
  const text = String(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return lowbias32(h >>> 0);
}

/**
 * The kept elements (1) and dropped ones (0) of an `n`-element tensor.
 * @param rate probability of dropping, in (0, 1)
 * @param seedHash from {@link dropoutSeed}
 */
export function dropoutKeepMask(n: number, rate: number, seedHash: number): Float32Array {
  const out = new Float32Array(n);
  rate = Math.fround(rate); // the kernel compares in float32
  for (let i = 0; i < n; i++) {
    const u = (lowbias32((i + seedHash) >>> 0) >>> 8) / 16777216;
    out[i] = u >= rate ? 1 : 0;
  }
  return out;
}

/**
 * Seeded pseudo-random numbers for data shuffling, dropout seeds and initialisation.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state),
 * seeded through splitmix32 so that nearby seeds give unrelated streams. Its whole state is four
 * uint32 words, so a checkpoint can store it and a resumed run continues the exact same stream.
 */

/** The serialisable state of an {@link Rng}: four uint32 words. */
export type RngState = [number, number, number, number];

/** A seeded generator. All draws advance the state. */
export interface Rng {
  /** Uniform float in [0, 1) with 32 bits of randomness. */
  next(): number;
  /** Uniform integer in [0, n) without modulo bias; n must be a positive integer <= 2^32. */
  nextInt(n: number): number;
  /** Standard normal draw (mean 0, std 1), Box-Muller; consumes two uniforms, caches nothing. */
  normal(): number;
  /** A copy of the current state (JSON-safe). */
  getState(): RngState;
  /** Restores a state obtained from {@link Rng.getState}. */
  setState(state: RngState): void;
}

/** splitmix32 step: a strong 32-bit mixer, used to expand a seed into the sfc32 state. */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/**
 * Creates a generator from a seed (any finite number; non-integers and values beyond 32 bits are
 * folded into 32 bits, so `createRng(42)` is the usual call). Equal seeds give equal streams.
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed))
    throw new Error(`createRng: seed must be a finite number, got ${seed}`);
  const s0 = foldSeed(seed);
  let a = splitmix32(s0);
  let b = splitmix32(a ^ 0x85ebca6b);
  let c = splitmix32(b ^ 0xc2b2ae35);
  let d = splitmix32(c ^ 0x27d4eb2f);

  const nextU32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32 recommends a short warm-up to decorrelate from the seed.
  for (let i = 0; i < 12; i++) nextU32();

  const next = (): number => nextU32() / 4294967296;
  return {
    next,
    nextInt(n: number): number {
      if (!Number.isInteger(n) || n <= 0 || n > 4294967296) {
        throw new Error(`nextInt: n must be an integer in [1, 2^32], got ${n}`);
      }
      // Rejection sampling: accept only draws below the largest multiple of n.
      const limit = 4294967296 - (4294967296 % n);
      for (;;) {
        const x = nextU32();
        if (x < limit) return x % n;
      }
    },
    normal(): number {
      // 1 - next() is in (0, 1], so the log is finite.
      const u1 = 1 - next();
      const u2 = next();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    },
    getState(): RngState {
      return [a >>> 0, b >>> 0, c >>> 0, d >>> 0];
    },
    setState(state: RngState): void {
      if (!Array.isArray(state) || state.length !== 4 || state.some((w) => !Number.isInteger(w))) {
        throw new Error('Rng.setState: expected an array of four uint32 words');
      }
      [a, b, c, d] = state.map((w) => w | 0) as RngState;
    },
  };
}

/** Folds any finite number into a uint32 (integers below 2^32 map to themselves). */
function foldSeed(seed: number): number {
  if (Number.isInteger(seed) && seed >= 0 && seed < 4294967296) return seed >>> 0;
  // Hash the float64 bits so that e.g. 1.5 and 2.5 or -1 and 2^32-1 differ.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, seed);
  return mix(view.getUint32(0) ^ 0x6a09e667, view.getUint32(4)) >>> 0;
}

/** murmur3-style combine of two uint32 values. */
function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  // fmix32 finaliser
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Derives an independent uint32 seed from a base seed and any number of integer parts, e.g.
 * `deriveSeed(args.seed, epoch)` for the epoch's shuffle or `deriveSeed(args.seed, 1, step)` for a
 * step's dropout. Order matters: `deriveSeed(s, 1, 2) !== deriveSeed(s, 2, 1)`.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = mix(0x243f6a88, foldSeed(seed));
  for (const p of parts) {
    if (!Number.isFinite(p)) throw new Error(`deriveSeed: parts must be finite numbers, got ${p}`);
    h = mix(h, foldSeed(p));
  }
  return mix(h, parts.length) >>> 0;
}

/** Fisher-Yates shuffle of `array` in place, returning the same array. */
export function shuffle<T>(array: T[], rng: Rng): T[] {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = array[i];
    array[i] = array[j];
    array[j] = tmp;
  }
  return array;
}

/** A random permutation of 0..n-1 (Fisher-Yates over the identity). */
export function permutation(n: number, rng: Rng): number[] {
  return shuffle(
    Array.from({ length: n }, (_, i) => i),
    rng,
  );
}

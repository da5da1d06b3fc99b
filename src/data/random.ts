/**
 * Seeded randomness. Every shuffle in Squish goes through these so that a seed reproduces a run
 * bit for bit on any machine (Math.random cannot be seeded).
 */

/** A source of floats uniform in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32: a 32-bit-state PRNG, fast and good enough for shuffling. The exact arithmetic is
 * part of the data contract (../shared/notes/mnist10k.md): changing it changes the built-in split.
 */
export function mulberry32(seed: number): Rng {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A random permutation of 0..n-1: Fisher–Yates from the top down, exactly one `rng()` call per
 * position n-1..1 (the order the built-in split depends on).
 */
export function randomPermutation(n: number, rng: Rng): Uint32Array {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i >= 1; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
  return perm;
}

/**
 * The shuffle of epoch `epoch` of a training run seeded with `seed`. Every training loop (model.fit
 * and the distillation loop) takes its order from here, so one seed gives the same batches in both.
 */
export function epochPermutation(n: number, seed: number, epoch: number): Uint32Array {
  return randomPermutation(n, mulberry32(seed * 7919 + epoch));
}

/**
 * Seeded pseudo-random numbers for every tuner (no Math.random anywhere in src/search).
 *
 * xoshiro128** (Blackman & Vigna, https://prng.di.unimi.it/) on four 32-bit words, seeded by
 * splitmix32 from (seed, stream). Tuners open one stream per trial number, so the draws for a
 * suggestion depend only on the seed and the trial's number: a search restarted from its stored
 * trials repeats exactly the suggestion it would have made.
 */
export class Prng {
  readonly #s = new Uint32Array(4);

  constructor(seed: number, stream = 0) {
    let h = 0;
    for (const word of [seed >>> 0, Math.floor(seed / 0x1_0000_0000) >>> 0, stream >>> 0]) h = splitmix32(h ^ word).value;
    for (let i = 0; i < 4; i++) {
      const r = splitmix32(h);
      h = r.state;
      this.#s[i] = r.value;
    }
    if ((this.#s[0]! | this.#s[1]! | this.#s[2]! | this.#s[3]!) === 0) this.#s[0] = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A uniform double in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  /** A standard normal draw (Box–Muller; one draw per call keeps the stream easy to reason about). */
  normal(): number {
    const u = 1 - this.random(); // (0, 1]: log stays finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }

  /** An index drawn with probability proportional to `weights` (non-negative, positive sum). */
  weighted(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    let r = this.random() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** Number of Bernoulli(p) trials up to and including the first success (numpy's `geometric`). */
  geometric(p: number): number {
    return Math.max(1, Math.ceil(Math.log(1 - this.random()) / Math.log(1 - p)));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function splitmix32(state: number): { state: number; value: number } {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return { state: next, value: (z ^ (z >>> 16)) >>> 0 };
}

/**
 * hyperopt's annealing (`hyperopt/anneal.py`, Bergstra): pick one of the best trials (rank drawn
 * from a geometric distribution with mean `avgBestIdx`), then sample each parameter near that
 * trial's value within a window that shrinks as 1 / (1 + T·shrinkCoef) with T observations.
 * As in hyperopt, running and failed trials count with an infinite loss, and once a trial is
 * picked it serves every parameter it has (the "best trial" of this suggestion).
 */
import { fromInternal, internalBounds, sampleFromPrior, toInternal, type Distribution } from './distributions.js';
import type { Prng } from './prng.js';
import { isActive } from './space.js';
import { observe, signOf, type SampleContext, type Sampler, type TrialRecord } from './trials.js';

export interface AnnealOptions {
  /** Mean rank (0 = best) of the trial to explore around. Defaults to 2. */
  readonly avgBestIdx: number;
  /** How fast the sampling window shrinks with the number of observations. Defaults to 0.1. */
  readonly shrinkCoef: number;
}

export const DEFAULT_ANNEAL_OPTIONS: AnnealOptions = { avgBestIdx: 2, shrinkCoef: 0.1 };

export class AnnealSampler implements Sampler {
  readonly #options: AnnealOptions;

  constructor(options: Partial<AnnealOptions> = {}) {
    this.#options = { ...DEFAULT_ANNEAL_OPTIONS, ...options };
  }

  sample(ctx: SampleContext): Map<string, number> {
    const sign = signOf(ctx.directions[0]!);
    const loss = (t: TrialRecord): number => (t.state === 'complete' ? sign * t.values![0]! : Infinity);
    const byLoss = [...ctx.trials].sort((a, b) => loss(a) - loss(b) || a.number - b.number);
    const picked: TrialRecord[] = [];
    const values = new Map<string, number>();
    for (const spec of ctx.space.params) {
      if (!isActive(spec, values)) continue;
      const observed = byLoss.filter((t) => observe(spec, t) !== undefined);
      if (observed.length === 0) {
        values.set(spec.name, sampleFromPrior(spec.distribution, ctx.rng));
        continue;
      }
      let base = picked.find((t) => observe(spec, t) !== undefined);
      if (base === undefined) {
        const rank = ctx.rng.geometric(1 / this.#options.avgBestIdx) - 1;
        base = observed[Math.min(rank, observed.length - 1)]!;
        picked.push(base);
      }
      const shrink = 1 / (1 + observed.length * this.#options.shrinkCoef);
      values.set(spec.name, perturb(spec.distribution, observe(spec, base)!, shrink, ctx.rng));
    }
    return values;
  }
}

function perturb(d: Distribution, value: number, shrink: number, rng: Prng): number {
  if (d.kind === 'categorical') {
    const p = d.choices.map((_, i) => shrink / d.choices.length + (i === value ? 1 - shrink : 0));
    return rng.weighted(p);
  }
  // log(1e-16 + x) as hyperopt: a quantized lognormal value may be 0.
  const y = d.log ? Math.log(Math.max(value, 1e-16)) : toInternal(d, value);
  if (d.normal !== null) return fromInternal(d, y + d.normal.sigma * shrink * rng.normal());
  const [low, high] = internalBounds(d);
  const half = 0.5 * (high - low) * shrink;
  const mid = Math.min(high - half, Math.max(low + half, y));
  return fromInternal(d, rng.uniform(mid - half, mid + half));
}

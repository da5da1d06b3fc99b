/** Random search: every active parameter from its prior (Optuna's `RandomSampler`). */
import { sampleFromPrior } from './distributions.js';
import { isActive, type SearchSpace } from './space.js';
import type { Prng } from './prng.js';
import type { SampleContext, Sampler } from './trials.js';

/** Fills the active parameters that `fixed` lacks from their priors, parents first. */
export function completeFromPrior(space: SearchSpace, rng: Prng, fixed: ReadonlyMap<string, number> = new Map()): Map<string, number> {
  const values = new Map<string, number>();
  for (const spec of space.params) {
    if (!isActive(spec, values)) continue;
    values.set(spec.name, fixed.get(spec.name) ?? sampleFromPrior(spec.distribution, rng));
  }
  return values;
}

export class RandomSampler implements Sampler {
  sample(ctx: SampleContext): Map<string, number> {
    return completeFromPrior(ctx.space, ctx.rng);
  }
}

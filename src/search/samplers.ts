/** The tuners by name, and the options each one takes. */
import { InputError } from '../errors.js';
import { AnnealSampler, type AnnealOptions } from './anneal.js';
import { GridSampler } from './grid.js';
import { RandomSampler } from './random.js';
import type { SearchSpace } from './space.js';
import { TpeSampler, type TpeOptions } from './tpe/sampler.js';
import type { Direction, Sampler } from './trials.js';

export type Algorithm = 'tpe' | 'random' | 'grid' | 'anneal';

export interface SamplerOptions {
  /** TPE settings; several directions make it MOTPE. */
  readonly tpe?: Partial<TpeOptions>;
  /** Annealing settings (single objective only). */
  readonly anneal?: Partial<AnnealOptions>;
}

export function createSampler(
  algorithm: Algorithm, space: SearchSpace, directions: readonly Direction[], seed: number, options: SamplerOptions,
): Sampler {
  switch (algorithm) {
    case 'tpe':
      return new TpeSampler(options.tpe);
    case 'random':
      return new RandomSampler();
    case 'grid':
      return new GridSampler(space, seed);
    case 'anneal':
      if (directions.length !== 1) throw new InputError(`options.directions must have one entry for anneal, but got ${directions.length}`);
      return new AnnealSampler(options.anneal);
  }
}

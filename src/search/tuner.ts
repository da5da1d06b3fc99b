/**
 * Ask/tell tuning: `createTuner({ algorithm, space, seed })`, then `suggest()` and
 * `report(trial, value | values | outcome)`. Each suggestion draws from a random stream keyed by
 * (seed, trial number) and reads only the stored trials, so a tuner rebuilt from its trials
 * (`options.trials`) makes exactly the suggestion the original would have made next.
 */
import { z } from 'zod';
import { InputError, formatPath } from '../errors.js';
import { contains } from './distributions.js';
import { Prng } from './prng.js';
import { parseSearchSpace, toConfig, toFlatParams, type FlatParams, type SearchSpace } from './space.js';
import { show } from './space-schema.js';
import { paretoFront, rankKey, compareKeys, signOf, type Direction, type Sampler, type TrialRecord } from './trials.js';
import { createSampler, type Algorithm, type SamplerOptions } from './samplers.js';

export interface TunerOptions extends SamplerOptions {
  readonly algorithm: Algorithm;
  /** NNI search-space JSON, or a space already returned by `parseSearchSpace`. */
  readonly space: unknown;
  /** Seed of every random draw. Defaults to 0. */
  readonly seed?: number;
  /** One direction per objective. Defaults to `['minimize']`. */
  readonly directions?: readonly Direction[];
  /** Stored trials to continue from (any order; numbers must be unique). */
  readonly trials?: readonly TrialRecord[];
  /**
   * Maps each sampled point to one that meets constraints known before a trial runs (e.g. a
   * sparsity budget computable from the parameters), so no trial is spent where it cannot be
   * feasible. The repaired point is what is recorded, so the model learns from what ran.
   */
  readonly repair?: (params: FlatParams) => FlatParams;
}

export interface Suggestion {
  readonly number: number;
  /** Flat parameters (`parent/choiceName/key` inside nested choices), as stored in trials. */
  readonly params: FlatParams;
  /** The nested NNI-style configuration the trial code receives. */
  readonly config: Record<string, unknown>;
}

/** A value (one objective), a vector (one per direction), or a failed / early-stopped outcome. */
export type Outcome =
  | number
  | readonly number[]
  | { readonly state: 'failed' }
  | { readonly state: 'pruned'; readonly step?: number; readonly value?: number };

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (iss) => `must be one of ${values.join(', ')}, but got ${show(iss.input)}` });
const mustBe = (rule: string) => ({ error: (iss: { input?: unknown }) => `must be ${rule}, but got ${show(iss.input)}` });
const integer = z.number(mustBe('an integer')).int(mustBe('an integer'));

const trialSchema = z.object(
  {
    number: integer.nonnegative(mustBe('a non-negative integer')),
    state: oneOf(['running', 'complete', 'pruned', 'failed']),
    params: z.record(z.string(), z.unknown(), mustBe('an object of parameter values')),
    values: z.array(z.number(mustBe('a finite number')), mustBe('a list of numbers')).optional(),
    intermediate: z.object({ step: z.number(mustBe('a number')), value: z.number(mustBe('a number')) }, mustBe('{step, value}')).optional(),
  },
  mustBe('a trial {number, state, params, values?, intermediate?}'),
);
const optionsSchema = z.object(
  {
    algorithm: oneOf(['tpe', 'random', 'grid', 'anneal']),
    seed: integer.optional(),
    directions: z.array(oneOf(['minimize', 'maximize']), mustBe('a list of directions')).min(1, mustBe('a non-empty list')).optional(),
    trials: z.array(trialSchema, mustBe('a list of trials')).optional(),
  },
  mustBe('an object'),
);

function check<T>(schema: z.ZodType<T>, value: unknown, root: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InputError(parsed.error.issues.map((i) => `${formatPath(root, i.path)} ${i.message}`).join('\n'));
}

export class Tuner {
  readonly space: SearchSpace;
  readonly directions: readonly Direction[];
  readonly #seed: number;
  readonly #sampler: Sampler;
  readonly #trials: TrialRecord[];
  readonly #repair: (params: FlatParams) => FlatParams;

  constructor(options: TunerOptions) {
    const checked = check(optionsSchema, options, 'options');
    this.space = isSearchSpace(options.space) ? options.space : parseSearchSpace(options.space);
    this.directions = checked.directions ?? ['minimize'];
    this.#seed = checked.seed ?? 0;
    (options.trials ?? []).forEach((t, i) => {
      if (t.state === 'complete' && t.values?.length !== this.directions.length) {
        throw new InputError(`options.trials[${i}].values must have ${this.directions.length} entries (one per direction), but got ${show(t.values)}`);
      }
    });
    this.#trials = (options.trials ?? []).map((t) => ({ ...t })).sort((a, b) => a.number - b.number);
    this.#trials.forEach((t, i) => {
      if (i > 0 && t.number === this.#trials[i - 1]!.number) throw new InputError(`options.trials must have unique numbers, but got ${t.number} twice`);
    });
    this.#sampler = createSampler(options.algorithm, this.space, this.directions, this.#seed, options);
    this.#repair = options.repair ?? ((params) => params);
  }

  /** All trials so far, ordered by number. */
  get trials(): readonly TrialRecord[] {
    return this.#trials;
  }

  /** Samples the next trial's parameters (repaired, see {@link TunerOptions.repair}) and records it as running. */
  suggest(): Suggestion {
    const number = this.#nextNumber();
    const rng = new Prng(this.#seed, number);
    const values = this.#sampler.sample({ space: this.space, trials: this.#trials, directions: this.directions, rng });
    return this.#record(number, this.#repair(toFlatParams(this.space, values)));
  }

  /**
   * Records a running trial with the given parameters instead of sampled ones (Optuna's
   * `enqueue_trial`): a warm start from prior knowledge. They are validated against the space.
   */
  enqueue(params: FlatParams): Suggestion {
    for (const spec of this.space.params) {
      const value = params[spec.name];
      if (value !== undefined && !contains(spec.distribution, value)) {
        throw new InputError(`params.${spec.name} must lie in its search-space domain, but got ${show(value)}`);
      }
    }
    return this.#record(this.#nextNumber(), params);
  }

  #nextNumber(): number {
    return this.#trials.length === 0 ? 0 : this.#trials[this.#trials.length - 1]!.number + 1;
  }

  #record(number: number, params: FlatParams): Suggestion {
    this.#trials.push({ number, state: 'running', params });
    return { number, params, config: toConfig(this.space, params) };
  }

  /** Records a running trial's outcome. A NaN value marks the trial failed (as Optuna does). */
  report(trial: number | Suggestion, outcome: Outcome): TrialRecord {
    const number = typeof trial === 'number' ? trial : trial.number;
    const index = this.#trials.findIndex((t) => t.number === number);
    const current = this.#trials[index];
    if (current === undefined) throw new InputError(`trial must be a suggested trial number, but got ${number}`);
    if (current.state !== 'running') throw new InputError(`trial ${number} must be running to be reported, but it is ${current.state}`);
    const record = this.#outcomeRecord(current, outcome);
    this.#trials[index] = record;
    return record;
  }

  #outcomeRecord(current: TrialRecord, outcome: Outcome): TrialRecord {
    if (typeof outcome === 'number' || Array.isArray(outcome)) {
      const values = typeof outcome === 'number' ? [outcome] : [...(outcome as readonly number[])];
      if (values.length !== this.directions.length) {
        throw new InputError(`values must have ${this.directions.length} entries (one per direction), but got ${show(values)}`);
      }
      return values.some(Number.isNaN) ? { ...current, state: 'failed' } : { ...current, state: 'complete', values };
    }
    const o = outcome as Exclude<Outcome, number | readonly number[]>;
    if (o.state === 'failed') return { ...current, state: 'failed' };
    if (o.state !== 'pruned') throw new InputError(`outcome.state must be "failed" or "pruned", but got ${show((o as { state: unknown }).state)}`);
    const { step, value } = o;
    return step === undefined || value === undefined ? { ...current, state: 'pruned' } : { ...current, state: 'pruned', intermediate: { step, value } };
  }

  /** The best complete trial (single objective only). */
  best(): TrialRecord | undefined {
    if (this.directions.length !== 1) throw new InputError(`best() must be used with one direction, but got ${this.directions.length}; use paretoFront()`);
    const sign = signOf(this.directions[0]!);
    const complete = this.#trials.filter((t) => t.state === 'complete');
    return complete.reduce<TrialRecord | undefined>((b, t) => (b === undefined || compareKeys(rankKey(t, sign), rankKey(b, sign)) < 0 ? t : b), undefined);
  }

  /** Non-dominated complete trials. */
  paretoFront(): TrialRecord[] {
    return paretoFront(this.#trials, this.directions);
  }
}

function isSearchSpace(value: unknown): value is SearchSpace {
  return typeof value === 'object' && value !== null && Array.isArray((value as SearchSpace).params) && 'source' in value;
}

export function createTuner(options: TunerOptions): Tuner {
  return new Tuner(options);
}

/**
 * Trials as tuners see them: stored rows of parameters, state and values. Every sampler is a
 * pure function of (space, trials, directions, rng), so a search rebuilt from its stored trials
 * continues exactly where it stopped.
 */
import { choiceIndex, contains } from './distributions.js';
import type { Prng } from './prng.js';
import type { FlatParams, ParamSpec, SearchSpace } from './space.js';

/**
 * `running`: suggested, no result yet (constant liar). `complete`: has values. `pruned`: stopped
 * early, ranked by its last intermediate report. `failed`: ignored by every tuner.
 */
export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';
export type Direction = 'minimize' | 'maximize';

export interface TrialRecord {
  /** Unique, increasing; it also seeds the trial's random stream. */
  readonly number: number;
  readonly state: TrialState;
  readonly params: FlatParams;
  /** One value per objective, for `complete` trials. */
  readonly values?: readonly number[];
  /** Last intermediate report of a `pruned` trial (step, value); absent if it reported none. */
  readonly intermediate?: { readonly step: number; readonly value: number };
}

/** What a sampler sees when asked for the next trial's parameters. */
export interface SampleContext {
  readonly space: SearchSpace;
  readonly trials: readonly TrialRecord[];
  readonly directions: readonly Direction[];
  readonly rng: Prng;
}

/** A sampler returns, per active parameter, a categorical index or a numeric value. */
export interface Sampler {
  sample(ctx: SampleContext): Map<string, number>;
}

/** +1 for minimize, −1 for maximize: signed values are always minimized. */
export function signOf(direction: Direction): number {
  return direction === 'minimize' ? 1 : -1;
}

/**
 * A trial's value for `spec` as a sampler uses it (categorical index or number), or undefined
 * when the trial lacks the parameter or holds a value outside its current domain.
 */
export function observe(spec: ParamSpec, trial: TrialRecord): number | undefined {
  const value = trial.params[spec.name];
  const d = spec.distribution;
  if (!contains(d, value)) return undefined;
  return d.kind === 'categorical' ? choiceIndex(d, value) : (value as number);
}

/**
 * Single-objective order, lower is better (Optuna's `_get_observation_pairs`): every complete
 * trial by value, then pruned trials that got further, by their last report (NaN last); a pruned
 * trial that never reported comes last of all.
 */
export function rankKey(trial: TrialRecord, sign: number): [number, number] {
  if (trial.state === 'complete') return [-Infinity, sign * trial.values![0]!];
  const last = trial.intermediate;
  if (last === undefined) return [1, 0];
  return [-last.step, Number.isNaN(last.value) ? Infinity : sign * last.value];
}

export function compareKeys(a: readonly [number, number], b: readonly [number, number]): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}

/** Whether signed value vector `a` Pareto-dominates `b` (all ≤, some <). */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let strict = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) strict = true;
  }
  return strict;
}

/** Values of a complete trial, signed so that every objective is minimized. */
export function signedValues(trial: TrialRecord, directions: readonly Direction[]): number[] {
  return directions.map((d, i) => signOf(d) * trial.values![i]!);
}

/** The non-dominated complete trials (Optuna's `study.best_trials`). */
export function paretoFront(trials: readonly TrialRecord[], directions: readonly Direction[]): TrialRecord[] {
  const complete = trials.filter((t) => t.state === 'complete');
  const signed = complete.map((t) => signedValues(t, directions));
  return complete.filter((_, i) => !signed.some((other, j) => j !== i && dominates(other, signed[i]!)));
}

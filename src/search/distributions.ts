/**
 * The domain of one parameter, as every tuner sees it (Optuna's distributions, extended with
 * NNI's unbounded normal family). Numeric parameters are modelled in an "internal" space:
 * log(x) when `log`, and a stepped grid widened by q/2 at each end, as Optuna does.
 */
import type { Prng } from './prng.js';

/** A JSON value a `choice` can hold (nested sub-spaces are represented by their `_name`). */
export type ChoiceValue = string | number | boolean | null | readonly ChoiceValue[] | { readonly [key: string]: ChoiceValue };

export interface NumericDistribution {
  readonly kind: 'numeric';
  /** Bounds in user units, both inclusive; ±Infinity for the normal family. */
  readonly low: number;
  readonly high: number;
  /** Model and sample in log space (loguniform, lognormal, ...). */
  readonly log: boolean;
  /** Quantization q: values are low + k·q (bounded) or k·q (normal family); null if continuous. */
  readonly step: number | null;
  /** Prior N(mu, sigma) in internal units for the unbounded normal family; null for bounded. */
  readonly normal: { readonly mu: number; readonly sigma: number } | null;
}

export interface CategoricalDistribution {
  readonly kind: 'categorical';
  readonly choices: readonly ChoiceValue[];
  /** JSON key of each choice, for lookups (the `_name` of a nested sub-space). */
  readonly keys: readonly string[];
}

export type Distribution = NumericDistribution | CategoricalDistribution;

/** Maps a user value to internal units. */
export function toInternal(d: NumericDistribution, x: number): number {
  return d.log ? Math.log(x) : x;
}

/** Internal bounds of the modelled density (widened by q/2 for stepped values). */
export function internalBounds(d: NumericDistribution): [number, number] {
  if (d.normal !== null) return [-Infinity, Infinity];
  const half = d.step === null ? 0 : d.step / 2;
  return [toInternal(d, d.low - half), toInternal(d, d.high + half)];
}

/** Prior kernel (μ, σ) in internal units: the centre and width of the range, or NNI's normal prior. */
export function priorKernel(d: NumericDistribution): { mu: number; sigma: number } {
  if (d.normal !== null) return d.normal;
  const [low, high] = internalBounds(d);
  return { mu: 0.5 * (low + high), sigma: high - low };
}

/** Maps an internal value back to a valid user value (rounded to the grid, clipped to the bounds). */
export function fromInternal(d: NumericDistribution, y: number): number {
  let x = d.log ? Math.exp(y) : y;
  if (d.step !== null) {
    const origin = d.normal === null ? d.low : 0;
    x = origin + Math.round((x - origin) / d.step) * d.step;
  }
  return Math.min(d.high, Math.max(d.low, x));
}

/** Whether a stored value belongs to the domain (stale or foreign trial values are ignored). */
export function contains(d: Distribution, value: unknown): boolean {
  if (d.kind === 'categorical') return choiceIndex(d, value) >= 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < d.low || value > d.high) return false;
  if (d.log && value <= 0 && d.step === null) return false;
  if (d.step === null) return true;
  const k = (value - (d.normal === null ? d.low : 0)) / d.step;
  return Math.abs(k - Math.round(k)) < 1e-8 * Math.max(1, Math.abs(k));
}

/** The key used to look a choice up; nested sub-spaces are identified by their `_name`. */
export function choiceKey(value: unknown): string {
  return JSON.stringify(value);
}

const choiceLookups = new WeakMap<CategoricalDistribution, Map<string, number>>();

/** Index of `value` among the choices, or −1 (samplers call this per trial and parameter). */
export function choiceIndex(d: CategoricalDistribution, value: unknown): number {
  if (value === undefined) return -1;
  let lookup = choiceLookups.get(d);
  if (lookup === undefined) {
    lookup = new Map(d.keys.map((k, i) => [k, i]));
    choiceLookups.set(d, lookup);
  }
  return lookup.get(choiceKey(value)) ?? -1;
}

/** A draw from the prior: uniform (in internal units) when bounded, NNI's normal otherwise. */
export function sampleFromPrior(d: Distribution, rng: Prng): number {
  if (d.kind === 'categorical') return rng.int(d.choices.length);
  if (d.normal !== null) return fromInternal(d, d.normal.mu + d.normal.sigma * rng.normal());
  const [low, high] = internalBounds(d);
  return fromInternal(d, rng.uniform(low, high));
}

/** Finite values of a stepped bounded parameter, in order (for grid search). */
export function gridValues(d: NumericDistribution): number[] | null {
  if (d.step === null || d.normal !== null) return null;
  const n = Math.floor((d.high - d.low) / d.step + 1e-9);
  return Array.from({ length: n + 1 }, (_, k) => Math.min(d.high, d.low + k * d.step!));
}

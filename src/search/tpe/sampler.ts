/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011; Watanabe 2023, "Tree-structured Parzen
 * estimator: understanding its algorithm components"), with Optuna's defaults.
 *
 * Recipe per suggestion: random start-up → split trials (γ) → fit l(x) on "below" and g(x) on
 * "above" → draw 24 candidates from l(x) → return the argmax of log l(x) − log g(x).
 * Independent mode runs the recipe per parameter on the trials that had it (so conditional
 * parameters need nothing more); multivariate mode runs it jointly over each group of
 * parameters that always occur together, and independently for parameters not seen yet.
 */
import { isActive, type ParamSpec, type SearchSpace } from '../space.js';
import { completeFromPrior } from '../random.js';
import { sampleFromPrior } from '../distributions.js';
import { observe, type SampleContext, type Sampler, type TrialRecord } from '../trials.js';
import { logPdfMixture, sampleMixture } from './distributions.js';
import { fitParzenEstimator } from './parzen-estimator.js';
import { TrialSplitter, isScored } from './split.js';

export interface TpeOptions {
  /** Random trials before TPE starts. Defaults to 10. */
  readonly nStartupTrials: number;
  /** Candidates drawn from l(x) per suggestion. Defaults to 24. */
  readonly nEiCandidates: number;
  /** Joint models over parameters that occur together (Optuna's `multivariate=True, group=True`). Defaults to false. */
  readonly multivariate: boolean;
  /** Put running trials into g(x) so parallel workers spread out. Defaults to true. */
  readonly constantLiar: boolean;
  /** Weight of the prior kernel. Defaults to 1. */
  readonly priorWeight: number;
  /** Optuna's magic clip of kernel widths. Defaults to true. */
  readonly magicClip: boolean;
  /** Size of the "below" set for n observed trials. Defaults to {@link defaultGamma}. */
  readonly gamma: (n: number) => number;
  /** Kernel weights for n trials in chronological order. Defaults to {@link defaultWeights}. */
  readonly weights: (n: number) => number[];
}

/** γ(n) = min(⌈0.1·n⌉, 25). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** 1 for the newest 25 trials; older ones ramp linearly from 1/n up to 1 (linear forgetting). */
export function defaultWeights(n: number): number[] {
  const weights = new Array<number>(n).fill(1);
  const ramp = n - 25;
  const start = 1 / n;
  for (let i = 0; i < ramp; i++) weights[i] = ramp === 1 ? start : start + ((1 - start) * i) / (ramp - 1);
  return weights;
}

export const DEFAULT_TPE_OPTIONS: TpeOptions = {
  nStartupTrials: 10, nEiCandidates: 24, multivariate: false, constantLiar: true,
  priorWeight: 1, magicClip: true, gamma: defaultGamma, weights: defaultWeights,
};

/** Per-suggestion view of the usable trials: values per parameter (NaN = absent) and a splitter. */
interface Observed {
  readonly trials: readonly TrialRecord[];
  readonly values: ReadonlyMap<string, Float64Array>;
  readonly splitter: TrialSplitter;
}

export class TpeSampler implements Sampler {
  readonly #options: TpeOptions;
  readonly #rows = new WeakMap<TrialRecord, Float64Array>();

  /** A sampler serves one search space (its cached rows are per parameter of that space). */
  constructor(options: Partial<TpeOptions> = {}) {
    this.#options = { ...DEFAULT_TPE_OPTIONS, ...options };
  }

  sample(ctx: SampleContext): Map<string, number> {
    const nObjectives = ctx.directions.length;
    const trials = ctx.trials.filter((t) => isScored(t, nObjectives) || (this.#options.constantLiar && t.state === 'running'));
    if (trials.filter((t) => isScored(t, nObjectives)).length < this.#options.nStartupTrials) {
      return completeFromPrior(ctx.space, ctx.rng);
    }
    const rows = trials.map((t) => this.#observedRow(ctx.space, t));
    const observed: Observed = {
      trials,
      values: new Map(ctx.space.params.map((spec, j) => [spec.name, gather(rows.length, (i) => rows[i]![j]!)])),
      splitter: new TrialSplitter(trials, ctx.directions),
    };
    const relative = this.#options.multivariate ? this.#sampleJoint(ctx, observed) : new Map<string, number>();
    const values = new Map<string, number>();
    for (const spec of ctx.space.params) {
      if (!isActive(spec, values)) continue;
      values.set(spec.name, relative.get(spec.name) ?? this.#sampleTpe(ctx, [spec], observed, false).get(spec.name)!);
    }
    return values;
  }

  /** A trial's sampler values per parameter (NaN = absent); records are immutable, so rows are cached. */
  #observedRow(space: SearchSpace, trial: TrialRecord): Float64Array {
    let row = this.#rows.get(trial);
    if (row === undefined) {
      row = Float64Array.from(space.params, (spec) => observe(spec, trial) ?? NaN);
      this.#rows.set(trial, row);
    }
    return row;
  }

  /** Joint TPE over each group of parameters that always occur together (see {@link jointGroups}). */
  #sampleJoint(ctx: SampleContext, observed: Observed): Map<string, number> {
    const scored = [...observed.trials.keys()].filter((i) => isScored(observed.trials[i]!, ctx.directions.length));
    const values = new Map<string, number>();
    for (const group of jointGroups(ctx.space.params, observed.values, scored)) {
      for (const [name, v] of this.#sampleTpe(ctx, group, observed, true)) values.set(name, v);
    }
    return values;
  }

  /** One TPE step over `specs`, using the trials that have all of them; `joint` for the multivariate model. */
  #sampleTpe(ctx: SampleContext, specs: readonly ParamSpec[], observed: Observed, joint: boolean): Map<string, number> {
    const o = this.#options;
    const columns = specs.map((spec) => observed.values.get(spec.name)!);
    const included = new Uint8Array(observed.trials.length).fill(1);
    for (const c of columns) c.forEach((v, i) => { if (Number.isNaN(v)) included[i] = 0; });
    const n = observed.trials.filter((t, i) => included[i] && isScored(t, ctx.directions.length)).length;
    if (n < o.nStartupTrials) return new Map(specs.map((s) => [s.name, sampleFromPrior(s.distribution, ctx.rng)]));
    const split = observed.splitter.split(included, o.gamma(n));
    const distributions = specs.map((s) => s.distribution);
    const fit = (rows: readonly number[], weights: number[]) =>
      fitParzenEstimator(distributions, columns.map((c) => gather(rows.length, (r) => c[rows[r]!]!)), weights, { ...o, unitHeight: !joint });
    const below = fit(split.below, split.belowWeights ?? o.weights(split.below.length));
    const above = fit(split.above, o.weights(split.above.length));
    // Candidates repeat often for a discrete parameter; scoring each once gives the same argmax.
    const candidates = distinct(sampleMixture(below, ctx.rng, o.nEiCandidates));
    const logL = logPdfMixture(below, candidates);
    const logG = logPdfMixture(above, candidates);
    let best = 0;
    for (let i = 1; i < logL.length; i++) if (logL[i]! - logG[i]! > logL[best]! - logG[best]!) best = i;
    return new Map(specs.map((s, d) => [s.name, candidates[d]![best]!]));
  }
}

/**
 * Parameters grouped by the set of scored trials that have them (Optuna's group decomposition,
 * `group=True`). For a static space this is one group, Optuna's IntersectionSearchSpace; in a
 * conditional space each nested sub-space gets its own joint model instead of falling back to
 * independent sampling. Parameters no scored trial has are left to the independent step.
 */
export function jointGroups(
  params: readonly ParamSpec[], values: ReadonlyMap<string, Float64Array>, scored: readonly number[],
): ParamSpec[][] {
  const groups = new Map<string, ParamSpec[]>();
  for (const spec of params) {
    const column = values.get(spec.name)!;
    const key = scored.map((i) => (Number.isNaN(column[i]!) ? '0' : '1')).join('');
    if (!key.includes('1')) continue;
    groups.set(key, [...(groups.get(key) ?? []), spec]);
  }
  return [...groups.values()];
}

/** A Float64Array of n values (Float64Array.from with a mapper is several times slower in V8). */
function gather(n: number, at: (i: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = at(i);
  return out;
}

/**
 * Drops repeated candidates of a single discrete parameter (in joint mode rows are almost
 * always distinct, and per-value work is shared inside the kernels instead).
 */
function distinct(columns: readonly Float64Array[]): Float64Array[] {
  if (columns.length !== 1) return [...columns];
  const unique: number[] = [];
  for (const x of columns[0]!) if (!unique.includes(x)) unique.push(x);
  return [new Float64Array(unique)];
}

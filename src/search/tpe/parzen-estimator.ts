/**
 * Fits one Parzen estimator (l(x) or g(x)) to observations: one kernel per observation plus a
 * prior kernel (Optuna's `_ParzenEstimator`). Bandwidths use the neighbour-gap rule with the
 * prior's μ among the neighbours (Optuna ≤ 4.8, hyperopt) in both modes; multivariate mode
 * takes it from Optuna 5 instead of v3.1's fixed Scott bandwidth 0.2·m^(−1/(d+4)), which lost
 * to the gap rule on hartmann6 and mixed10 in bench/tuner.ts.
 */
import { internalBounds, priorKernel, toInternal, type Distribution, type NumericDistribution } from '../distributions.js';
import { numericKernels, type CategoricalKernels, type Kernels, type Mixture, type NumericKernels } from './distributions.js';

export interface ParzenEstimatorOptions {
  /** Weight of the prior kernel relative to the observation weights. Defaults to 1. */
  readonly priorWeight: number;
  /** Clip σ to [range / min(100, m + 2), range] ("magic clip", Bergstra 2011). Defaults to true. */
  readonly magicClip: boolean;
  /**
   * Give every continuous kernel the same peak height (its standardized density, without 1/σ).
   * This is what Optuna's TPE computes (`_truncnorm.logpdf` standardizes by loc/scale and drops
   * the Jacobian), and it scores better than true densities in per-parameter models: narrow
   * kernels of g(x) no longer spike around every evaluated point, so candidates near good points
   * survive (bench/tuner.ts: branin and hartmann6 match Optuna only this way). Joint models keep
   * true densities, which scored better there.
   */
  readonly unitHeight: boolean;
}

const EPS = 1e-12;

/**
 * @param observations per parameter, m values each (numeric user values or choice indices)
 * @param weights m non-negative observation weights, chronological (not normalized)
 */
export function fitParzenEstimator(
  distributions: readonly Distribution[], observations: readonly Float64Array[], weights: ArrayLike<number>,
  options: ParzenEstimatorOptions,
): Mixture {
  const m = weights.length;
  const w = new Float64Array(m + 1);
  for (let i = 0; i < m; i++) w[i] = weights[i]!;
  w[m] = m === 0 ? 1 : options.priorWeight;
  let total = 0;
  for (let i = 0; i <= m; i++) total += w[i]!;
  for (let i = 0; i <= m; i++) w[i]! /= total;
  const dims: Kernels[] = distributions.map((d, j) =>
    d.kind === 'categorical'
      ? categoricalKernels(d.choices.length, observations[j]!, options.priorWeight)
      : numericKernelsFor(d, observations[j]!, options),
  );
  return { weights: w, dims };
}

function categoricalKernels(nChoices: number, obs: Float64Array, priorWeight: number): CategoricalKernels {
  const m = obs.length;
  // Row j: priorWeight/(m+1) on every choice plus 1 on the observed one, normalized; the prior row is uniform.
  const base = priorWeight / (m + 1);
  const norm = 1 / (1 + nChoices * base);
  const probs = new Float64Array((m + 1) * nChoices).fill(base * norm);
  for (let j = 0; j < m; j++) probs[j * nChoices + obs[j]!]! += norm;
  probs.fill(1 / nChoices, m * nChoices);
  return { kind: 'categorical', nChoices, probs };
}

function numericKernelsFor(d: NumericDistribution, obs: Float64Array, options: ParzenEstimatorOptions): NumericKernels {
  const m = obs.length;
  const [low, high] = internalBounds(d);
  const prior = priorKernel(d);
  const range = prior.sigma;
  const mus = new Float64Array(m + 1);
  for (let j = 0; j < m; j++) mus[j] = toInternal(d, obs[j]!);
  mus[m] = prior.mu;
  const sigmas = new Float64Array(m + 1);
  sigmas.set(neighbourSigmas(mus, low, high).subarray(0, m));
  const minSigma = options.magicClip ? range / Math.min(100, m + 2) : EPS;
  for (let j = 0; j < m; j++) sigmas[j] = Math.min(range, Math.max(minSigma, sigmas[j]!));
  sigmas[m] = range;
  return numericKernels(d, low, high, mus, sigmas, options.unitHeight);
}

/**
 * σᵢ = the larger gap to the sorted neighbours, with the bounds as outer neighbours; the
 * outermost kernels use only their inner gap (consider_endpoints=False) once there are two.
 */
function neighbourSigmas(mus: Float64Array, low: number, high: number): Float64Array {
  const n = mus.length;
  const sorted = Float64Array.from(mus).sort(); // native numeric sort; ranks by binary search
  const ties = new Map<number, number>();
  const sigmas = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = mus[i]!;
    let r = lowerBound(sorted, x);
    if (sorted[r + 1] === x) {
      // Equal values take consecutive ranks in index order (a stable argsort).
      const seen = ties.get(x) ?? 0;
      ties.set(x, seen + 1);
      r += seen;
    }
    const left = r === 0 ? low : sorted[r - 1]!;
    const right = r === n - 1 ? high : sorted[r + 1]!;
    sigmas[i] = n >= 2 && r === 0 ? right - x : n >= 2 && r === n - 1 ? x - left : Math.max(x - left, right - x);
  }
  return sigmas;
}

/** First index whose value is ≥ x in an ascending array. */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

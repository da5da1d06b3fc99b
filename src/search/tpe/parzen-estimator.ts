/**
 * Fits one Parzen estimator (l(x) or g(x)) to observations: one kernel per observation plus a
 * prior kernel (Optuna's `_ParzenEstimator`, v3.1 semantics, which the benchmark compares with).
 */
import { internalBounds, priorKernel, toInternal, type Distribution, type NumericDistribution } from '../distributions.js';
import { numericKernels, type CategoricalKernels, type Kernels, type Mixture, type NumericKernels } from './distributions.js';

export interface ParzenEstimatorOptions {
  /** Weight of the prior kernel relative to the observation weights. Defaults to 1. */
  readonly priorWeight: number;
  /** Clip σ to [range / min(100, m + 2), range] ("magic clip", Bergstra 2011). Defaults to true. */
  readonly magicClip: boolean;
  /** One bandwidth for all kernels (Scott's rule, as BOHB) instead of the neighbour gaps. */
  readonly multivariate: boolean;
}

const SIGMA0_MAGNITUDE = 0.2;
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
  const total = w.reduce((a, b) => a + b, 0);
  for (let i = 0; i <= m; i++) w[i]! /= total;
  const dims: Kernels[] = distributions.map((d, j) =>
    d.kind === 'categorical'
      ? categoricalKernels(d.choices.length, observations[j]!, options.priorWeight)
      : numericKernelsFor(d, observations[j]!, options, distributions.length),
  );
  return { weights: w, dims };
}

function categoricalKernels(nChoices: number, obs: Float64Array, priorWeight: number): CategoricalKernels {
  const m = obs.length;
  const probs = new Float64Array((m + 1) * nChoices).fill(priorWeight / (m + 1));
  for (let j = 0; j < m; j++) probs[j * nChoices + obs[j]!]! += 1;
  for (let j = 0; j <= m; j++) {
    let sum = 0;
    for (let c = 0; c < nChoices; c++) sum += probs[j * nChoices + c]!;
    for (let c = 0; c < nChoices; c++) probs[j * nChoices + c]! /= sum;
  }
  return { kind: 'categorical', nChoices, probs };
}

function numericKernelsFor(
  d: NumericDistribution, obs: Float64Array, options: ParzenEstimatorOptions, nParams: number,
): NumericKernels {
  const m = obs.length;
  const [low, high] = internalBounds(d);
  const prior = priorKernel(d);
  const range = prior.sigma;
  const mus = new Float64Array(m + 1);
  for (let j = 0; j < m; j++) mus[j] = toInternal(d, obs[j]!);
  mus[m] = prior.mu;
  const sigmas = options.multivariate
    ? new Float64Array(m + 1).fill(SIGMA0_MAGNITUDE * Math.max(m, 1) ** (-1 / (nParams + 4)) * range)
    : neighbourSigmas(mus, low, high);
  const minSigma = options.magicClip ? range / Math.min(100, m + 2) : EPS;
  for (let j = 0; j < m; j++) sigmas[j] = Math.min(range, Math.max(minSigma, sigmas[j]!));
  sigmas[m] = range;
  return numericKernels(d, low, high, mus, sigmas);
}

/**
 * σᵢ = the larger gap to the sorted neighbours (the prior's μ included, as Optuna ≤ 4.8 and
 * hyperopt do); the outermost kernels use only their inner gap (consider_endpoints=False).
 */
function neighbourSigmas(mus: Float64Array, low: number, high: number): Float64Array {
  const n = mus.length;
  const order = Array.from(mus.keys()).sort((a, b) => mus[a]! - mus[b]!);
  const sorted = [low, ...order.map((i) => mus[i]!), high];
  const sigmas = new Float64Array(n);
  order.forEach((idx, r) => {
    const p = r + 1;
    let s = Math.max(sorted[p]! - sorted[p - 1]!, sorted[p + 1]! - sorted[p]!);
    if (n >= 2 && r === 0) s = sorted[2]! - sorted[1]!;
    else if (n >= 2 && r === n - 1) s = sorted[n]! - sorted[n - 1]!;
    sigmas[idx] = s;
  });
  return sigmas;
}

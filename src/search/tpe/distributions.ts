/**
 * Batched kernel mixtures (Optuna's `probability_distributions.py`): a mixture of K product
 * kernels over D parameters. Numeric kernels are normals truncated to the bounds one by one and
 * renormalized; stepped values get the kernel's mass over [x − q/2, x + q/2]. Categorical kernels
 * are rows of choice probabilities. Samples are user values (categorical: choice index).
 */
import { fromInternal, toInternal, type NumericDistribution } from '../distributions.js';
import type { Prng } from '../prng.js';
import { logGaussMass, logNormalPdf, sampleTruncNorm } from './truncnorm.js';

export interface NumericKernels {
  readonly kind: 'numeric';
  readonly distribution: NumericDistribution;
  /** Internal bounds of every kernel. */
  readonly low: number;
  readonly high: number;
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  /** log of each kernel's mass inside [low, high] (its truncation normalizer). */
  readonly logMass: Float64Array;
  /** Per-kernel constant of the continuous log-density: −logMass, minus log σ unless unit height. */
  readonly logNorm: Float64Array;
}

export interface CategoricalKernels {
  readonly kind: 'categorical';
  readonly nChoices: number;
  /** Row-major K × nChoices probabilities. */
  readonly probs: Float64Array;
}

export type Kernels = NumericKernels | CategoricalKernels;

export interface Mixture {
  /** Normalized kernel weights, length K. */
  readonly weights: Float64Array;
  /** One kernel set per parameter, each of length K. */
  readonly dims: readonly Kernels[];
}

/** @param unitHeight see ParzenEstimatorOptions.unitHeight */
export function numericKernels(
  distribution: NumericDistribution, low: number, high: number, mus: Float64Array, sigmas: Float64Array, unitHeight: boolean,
): NumericKernels {
  const logMass = mus.map((mu, k) => logGaussMass((low - mu) / sigmas[k]!, (high - mu) / sigmas[k]!));
  const logNorm = logMass.map((lm, k) => -lm - (unitHeight ? 0 : Math.log(sigmas[k]!)));
  return { kind: 'numeric', distribution, low, high, mus, sigmas, logMass, logNorm };
}

/** `n` draws: pick one kernel per draw (shared by all parameters), then sample each parameter. */
export function sampleMixture(mixture: Mixture, rng: Prng, n: number): Float64Array[] {
  const out = mixture.dims.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const k = rng.weighted(mixture.weights);
    mixture.dims.forEach((dim, d) => {
      if (dim.kind === 'categorical') {
        out[d]![i] = rng.weighted(dim.probs.subarray(k * dim.nChoices, (k + 1) * dim.nChoices));
      } else {
        const y = sampleTruncNorm(rng, dim.mus[k]!, dim.sigmas[k]!, dim.low, dim.high);
        out[d]![i] = fromInternal(dim.distribution, y);
      }
    });
  }
  return out;
}

/** log density (log mass for discrete parameters) of each sample under the mixture. */
export function logPdfMixture(mixture: Mixture, samples: readonly Float64Array[]): Float64Array {
  const K = mixture.weights.length;
  const n = samples[0]!.length;
  const acc = new Float64Array(n * K);
  for (let k = 0; k < K; k++) {
    const lw = Math.log(mixture.weights[k]!);
    for (let i = 0; i < n; i++) acc[i * K + k] = lw;
  }
  mixture.dims.forEach((dim, d) => addLogPdf(dim, samples[d]!, acc, K));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = logSumExp(acc, i * K, K);
  return out;
}

function addLogPdf(dim: Kernels, xs: Float64Array, acc: Float64Array, K: number): void {
  if (dim.kind === 'categorical') {
    const logProbs = dim.probs.map(Math.log);
    for (let i = 0; i < xs.length; i++) {
      for (let k = 0; k < K; k++) acc[i * K + k]! += logProbs[k * dim.nChoices + xs[i]!]!;
    }
    return;
  }
  const { distribution: dist, mus, sigmas, logMass, logNorm } = dim;
  const half = dist.step === null ? 0 : dist.step / 2;
  if (half === 0) {
    for (let i = 0; i < xs.length; i++) {
      // Continuous: the Jacobian of the log transform is the same under l and g, so it is left out.
      const y = toInternal(dist, xs[i]!);
      for (let k = 0; k < K; k++) acc[i * K + k]! += logNormalPdf((y - mus[k]!) / sigmas[k]!) + logNorm[k]!;
    }
    return;
  }
  // Discrete: samples repeat grid values, and the bin masses (the costly part) depend only on the value.
  const rows = new Map<number, Float64Array>();
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    let row = rows.get(x);
    if (row === undefined) {
      const lo = Math.max(dim.low, toInternal(dist, dist.log ? Math.max(x - half, 0) : x - half));
      const hi = Math.min(dim.high, toInternal(dist, x + half));
      row = mus.map((mu, k) => logGaussMass((lo - mu) / sigmas[k]!, (hi - mu) / sigmas[k]!) - logMass[k]!);
      rows.set(x, row);
    }
    for (let k = 0; k < K; k++) acc[i * K + k]! += row[k]!;
  }
}

function logSumExp(a: Float64Array, start: number, n: number): number {
  let max = -Infinity;
  for (let j = start; j < start + n; j++) if (a[j]! > max) max = a[j]!;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let j = start; j < start + n; j++) sum += Math.exp(a[j]! - max);
  return max + Math.log(sum);
}

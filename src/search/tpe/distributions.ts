/**
 * Batched kernel mixtures (Optuna's `probability_distributions.py`): a mixture of K product
 * kernels over D parameters. Numeric kernels are normals truncated to the bounds one by one and
 * renormalized; stepped values get the kernel's mass over [x − q/2, x + q/2]. Categorical kernels
 * are rows of choice probabilities. Samples are user values (categorical: choice index).
 */
import { fromInternal, toInternal, type NumericDistribution } from '../distributions.js';
import type { Prng } from '../prng.js';
import { gaussMass, logGaussMass, logNormalPdf, sampleTruncNorm } from './truncnorm.js';

export interface NumericKernels {
  readonly kind: 'numeric';
  readonly distribution: NumericDistribution;
  /** Internal bounds of every kernel. */
  readonly low: number;
  readonly high: number;
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  /** Each kernel's mass inside [low, high] (its truncation normalizer), and its log. */
  readonly mass: Float64Array;
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
  // μ lies inside the bounds, so each mass is at least Φ(0.5) − Φ(0) and linear space is exact enough.
  const mass = mus.map((mu, k) => gaussMass((low - mu) / sigmas[k]!, (high - mu) / sigmas[k]!));
  const logMass = mass.map(Math.log);
  const logNorm = logMass.map((lm, k) => -lm - (unitHeight ? 0 : Math.log(sigmas[k]!)));
  return { kind: 'numeric', distribution, low, high, mus, sigmas, mass, logMass, logNorm };
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
  return mixture.dims.length === 1 ? logPdfSingle(mixture, samples[0]!) : logPdfProduct(mixture, samples);
}

/**
 * One parameter (independent mode, the hot path): sum the kernels in linear space, one exp per
 * kernel and sample and no n × K buffer. The prior kernel keeps the sum well above underflow in
 * bounded domains; a sample whose sum still underflows (far in a normal prior's tail) falls
 * back to the log-space path.
 */
function logPdfSingle(mixture: Mixture, xs: Float64Array): Float64Array {
  const { weights } = mixture;
  const dim = mixture.dims[0]!;
  const K = weights.length;
  // Continuous kernels: weight × exp(logNorm) / √(2π), the factor in front of exp(−z²/2).
  const scale = dim.kind === 'numeric' ? weights.map((w, k) => w * Math.exp(dim.logNorm[k]! + logNormalPdf(0))) : null;
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    let sum = 0;
    if (dim.kind === 'categorical') {
      for (let k = 0; k < K; k++) sum += weights[k]! * dim.probs[k * dim.nChoices + x]!;
    } else if (dim.distribution.step === null) {
      const y = toInternal(dim.distribution, x);
      // In a bounded domain the prior kernel (σ = range) adds at least ~1e-3 (per kernel-weight
      // share) everywhere, so a kernel 9σ away (< 1e-17) is skipped with no visible effect.
      const cutoff = dim.distribution.normal === null ? 81 : Infinity;
      for (let k = 0; k < K; k++) {
        const z = (y - dim.mus[k]!) / dim.sigmas[k]!;
        if (z * z < cutoff) sum += scale![k]! * Math.exp(-0.5 * z * z);
      }
    } else {
      const row = binMasses(dim, x);
      for (let k = 0; k < K; k++) sum += (weights[k]! * row[k]!) / dim.mass[k]!;
    }
    out[i] = sum > 0 ? Math.log(sum) : logPdfProduct(mixture, [Float64Array.of(x)])[0]!;
  }
  return out;
}

/**
 * Several parameters (joint mode): per kernel, add the parameters' log terms, then log-sum-exp.
 * Stepped parameters come last, kernel by kernel, so that hopeless kernels can skip them.
 */
function logPdfProduct(mixture: Mixture, samples: readonly Float64Array[]): Float64Array {
  const K = mixture.weights.length;
  const n = samples[0]!.length;
  const acc = new Float64Array(n * K);
  for (let k = 0; k < K; k++) {
    const lw = Math.log(mixture.weights[k]!);
    for (let i = 0; i < n; i++) acc[i * K + k] = lw;
  }
  const stepped: number[] = [];
  mixture.dims.forEach((dim, d) => {
    if (dim.kind === 'numeric' && dim.distribution.step !== null) stepped.push(d);
    else addLogPdf(dim, samples[d]!, acc, K);
  });
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = acc.subarray(i * K, (i + 1) * K);
    if (stepped.length > 0) addStepped(stepped.map((d) => mixture.dims[d] as NumericKernels), stepped.map((d) => samples[d]![i]!), row);
    out[i] = logSumExp(row, 0, K);
  }
  return out;
}

/**
 * Adds one sample's stepped-parameter log masses to its kernel row. Each such term is ≤ 0 (a
 * bin holds at most a kernel's mass in bounds), so once the best kernel's full value F is known,
 * a kernel already below F − 45 could add less than e^−45 of it: it is dropped (−∞) before its
 * costly bin masses are computed.
 */
function addStepped(dims: readonly NumericKernels[], xs: readonly number[], row: Float64Array): void {
  const bins = dims.map((dim, j) => binOf(dim, xs[j]!));
  const term = (k: number) => dims.reduce((sum, dim, j) => sum + binLogShare(dim, bins[j]!, k), 0);
  let best = 0;
  for (let k = 1; k < row.length; k++) if (row[k]! > row[best]!) best = k;
  row[best]! += term(best);
  const floor = row[best]! - 45;
  for (let k = 0; k < row.length; k++) {
    if (k !== best) row[k] = row[k]! < floor ? -Infinity : row[k]! + term(k);
  }
}

/** The bin of grid value x, [x − q/2, x + q/2], in internal units and clipped to the bounds. */
function binOf(dim: NumericKernels, x: number): [number, number] {
  const dist = dim.distribution;
  const half = dist.step! / 2;
  const lo = Math.max(dim.low, toInternal(dist, dist.log ? Math.max(x - half, 0) : x - half));
  return [lo, Math.min(dim.high, toInternal(dist, x + half))];
}

/**
 * Each kernel's mass over the bin of grid value x. In a bounded domain, bins beyond 9σ of a
 * kernel count as 0 (< 1e-19): the prior kernel's mass of any bin is far larger.
 */
function binMasses(dim: NumericKernels, x: number): Float64Array {
  const [lo, hi] = binOf(dim, x);
  const cutoff = dim.distribution.normal === null ? 9 : Infinity;
  const out = new Float64Array(dim.mus.length);
  for (let k = 0; k < out.length; k++) {
    const a = (lo - dim.mus[k]!) / dim.sigmas[k]!;
    const b = (hi - dim.mus[k]!) / dim.sigmas[k]!;
    if (a < cutoff && b > -cutoff) out[k] = gaussMass(a, b);
  }
  return out;
}

/**
 * log of the share of kernel k's in-bounds mass that falls in a bin (≤ 0). A narrow bin ≥ 9σ
 * from the kernel uses the midpoint rule, φ(mid)·(b − a): its relative error (b − a)²·mid²/24
 * stays under 1e-3 there, on a term below e^−40, at a fraction of the cost.
 */
function binLogShare(dim: NumericKernels, [lo, hi]: readonly [number, number], k: number): number {
  const a = (lo - dim.mus[k]!) / dim.sigmas[k]!;
  const b = (hi - dim.mus[k]!) / dim.sigmas[k]!;
  const far = Math.min(Math.abs(a), Math.abs(b));
  const narrow = (b - a) * Math.max(Math.abs(a), Math.abs(b)) < 0.15;
  const logMass = a * b > 0 && far >= 9 && narrow ? logNormalPdf(0.5 * (a + b)) + Math.log(b - a) : logGaussMass(a, b);
  return logMass - dim.logMass[k]!;
}

/** Adds a categorical or continuous parameter's log term to every (sample, kernel) cell. */
function addLogPdf(dim: Kernels, xs: Float64Array, acc: Float64Array, K: number): void {
  if (dim.kind === 'categorical') {
    const logProbs = dim.probs.map(Math.log);
    for (let i = 0; i < xs.length; i++) {
      for (let k = 0; k < K; k++) acc[i * K + k]! += logProbs[k * dim.nChoices + xs[i]!]!;
    }
    return;
  }
  const { distribution: dist, mus, sigmas, logNorm } = dim;
  for (let i = 0; i < xs.length; i++) {
    // The Jacobian of the log transform is the same under l and g, so it is left out.
    const y = toInternal(dist, xs[i]!);
    for (let k = 0; k < K; k++) acc[i * K + k]! += logNormalPdf((y - mus[k]!) / sigmas[k]!) + logNorm[k]!;
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

/** Statistics for comparing tuners over seeds. */
import { erfc } from '../../src/search/tpe/truncnorm.js';

/** Quantile with linear interpolation (numpy default, R type 7). */
export function quantile(values: readonly number[], p: number): number {
  const x = [...values].sort((a, b) => a - b);
  const h = (x.length - 1) * p;
  const lo = Math.floor(h);
  return x[lo]! + (h - lo) * (x[Math.ceil(h)]! - x[lo]!);
}

export function quartiles(values: readonly number[]): { q25: number; median: number; q75: number } {
  return { q25: quantile(values, 0.25), median: quantile(values, 0.5), q75: quantile(values, 0.75) };
}

/**
 * Two-sided Mann–Whitney U test, normal approximation with tie and continuity corrections
 * (scipy.stats.mannwhitneyu's "asymptotic" method, which it uses for samples of 20).
 */
export function mannWhitneyU(a: readonly number[], b: readonly number[]): { u: number; p: number } {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const ranks = new Float64Array(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j++;
    const t = j - i + 1;
    for (let k = i; k <= j; k++) ranks[k] = (i + j) / 2 + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  const n1 = a.length;
  const n2 = b.length;
  const r1 = all.reduce((s, e, i) => s + (e.g === 0 ? ranks[i]! : 0), 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const n = n1 + n2;
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sigma === 0) return { u, p: 1 };
  const z = (Math.abs(u - mu) - 0.5) / sigma;
  return { u, p: Math.min(1, erfc(Math.max(z, 0) / Math.SQRT2)) };
}

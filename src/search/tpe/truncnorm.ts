/*
 * erfc follows FreeBSD msun s_erf.c (fdlibm):
 * ====================================================
 * Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
 *
 * Developed at SunPro, a Sun Microsystems, Inc. business.
 * Permission to use, copy, modify, and distribute this
 * software is freely granted, provided that this notice
 * is preserved.
 * ====================================================
 * The log-space Gaussian mass follows SciPy's truncnorm `_log_gauss_mass`, which Optuna vendors
 * in `_truncnorm.py`: tails are evaluated in log space so that far-away kernels still give finite
 * log-likelihoods (the acquisition compares log l − log g, and −∞ − −∞ would be NaN).
 */
import type { Prng } from '../prng.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SQRT1_2 = Math.SQRT1_2;

// erf on [0, 0.84375]
const PP = [1.28379167095512558561e-1, -3.2504210724700149937e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3, -2.37630166566501626084e-5];
const QQ = [3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4, -3.9602282787753681232e-6];
// erf on [0.84375, 1.25]
const ERX = 8.45062911510467529297e-1;
const PA = [-2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1, -1.10894694282396677476e-1, 3.54783043256182359371e-2, -2.166375594868790843e-3];
const QA = [1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1, 1.36370839120290507362e-2, 1.1984499846799107417e-2];
// erfc on [1.25, 1/0.35]
const RA = [-9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1, -1.62396669462573470355e2, -1.84605092906711035994e2, -8.12874355063065934246e1, -9.81432934416914548592];
const SA = [1.96512716674392571292e1, 1.376577541435190426e2, 4.34565877475229228821e2, 6.45387271733267880336e2, 4.29008140027567833386e2, 1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2];
// erfc on [1/0.35, ∞): the asymptotic form, valid far beyond fdlibm's underflow cut-off at 28
const RB = [-9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2, -6.37566443368389627722e2, -1.02509513161107724954e3, -4.83519191608651397019e2];
const SB = [3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3, 2.55305040643316442583e3, 4.74528541206955367215e2, -2.24409524465858183362e1];

function poly(c: readonly number[], x: number): number {
  let r = 0;
  for (let i = c.length - 1; i >= 0; i--) r = r * x + c[i]!;
  return r;
}

/** 1 + x·poly(c, x): the denominators of fdlibm start with 1. */
function poly1(c: readonly number[], x: number): number {
  return 1 + x * poly(c, x);
}

/** The exponent of fdlibm's erfc(x) = exp(−x² − 0.5625 + R/S) / x, for x ≥ 1.25. */
function erfcExponent(x: number): number {
  const s = 1 / (x * x);
  const rs = x < 1 / 0.35 ? poly(RA, s) / poly1(SA, s) : poly(RB, s) / poly1(SB, s);
  return -x * x - 0.5625 + rs;
}

/** log erfc(x) for x ≥ 1.25, without underflow. */
function logErfcLarge(x: number): number {
  return erfcExponent(x) - Math.log(x);
}

/** The complementary error function. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 0.84375) {
    const z = x * x;
    const y = poly(PP, z) / poly1(QQ, z);
    return x < 0.25 ? 1 - (x + x * y) : 0.5 - (x * y + (x - 0.5));
  }
  if (x < 1.25) {
    const s = x - 1;
    return 1 - ERX - poly(PA, s) / poly1(QA, s);
  }
  return Math.exp(erfcExponent(x)) / x;
}

/** log Φ(z), the log of the standard normal CDF, accurate in both tails. */
export function logNdtr(z: number): number {
  if (z >= 0) return Math.log1p(-0.5 * erfc(z * SQRT1_2));
  const x = -z * SQRT1_2;
  return x >= 1.25 ? Math.log(0.5) + logErfcLarge(x) : Math.log(0.5 * erfc(x));
}

/** log(1 − exp(x)) for x ≤ 0 (Mächler's split keeps both branches accurate). */
function log1mexp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** log(Φ(b) − Φ(a)) for a ≤ b. */
export function logGaussMass(a: number, b: number): number {
  if (!(a < b)) return -Infinity;
  if (a >= 0) return logTailMass(a, b);
  if (b <= 0) return logTailMass(-b, -a);
  return Math.log1p(-Math.exp(logNdtr(a)) - Math.exp(logNdtr(-b)));
}

/** log(Φ(−a) − Φ(−b)) for 0 ≤ a < b: the upper tail between a and b. */
function logTailMass(a: number, b: number): number {
  const hi = logNdtr(-a);
  // Φ(−b)/Φ(−a) < exp(−(b − a)·a); below e^−40 it cannot change a double, so skip computing it.
  if ((b - a) * a > 40) return hi;
  return hi + log1mexp(logNdtr(-b) - hi);
}

/**
 * Φ(b) − Φ(a) for a ≤ b in linear space, from the tail that keeps precision. It underflows to 0
 * only beyond ~38σ; callers that need logs of such masses use {@link logGaussMass}.
 */
export function gaussMass(a: number, b: number): number {
  if (!(a < b)) return 0;
  if (a >= 0) return 0.5 * (erfc(a * SQRT1_2) - erfc(b * SQRT1_2));
  if (b <= 0) return 0.5 * (erfc(-b * SQRT1_2) - erfc(-a * SQRT1_2));
  return 1 - 0.5 * (erfc(-a * SQRT1_2) + erfc(b * SQRT1_2));
}

/** log of the standard normal density, N(z; 0, 1). */
export function logNormalPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/**
 * One draw of N(mu, sigma²) truncated to [low, high] (infinite bounds allowed).
 * Rejection is exact and cheap here: every kernel is centred inside its bounds with σ at most
 * the range (magic clip), so at least Φ(0.5) − Φ(0) ≈ 19 % of draws are accepted.
 */
export function sampleTruncNorm(rng: Prng, mu: number, sigma: number, low: number, high: number): number {
  for (;;) {
    const x = mu + sigma * rng.normal();
    if (x >= low && x <= high) return x;
  }
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { branin, compression, hartmann6, mixed10 } from '../../bench/tuner/problems.js';
import { mannWhitneyU, quantile } from '../../bench/tuner/stats.js';

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} vs ${expected}`);

test('branin and hartmann6 match the test vectors of tuning.md', () => {
  close(branin(-Math.PI, 12.275), 0.39788735772973816);
  close(branin(0, 0), 55.602112642270264);
  close(hartmann6([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]), -3.322368011391339);
  close(hartmann6([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), -0.5053149917022333);
});

test('mixed10 and compression match the test vectors of tuning.md', () => {
  close(mixed10({ opt: 'adam', act: 'gelu', lr: 1e-3, wd: 1e-4, batch: 128, layers: 4, units: 256, dropout: 0.2, momentum: 0, ls: 0.1 }), 0.1);
  close(mixed10({ opt: 'sgd', act: 'relu', lr: 0.01, wd: 1e-3, batch: 64, layers: 2, units: 100, dropout: 0.5, momentum: 0.5, ls: 0.25 }), 1.2743560358184878);
  close(compression(new Array(8).fill(0), new Array(8).fill(16)), -6.249375);
  close(compression(new Array(8).fill(0.5), new Array(8).fill(4)), 0.42);
  close(compression([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [16, 8, 8, 4, 4, 4, 2, 16]), 0.51184125);
  // The known optimum, with sparsities rounded to 6 digits as tuning.md lists them.
  const best = compression([0.050566, 0.127502, 0.278237, 0.255003, 0.547034, 0.547034, 0.95, 0.136308], [16, 8, 8, 4, 4, 4, 8, 16]);
  assert.ok(Math.abs(best - 0.6637728503644095) < 1e-5, String(best));
});

test('benchmark statistics: numpy quantiles and scipy Mann–Whitney U', () => {
  assert.equal(quantile([4, 1, 3, 2], 0.25), 1.75);
  assert.equal(quantile([4, 1, 3, 2], 0.5), 2.5);
  // scipy.stats.mannwhitneyu([1..5], [6..10], method='asymptotic') → U = 0, p = 0.012185780355344813.
  const r = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
  assert.equal(r.u, 0);
  assert.ok(Math.abs(r.p - 0.012185780355344813) < 1e-12, String(r.p));
  // With ties: scipy gives p = 0.1720337089218229 for [1,2,2,3] vs [2,3,3,4].
  assert.ok(Math.abs(mannWhitneyU([1, 2, 2, 3], [2, 3, 3, 4]).p - 0.1720337089218229) < 1e-9);
  assert.equal(mannWhitneyU([1, 1, 1], [1, 1, 1]).p, 1);
});

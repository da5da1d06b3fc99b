import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { NumericDistribution } from '../../src/search/distributions.js';
import { Prng } from '../../src/search/prng.js';
import { logPdfMixture, sampleMixture } from '../../src/search/tpe/distributions.js';
import { fitParzenEstimator } from '../../src/search/tpe/parzen-estimator.js';
import { parseSearchSpace } from '../../src/search/space.js';
import { defaultGamma, defaultWeights, jointGroups } from '../../src/search/tpe/sampler.js';
import { TrialSplitter } from '../../src/search/tpe/split.js';
import type { TrialRecord, TrialState } from '../../src/search/trials.js';
import { createTuner } from '../../src/search/tuner.js';

const unit: NumericDistribution = { kind: 'numeric', low: 0, high: 1, log: false, step: null, normal: null };
const options = { priorWeight: 1, magicClip: true, unitHeight: false };

test('Optuna defaults: γ(n) = min(⌈0.1n⌉, 25) and the linear-forgetting ramp', () => {
  assert.deepEqual([0, 1, 10, 11, 100, 250, 400].map(defaultGamma), [0, 1, 1, 2, 10, 25, 25]);
  assert.deepEqual(defaultWeights(3), [1, 1, 1]);
  const w = defaultWeights(30);
  assert.equal(w.length, 30);
  assert.equal(w[0], 1 / 30);
  assert.equal(w[4], 1);
  assert.ok(w[1]! > w[0]! && w[3]! < 1);
});

test('kernel widths: neighbour gaps (prior μ included), magic clip, prior kernel last', () => {
  const m = fitParzenEstimator([unit], [Float64Array.from([0.1, 0.5, 0.95])], [1, 1, 1], options);
  const dim = m.dims[0]!;
  assert.ok(dim.kind === 'numeric');
  assert.deepEqual([...dim.mus], [0.1, 0.5, 0.95, 0.5]);
  // Sorted with the prior: 0.1 | 0.5 (obs), 0.5 (prior) | 0.95 → ends use their inner gap.
  assert.deepEqual([...dim.sigmas].map((s) => +s.toFixed(12)), [0.4, 0.4, 0.45, 1]);
  assert.deepEqual([...m.weights], [0.25, 0.25, 0.25, 0.25]);
  const clipped = fitParzenEstimator([unit], [Float64Array.from([0.5, 0.5, 0.5])], [1, 1, 1], options).dims[0]!;
  assert.ok(clipped.kind === 'numeric' && clipped.sigmas[0] === 1 / 5);
});

test('categorical kernels smooth each observation with the prior weight', () => {
  const m = fitParzenEstimator([{ kind: 'categorical', choices: ['a', 'b', 'c'], keys: ['"a"', '"b"', '"c"'] }], [Float64Array.from([2])], [1], options);
  const dim = m.dims[0]!;
  assert.ok(dim.kind === 'categorical');
  // Row 0: 1/2 everywhere + 1 on "c", normalized; prior row uniform.
  assert.deepEqual([...dim.probs].map((p) => +p.toFixed(12)), [0.2, 0.2, 0.6, 1 / 3, 1 / 3, 1 / 3].map((p) => +p.toFixed(12)));
});

test('a fitted mixture is a density (continuous) and a distribution (stepped) that its sampler follows', () => {
  const m = fitParzenEstimator([unit], [Float64Array.from([0.2, 0.3, 0.9])], [1, 1, 1], options);
  const grid = Float64Array.from({ length: 2000 }, (_, i) => (i + 0.5) / 2000);
  const density = logPdfMixture(m, [grid]).reduce((s, v) => s + Math.exp(v) / 2000, 0);
  assert.ok(Math.abs(density - 1) < 1e-4, String(density));
  const ints: NumericDistribution = { kind: 'numeric', low: 16, high: 512, log: true, step: 1, normal: null };
  const d = fitParzenEstimator([ints], [Float64Array.from([20, 100, 300])], [1, 1, 1], options);
  const values = Float64Array.from({ length: 497 }, (_, i) => 16 + i);
  const logP = logPdfMixture(d, [values]);
  assert.ok(Math.abs(logP.reduce((s, v) => s + Math.exp(v), 0) - 1) < 1e-9);
  const draws = sampleMixture(d, new Prng(3), 40000)[0]!;
  assert.ok(draws.every((x) => Number.isInteger(x) && x >= 16 && x <= 512));
  const freq = draws.filter((x) => x === 100).length / draws.length;
  assert.ok(Math.abs(freq - Math.exp(logP[84]!)) < 0.0015, `${freq} vs ${Math.exp(logP[84]!)}`);
});

function bestOf(algorithm: 'tpe' | 'random', seed: number, multivariate = false): number {
  const tuner = createTuner({ algorithm, seed, space: { x: { _type: 'uniform', _value: [-10, 10] } }, tpe: { multivariate } });
  let best = Infinity;
  for (let i = 0; i < 30; i++) {
    const s = tuner.suggest();
    const y = ((s.params.x as number) - 3.3) ** 2;
    tuner.report(s, y);
    best = Math.min(best, y);
  }
  return best;
}

test('TPE beats random search on a 1-D quadratic (30 trials, 10 seeds)', () => {
  const seeds = Array.from({ length: 10 }, (_, i) => i);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[5]!;
  const tpe = median(seeds.map((s) => bestOf('tpe', s)));
  const random = median(seeds.map((s) => bestOf('random', s)));
  assert.ok(tpe < random / 5, `tpe ${tpe} vs random ${random}`);
  assert.ok(median(seeds.map((s) => bestOf('tpe', s, true))) < random / 5);
});

test('the split ranks complete trials first, then pruned ones by depth; running ones go above', () => {
  const trial = (number: number, state: TrialState, extra: Partial<TrialRecord> = {}): TrialRecord => ({ number, state, params: {}, ...extra });
  const trials = [
    trial(0, 'pruned', { intermediate: { step: 2, value: 0.0 } }),
    trial(1, 'complete', { values: [0.9] }),
    trial(2, 'pruned', { intermediate: { step: 8, value: 5.0 } }),
    trial(3, 'pruned'),
    trial(4, 'complete', { values: [0.3] }),
    trial(5, 'running'),
    trial(6, 'pruned', { intermediate: { step: 8, value: NaN } }),
  ];
  const splitter = new TrialSplitter(trials, ['minimize']);
  const all = new Uint8Array(trials.length).fill(1);
  // Order: 4 (0.3), 1 (0.9), 2 (step 8, 5.0), 6 (step 8, NaN), 0 (step 2), 3 (no report).
  assert.deepEqual(splitter.split(all, 3), { below: [1, 2, 4], above: [0, 3, 5, 6], belowWeights: null });
  const withoutTrial4 = Uint8Array.from(all, (v, i) => (i === 4 ? 0 : v));
  assert.deepEqual(splitter.split(withoutTrial4, 2).below, [1, 2]);
  const max = new TrialSplitter(trials, ['maximize']);
  assert.deepEqual(max.split(all, 1).below, [1]);
});

test('multivariate groups: parameters that always occur together are modelled jointly', () => {
  const space = parseSearchSpace({
    algo: { _type: 'choice', _value: [{ _name: 'level', a: { _type: 'uniform', _value: [0, 1] }, b: { _type: 'uniform', _value: [0, 1] } }, { _name: 'fpgm', c: { _type: 'uniform', _value: [0, 1] } }] },
    lr: { _type: 'uniform', _value: [0, 1] },
  });
  // Trials 0 and 2 chose level, trial 1 fpgm; nobody has seen "fpgm/c" in trial 3 (running, not scored).
  const column = (present: number[]) => Float64Array.from([0, 1, 2, 3], (i) => (present.includes(i) ? 0.5 : NaN));
  const values = new Map([
    ['algo', column([0, 1, 2, 3])], ['algo/level/a', column([0, 2])], ['algo/level/b', column([0, 2])],
    ['algo/fpgm/c', column([1, 3])], ['lr', column([0, 1, 2, 3])],
  ]);
  const names = (scored: number[]) => jointGroups(space.params, values, scored).map((g) => g.map((s) => s.name));
  assert.deepEqual(names([0, 1, 2]), [['algo', 'lr'], ['algo/level/a', 'algo/level/b'], ['algo/fpgm/c']]);
  assert.deepEqual(names([0, 2]), [['algo', 'algo/level/a', 'algo/level/b', 'lr']]);
});

test('multivariate TPE on a conditional space stays valid and reproducible', () => {
  const space = JSON.parse(readFileSync(new URL('../../../search-spaces/lenet5-prune-quantize.json', import.meta.url), 'utf8'));
  const run = () => {
    const tuner = createTuner({ algorithm: 'tpe', space, seed: 2, tpe: { multivariate: true } });
    for (let i = 0; i < 25; i++) {
      const s = tuner.suggest();
      const p = s.config.pruning as Record<string, number | string>;
      const sparsity = Object.entries(p).filter(([k]) => k !== '_name').reduce((sum, [, v]) => sum + (v as number), 0);
      tuner.report(s, -sparsity);
    }
    return tuner.trials.map((t) => t.params);
  };
  const trials = run();
  assert.deepEqual(run(), trials);
  for (const p of trials) {
    const algo = p.pruning as string;
    const layers = Object.keys(p).filter((k) => k.startsWith('pruning/')).map((k) => k.split('/'));
    assert.ok(layers.every(([, a]) => a === algo));
    assert.equal(layers.length, ['l1filter', 'l2filter', 'fpgm'].includes(algo) ? 2 : 5);
  }
});

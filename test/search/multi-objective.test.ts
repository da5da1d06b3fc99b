import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contributionWeights, greedySubset, hypervolume } from '../../src/search/tpe/hypervolume.js';
import { createTuner } from '../../src/search/tuner.js';

test('hypervolume of known point sets (2-D and 3-D)', () => {
  assert.equal(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4]), 6);
  assert.equal(hypervolume([[1, 1, 1]], [2, 3, 4]), 6);
  // Two boxes 1×1×2 and 2×1×1 overlapping in 1×1×1: 2 + 2 − 1.
  assert.equal(hypervolume([[0, 1, 0], [0, 0, 1]], [1, 2, 2]), 3);
  assert.equal(hypervolume([[5, 5]], [4, 4]), 0);
});

test('greedy subset picks the points that add most volume; weights follow contributions', () => {
  const points = [[0, 10], [5, 5], [5.1, 5.1], [10, 0]];
  // Alone, (5, 5) adds 36; then (0, 10) and (10, 0) tie at +5 (first wins) and (5.1, 5.1) adds nothing.
  assert.deepEqual(greedySubset(points, 2, [11, 11]), [1, 0]);
  const w = contributionWeights([[0, 1], [1, 0], [0.9, 0.9]]);
  assert.equal(Math.max(...w), 1);
  assert.ok(w[2]! < w[0]!);
});

test('MOTPE: reproducible, and its Pareto front holds only non-dominated trials', () => {
  // Accuracy up, size down: a smooth trade-off in the sparsity s.
  const space = { s: { _type: 'uniform', _value: [0, 0.95] }, bits: { _type: 'choice', _value: [2, 4, 8] } };
  const run = (seed: number) => {
    const tuner = createTuner({ algorithm: 'tpe', space, seed, directions: ['maximize', 'minimize'] });
    for (let i = 0; i < 30; i++) {
      const s = tuner.suggest();
      const sp = s.params.s as number;
      const bits = s.params.bits as number;
      tuner.report(s, [1 - sp ** 3 - 0.1 / bits, (1 - sp) * bits]);
    }
    return tuner;
  };
  const tuner = run(1);
  assert.deepEqual(run(1).trials.map((t) => t.params), tuner.trials.map((t) => t.params));
  const front = tuner.paretoFront();
  assert.ok(front.length >= 3);
  for (const a of front) {
    for (const b of tuner.trials) {
      const dominates = b.values![0]! >= a.values![0]! && b.values![1]! <= a.values![1]! &&
        (b.values![0]! > a.values![0]! || b.values![1]! < a.values![1]!);
      assert.ok(!dominates, `trial ${b.number} dominates front member ${a.number}`);
    }
  }
});

test('MOTPE finds a larger hypervolume than random search on ZDT1 (6-d, 50 trials, 3 seeds)', () => {
  const space = Object.fromEntries([0, 1, 2, 3, 4, 5].map((i) => [`x${i}`, { _type: 'uniform', _value: [0, 1] }]));
  const zdt1 = (p: Readonly<Record<string, unknown>>) => {
    const g = 1 + (9 / 5) * [1, 2, 3, 4, 5].reduce((sum, i) => sum + (p[`x${i}`] as number), 0);
    const f1 = p.x0 as number;
    return [f1, g * (1 - Math.sqrt(f1 / g))];
  };
  const medianVolume = (algorithm: 'tpe' | 'random') => {
    const volumes = [0, 1, 2].map((seed) => {
      const tuner = createTuner({ algorithm, space, seed, directions: ['minimize', 'minimize'] });
      for (let i = 0; i < 50; i++) {
        const s = tuner.suggest();
        tuner.report(s, zdt1(s.params));
      }
      return hypervolume(tuner.paretoFront().map((t) => t.values!), [1.1, 11]);
    });
    return volumes.sort((a, b) => a - b)[1]!;
  };
  const tpe = medianVolume('tpe');
  const random = medianVolume('random');
  assert.ok(tpe > random + 0.3, `MOTPE ${tpe} vs random ${random}`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Search } from '../../src/experiment/orchestrator.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import { planSparsity } from '../../src/experiment/sensitivity-table.js';
import { cheapestAllocation, sparsityRepair } from '../../src/experiment/warm-start.js';
import { createTuner } from '../../src/search/tuner.js';
import { parseSearchSpace, type FlatParams } from '../../src/search/space.js';
import { mulberry32 } from '../../src/data/random.js';
import { TABLE } from '../fixtures/sparsity-runner.js';

const RUNNER = new URL('../fixtures/sparsity-runner.js', import.meta.url).href;
const SPACE = {
  pruning: { _type: 'choice', _value: [{ _name: 'level', a: { _type: 'uniform', _value: [0.5, 0.99] }, b: { _type: 'quniform', _value: [0.5, 0.99, 0.01] } }] },
};
const sparsities = (p: FlatParams) => ({ a: p['pruning/level/a'] as number, b: p['pruning/level/b'] as number });

test('the cheapest allocation meets the budget by pruning the robust large layer, the sensitive one at its floor', () => {
  const allocation = cheapestAllocation(parseSearchSpace(SPACE), TABLE, 0.85)!;
  assert.equal(allocation.pruning, 'level');
  assert.equal(allocation['pruning/level/a'], 0.5);
  const s = planSparsity(TABLE, sparsities(allocation));
  assert.ok(s >= 0.85, `sparsity ${s}`);
  // One step (0.01) less on b would miss it: nothing is pruned beyond the budget.
  assert.ok(planSparsity(TABLE, { ...sparsities(allocation), b: (allocation['pruning/level/b'] as number) - 0.01 }) < 0.85);
  assert.equal(cheapestAllocation(parseSearchSpace({ ...SPACE, lr: { _type: 'uniform', _value: [0, 1] } }), TABLE, 0.85), null, 'other parameters: no start point');
});

test('repair moves points that miss the budget onto it, on the grid, and leaves the others alone', () => {
  const space = parseSearchSpace(SPACE);
  const repair = sparsityRepair(space, TABLE, 0.8);
  const rand = mulberry32(5);
  for (let i = 0; i < 200; i++) {
    const params = { pruning: 'level', 'pruning/level/a': 0.5 + 0.49 * rand(), 'pruning/level/b': Math.round(50 + 49 * rand()) / 100 };
    const repaired = repair(params);
    const s = planSparsity(TABLE, sparsities(repaired));
    assert.ok(s >= 0.8, `point ${i}: sparsity ${s}`);
    if (planSparsity(TABLE, sparsities(params)) >= 0.8 + 1e-4) assert.equal(repaired, params);
    else assert.ok(s < 0.8 + 0.01, `point ${i} was raised past the budget: ${s}`);
    const b = repaired['pruning/level/b'] as number;
    assert.ok(Math.abs(b * 100 - Math.round(b * 100)) < 1e-9 && b <= 0.99, `b = ${b} is off the grid`);
    assert.ok((repaired['pruning/level/a'] as number) >= (params['pruning/level/a'] as number));
  }
});

test('the tuner records enqueued and repaired points as the trials that ran', () => {
  const space = parseSearchSpace(SPACE);
  const tuner = createTuner({ algorithm: 'tpe', space, seed: 1, directions: ['maximize'], repair: sparsityRepair(space, TABLE, 0.9) });
  const first = tuner.enqueue({ pruning: 'level', 'pruning/level/a': 0.6, 'pruning/level/b': 0.98 });
  assert.deepEqual(tuner.trials[0]!.params, first.params);
  assert.throws(() => tuner.enqueue({ pruning: 'level', 'pruning/level/a': 1.5 }), /params.pruning\/level\/a must lie in its search-space domain, but got 1.5/);
  const next = tuner.suggest();
  assert.ok(planSparsity(TABLE, sparsities(next.params)) >= 0.9);
  assert.deepEqual(tuner.trials.at(-1)!.params, next.params);
});

function newSearch(experiment: Record<string, unknown>) {
  const dbFile = join(mkdtempSync(join(tmpdir(), 'squish-efficiency-')), 'squish.db');
  const spec = parseExperiment({ searchSpace: SPACE, epochs: 1, concurrency: 2, objective: { minSparsity: 0.85, maxAccuracyDrop: 0.01 }, ...experiment }, { baseDir: '.', defaultName: 'exp' });
  return { search: Search.create(spec, { dbFile, runner: RUNNER }), dbFile };
}

test('a search with minSparsity starts from the cheapest allocation, and every trial meets the budget', async () => {
  const { search } = newSearch({ maxTrials: 8 });
  const summary = await search.run();
  search.close();
  const trial0 = summary.trials.find((t) => t.number === 0)!;
  assert.deepEqual(trial0.params, cheapestAllocation(parseSearchSpace(SPACE), TABLE, 0.85));
  assert.ok(summary.trials.every((t) => t.metrics.sparsity! >= 0.85), 'every trial repaired onto the budget');
  assert.equal(summary.best?.number, 0, 'the fixture\'s accuracy follows the table, so the allocation is best');
});

test('without the levers, sampled points miss the budget', async () => {
  const { search } = newSearch({ maxTrials: 8, warmStart: false, repairConstraints: false });
  const summary = await search.run();
  search.close();
  assert.ok(summary.trials.some((t) => t.metrics.sparsity! < 0.85));
});

test('a resumed search reuses the stored sensitivity table and continues where it stopped', async () => {
  const log = join(mkdtempSync(join(tmpdir(), 'squish-efficiency-log-')), 'analyses');
  process.env.SQUISH_TEST_SENSITIVITY_LOG = log;
  try {
    const first = newSearch({ maxTrials: 6, seed: 2 });
    assert.deepEqual(first.search.store.sensitivity(first.search.experiment.id), null);
    let started = 0;
    first.search.on((e) => {
      if (e.type === 'trial-started' && ++started === 3) first.search.stop('cancel');
    });
    await first.search.run();
    first.search.close();
    // Two workers, two layers: each analysed one, at once.
    assert.deepEqual(readFileSync(log, 'utf8').split('\n').filter(Boolean).sort(), ['a', 'b']);
    const resumed = Search.resume('exp', { dbFile: first.dbFile, runner: RUNNER });
    assert.deepEqual(resumed.store.sensitivity(resumed.experiment.id), TABLE, 'the shares merged into one table');
    const summary = await resumed.run();
    resumed.close();
    assert.equal(readFileSync(log, 'utf8').split('\n').filter(Boolean).length, 2, 'not measured again');
    assert.equal(summary.trials.length, 6);
    assert.ok(summary.trials.every((t) => t.state === 'complete' && t.metrics.sparsity! >= 0.85));
    assert.deepEqual(summary.trials.find((t) => t.number === 0)!.params, cheapestAllocation(parseSearchSpace(SPACE), TABLE, 0.85));
  } finally {
    delete process.env.SQUISH_TEST_SENSITIVITY_LOG;
  }
});

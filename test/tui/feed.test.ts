/** The UI's store reader: incremental reads, progress of running trials, and the ranking it shows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rankTrials } from '../../src/experiment/orchestrator.js';
import type { TrialRecord } from '../../src/experiment/store/store.js';
import { SearchFeed } from '../../src/tui/feed.js';
import { fixtureStore } from './store-fixture.js';

test('refresh reads only what changed: same snapshot when nothing did, epoch progress, then a finished trial re-ranked', () => {
  const { store, experimentId } = fixtureStore({ trials: 20, epochs: 4, running: 1 });
  const feed = new SearchFeed(store, experimentId);
  const first = feed.refresh();
  assert.equal(first.trials.length, 20);
  assert.equal(feed.refresh(), first, 'nothing changed: the same object, so memoized views skip work');
  const runner = first.trials.find((t) => t.state === 'running')!;
  assert.deepEqual(first.progress.get(runner.id), { epochs: 2, accuracy: store.epochMetrics(runner.id)[1]!.accuracy });

  store.recordEpoch(runner.id, 2, { accuracy: 0.9 });
  const second = feed.refresh();
  assert.deepEqual(second.progress.get(runner.id), { epochs: 3, accuracy: 0.9 });
  assert.equal(second.version, first.version + 1);
  assert.equal(second.paretoFront, first.paretoFront, 'an epoch does not re-rank');

  // The smallest, most accurate trial ever: it alone is the front and the best.
  store.finishTrial(runner.id, { state: 'complete', objective: 99, objectives: [0.99, 10], feasible: true, metrics: { accuracy: 0.99, gzipBytes: 10, sparsity: 0.99 } });
  const third = feed.refresh();
  assert.equal(third.progress.has(runner.id), false);
  assert.deepEqual(third.paretoFront.map((t) => t.id), [runner.id]);
  assert.equal(third.best!.id, runner.id);
  assert.equal(third.bestCurve.at(-1), 99);
  assert.deepEqual(third.trials.map((t) => t.number), [...Array(20).keys()]);
  store.close();
});

test('the Pareto front is exactly the trials no complete feasible trial dominates, ties included', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const trials = Array.from({ length: 400 }, (_, i) => {
    // Few distinct values, so equal sizes, equal accuracies and identical trials all occur; bigger
    // models tend to be more accurate, so the front is a staircase of many trials.
    const k = Math.floor(random() * 15);
    return {
      id: i, number: i, state: random() < 0.8 ? 'complete' : 'early-stopped', feasible: random() < 0.8, objective: random(),
      metrics: { accuracy: Math.floor(k + random() * 6) / 20, gzipBytes: 100 * k },
    } as unknown as TrialRecord;
  });
  const candidates = trials.filter((t) => t.state === 'complete' && t.feasible);
  const [a, s] = [(t: TrialRecord) => t.metrics.accuracy!, (t: TrialRecord) => t.metrics.gzipBytes!];
  const dominated = (t: TrialRecord) => candidates.some((o) => a(o) >= a(t) && s(o) <= s(t) && (a(o) > a(t) || s(o) < s(t)));
  const expected = candidates.filter((t) => !dominated(t));
  const { paretoFront, best } = rankTrials(trials);
  assert.deepEqual(new Set(paretoFront.map((t) => t.id)), new Set(expected.map((t) => t.id)));
  assert.ok(expected.length > 5 && expected.length < candidates.length / 2, `${expected.length} of ${candidates.length}`);
  assert.ok(paretoFront.every((t, i) => i === 0 || s(paretoFront[i - 1]!) <= s(t)), 'smallest first');
  assert.equal(best!.objective, Math.max(...candidates.map((t) => t.objective!)));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Search } from '../../src/experiment/orchestrator.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import type { SearchEvent } from '../../src/experiment/events.js';

const RUNNER = new URL('../fixtures/runner.js', import.meta.url).href;

function space(algorithms: string[]) {
  return {
    pruning: {
      _type: 'choice',
      _value: algorithms.map((name) => ({ _name: name, a: { _type: 'uniform', _value: [0, 0.9] }, b: { _type: 'uniform', _value: [0, 0.9] } })),
    },
  };
}

function newSearch(experiment: Record<string, unknown>, dbFile = join(mkdtempSync(join(tmpdir(), 'squish-search-')), 'squish.db')) {
  const spec = parseExperiment({ epochs: 2, concurrency: 2, ...experiment }, { baseDir: '.', defaultName: 'exp' });
  return { search: Search.create(spec, { dbFile, runner: RUNNER }), dbFile };
}

test('a search runs maxTrials trials, records their metrics and finds the best feasible one', async () => {
  const { search } = newSearch({ searchSpace: space(['fixture']), maxTrials: 8, objective: { maxAccuracyDrop: 0.02 }, earlyStopping: { enabled: false } });
  const events: SearchEvent[] = [];
  search.on((e) => events.push(e));
  const summary = await search.run();
  search.close();
  assert.equal(summary.trials.length, 8);
  assert.ok(summary.trials.every((t) => t.state === 'complete' && t.metrics.accuracy !== null));
  assert.equal(summary.experiment.status, 'done');
  // compression is maximized (no size constraint): the best is the smallest feasible model.
  const feasible = summary.trials.filter((t) => t.feasible);
  assert.ok(feasible.length > 0);
  assert.equal(summary.best!.metrics.gzipBytes, Math.min(...feasible.map((t) => t.metrics.gzipBytes!)));
  for (const t of summary.trials) assert.equal(t.feasible, 0.95 - t.metrics.accuracy! <= 0.02);
  assert.equal(events.filter((e) => e.type === 'trial-epoch').length, 16);
  assert.deepEqual(events.at(-1), { type: 'finished', reason: 'max-trials' });
});

test('a trial that throws, yields NaN or kills its worker is recorded as failed, and the search goes on', async () => {
  const { search } = newSearch({ searchSpace: space(['fixture', 'throw', 'nan', 'crash']), maxTrials: 14, tuner: { algorithm: 'random' }, earlyStopping: { enabled: false } });
  const summary = await search.run();
  const algorithm = (t: (typeof summary.trials)[number]) => t.params.pruning as string;
  for (const kind of ['throw', 'nan', 'crash']) assert.ok(summary.trials.some((t) => algorithm(t) === kind), `seed 0 draws no '${kind}' trial; pick another seed`);
  for (const t of summary.trials) {
    const errors = search.store.errors(t.id);
    if (algorithm(t) === 'fixture') {
      assert.equal(t.state, 'complete');
    } else {
      assert.equal(t.state, 'failed', `trial ${t.number} (${algorithm(t)})`);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.message, { throw: /boom in trial/, nan: /NaN accuracy/, crash: /exit|terminated|stopped/i }[algorithm(t)]!);
    }
  }
  search.close();
});

test('with concurrency 1 and a seed, a search is reproducible', async () => {
  const run = async () => {
    const { search } = newSearch({ searchSpace: space(['fixture']), maxTrials: 12, concurrency: 1, seed: 7 });
    const summary = await search.run();
    search.close();
    return summary.trials.map((t) => [t.params, t.state, t.metrics]);
  };
  assert.deepEqual(await run(), await run());
});

test('the median rule stops exactly the trials whose best accuracy lags the finished trials\' median', async () => {
  const { search } = newSearch({ searchSpace: space(['fixture']), maxTrials: 20, concurrency: 1, epochs: 3, tuner: { algorithm: 'random' } });
  const summary = await search.run();
  const curves = new Map(summary.trials.map((t) => [t.number, search.store.epochMetrics(t.id).map((e) => e.accuracy!)]));
  assert.ok(summary.trials.some((t) => t.state === 'early-stopped'), 'some trial should stop early');
  for (const t of summary.trials) {
    // With one worker, the trials finished before t are exactly the complete ones numbered below it.
    const finished = summary.trials.filter((o) => o.number < t.number && o.state === 'complete');
    const curve = curves.get(t.number)!;
    const lagsAt = (epoch: number) => finished.length >= 5 && Math.max(...curve.slice(0, epoch + 1)) < median(finished.map((o) => curves.get(o.number)![epoch]!));
    if (t.state === 'early-stopped') {
      assert.ok(curve.length < 3 && lagsAt(curve.length - 1), `trial ${t.number} stopped at epoch ${curve.length - 1} without lagging`);
      assert.ok(curve.slice(0, -1).every((_, e) => !lagsAt(e)), `trial ${t.number} should have stopped sooner`);
    } else {
      assert.equal(curve.length, 3);
      // After the last epoch there is nothing left to save: a trial lagging only then completes.
      assert.ok([0, 1].every((e) => !lagsAt(e)), `trial ${t.number} lagged but was not stopped`);
    }
  }
  search.close();
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

test('resume keeps finished trials, reruns interrupted ones once and reaches maxTrials', async () => {
  const first = newSearch({ searchSpace: space(['fixture']), maxTrials: 10, concurrency: 2, seed: 3, earlyStopping: { enabled: false } });
  let started = 0;
  first.search.on((e) => {
    if (e.type === 'trial-started' && ++started === 6) first.search.stop('cancel');
  });
  const partial = await first.search.run();
  const kept = partial.trials.filter((t) => t.state === 'complete');
  const interrupted = partial.trials.filter((t) => t.state === 'cancelled');
  assert.ok(kept.length >= 3 && interrupted.length >= 1, `kept ${kept.length}, interrupted ${interrupted.length}`);
  assert.equal(partial.experiment.status, 'stopped');
  first.search.close();

  const resumed = Search.resume('exp', { dbFile: first.dbFile, runner: RUNNER });
  const summary = await resumed.run();
  resumed.close();
  assert.equal(summary.trials.length, 10);
  assert.ok(summary.trials.every((t) => t.state === 'complete'));
  for (const k of kept) {
    const after = summary.trials.find((t) => t.id === k.id)!;
    assert.deepEqual([after.attempt, after.metrics, after.finishedAt], [k.attempt, k.metrics, k.finishedAt]);
  }
  for (const i of interrupted) assert.equal(summary.trials.find((t) => t.id === i.id)!.attempt, 2);
  assert.equal(summary.experiment.status, 'done');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as cli } from '../helpers/cli.js';
import { Search } from '../../src/experiment/orchestrator.js';
import { parseExperiment } from '../../src/experiment/spec.js';

const RUNNER = new URL('../fixtures/runner.js', import.meta.url).href;

const db = join(mkdtempSync(join(tmpdir(), 'squish-results-')), 'squish.db');
const spec = parseExperiment({
  name: 'fx', epochs: 1, concurrency: 1, maxTrials: 6, objective: { maxAccuracyDrop: 0.02 },
  searchSpace: { pruning: { _type: 'choice', _value: [{ _name: 'fixture', a: { _type: 'uniform', _value: [0, 0.9] } }, { _name: 'throw', a: { _type: 'uniform', _value: [0, 0.9] } }] } },
}, { baseDir: '.', defaultName: 'fx' });
const search = Search.create(spec, { dbFile: db, runner: RUNNER });
const summary = await search.run();
search.close();

test('list names each experiment with its status and finished trials', async () => {
  const r = await cli(['list', '--db', db]);
  assert.equal(r.code, 0);
  const finished = summary.trials.filter((t) => t.state === 'complete').length;
  assert.match(r.out, new RegExp(`^fx  done  ${finished}/6 trials finished`));
  const json = JSON.parse((await cli(['list', '--db', db, '--json'])).out) as Array<{ name: string; trials: number }>;
  assert.deepEqual(json.map((e) => [e.name, e.trials]), [['fx', 6]]);
});

test('show --json gives every trial with its metrics and errors, and the best one', async () => {
  const r = await cli(['show', 'fx', '--db', db, '--json']);
  assert.equal(r.code, 0);
  const shown = JSON.parse(r.out) as { best: { number: number }; allTrials: Array<{ number: number; state: string; errors: Array<{ message: string }> }> };
  assert.equal(shown.best.number, summary.best!.number);
  assert.equal(shown.allTrials.length, 6);
  for (const t of shown.allTrials) {
    if (t.state === 'failed') assert.match(t.errors[0]!.message, /boom/);
    else assert.deepEqual(t.errors, []);
  }
  assert.match((await cli(['show', 'fx', '--db', db])).out, /best: trial \d+ complete/);
});

test('bad references exit 2 with what exists', async () => {
  const missing = await cli(['show', 'nope', '--db', db]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no experiment 'nope' in this database; it has: fx/);
  const noDb = await cli(['list', '--db', join(tmpdir(), 'absent-squish.db')]);
  assert.equal(noDb.code, 2);
  assert.match(noDb.err, /no database at .*absent-squish\.db/);
  const badTrial = await cli(['export', 'fx', '--db', db, '--trial', '99', '--out', join(tmpdir(), 'x')]);
  assert.equal(badTrial.code, 2);
  assert.match(badTrial.err, /--trial must be a trial number of fx \(0–5\), but got 99/);
  const noModel = await cli(['export', 'fx', '--db', db, '--trial', '0', '--out', join(tmpdir(), 'x')]);
  assert.equal(noModel.code, 2);
  assert.match(noModel.err, /trial 0 of fx has no exported model/);
});

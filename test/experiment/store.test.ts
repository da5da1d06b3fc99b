import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../../src/experiment/store/store.js';
import { SCHEMA_VERSION } from '../../src/experiment/store/schema.js';
import { InputError } from '../../src/errors.js';

const dbFile = () => join(mkdtempSync(join(tmpdir(), 'squish-store-')), 'squish.db');

test('a trial goes waiting → running → complete with its metrics, epochs and artifacts', () => {
  const store = Store.open(dbFile());
  const exp = store.createExperiment('e1', { maxTrials: 3 });
  const t = store.addTrial(exp.id, 0, { pruning: 'level', 'pruning/level/conv1': 0.5 });
  assert.equal(t.state, 'waiting');
  store.startTrial(t.id, { pruning: { algorithm: 'level' } });
  store.recordEpoch(t.id, 0, { accuracy: 0.9, loss: 0.3 });
  store.recordEpoch(t.id, 1, { accuracy: 0.92, loss: 0.25 });
  store.finishTrial(t.id, { state: 'complete', objective: 0.92, objectives: [0.92, 1234], feasible: true, metrics: { accuracy: 0.92, gzipBytes: 1234, latencyMs: NaN } });
  store.addArtifact(t.id, 'model', 'e1/trial-0', 5000);
  const done = store.trial(t.id);
  assert.deepEqual([done.state, done.attempt, done.objective, done.objectives, done.feasible], ['complete', 1, 0.92, [0.92, 1234], true]);
  assert.deepEqual(done.plan, { pruning: { algorithm: 'level' } });
  assert.deepEqual(done.metrics, { accuracy: 0.92, gzipBytes: 1234, latencyMs: null }); // NaN is never stored as a value
  assert.deepEqual(store.epochMetrics(t.id), [{ epoch: 0, accuracy: 0.9, loss: 0.3 }, { epoch: 1, accuracy: 0.92, loss: 0.25 }]);
  assert.deepEqual(store.epochValues(exp.id, 1, 'accuracy'), [{ trialId: t.id, value: 0.92 }]);
  assert.deepEqual(store.artifacts(t.id), [{ kind: 'model', path: 'e1/trial-0', bytes: 5000 }]);
  store.close();
});

test('readers fetch only trials changed since the revision they last saw', () => {
  const store = Store.open(dbFile());
  const exp = store.createExperiment('e', {});
  const a = store.addTrial(exp.id, 0, {});
  const b = store.addTrial(exp.id, 1, {});
  const seen = Math.max(...store.trials(exp.id).map((t) => t.revision));
  assert.deepEqual(store.trials(exp.id, seen), []);
  store.startTrial(b.id, null);
  assert.deepEqual(store.trials(exp.id, seen).map((t) => t.id), [b.id]);
  store.recordEpoch(a.id, 0, { accuracy: 0.5 });
  assert.deepEqual(store.trials(exp.id, seen).map((t) => t.id), [a.id, b.id]);
  store.close();
});

test('failures keep their error; resume requeues running and cancelled trials only', () => {
  const store = Store.open(dbFile());
  const exp = store.createExperiment('e', {});
  const [a, b, c, d] = [0, 1, 2, 3].map((n) => store.addTrial(exp.id, n, {}));
  for (const t of [a!, b!, c!, d!]) store.startTrial(t.id, null);
  store.failTrial(a!.id, { message: 'out of memory', stack: 'at x' });
  store.cancelTrial(c!.id);
  store.finishTrial(d!.id, { state: 'complete', objective: 1, feasible: true, metrics: {} });
  assert.deepEqual(store.errors(a!.id), [{ attempt: 1, message: 'out of memory', stack: 'at x' }]);
  assert.deepEqual(store.requeueInterrupted(exp.id), [b!.id, c!.id]);
  assert.deepEqual(store.trials(exp.id).map((t) => t.state), ['failed', 'waiting', 'waiting', 'complete']);
  store.close();
});

test('experiments: names are unique, lookups name what exists', () => {
  const store = Store.open(dbFile());
  store.createExperiment('alpha', {});
  assert.throws(() => store.createExperiment('alpha', {}), (e: Error) => e instanceof InputError && /already exists/.test(e.message));
  assert.throws(() => store.findOrThrowExperiment('beta'), /no experiment 'beta' in this database; it has: alpha/);
  assert.equal(store.findOrThrowExperiment('1').name, 'alpha');
  store.close();
});

test('the file is WAL, versioned, and readable by another connection while the writer holds it', () => {
  const file = dbFile();
  const writer = Store.open(file);
  const exp = writer.createExperiment('e', {});
  writer.addTrial(exp.id, 0, {});
  const raw = new Database(file, { readonly: true });
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  raw.close();
  const reader = Store.open(file, { readonly: true });
  assert.equal(reader.trials(exp.id).length, 1);
  writer.addTrial(exp.id, 1, {});
  assert.equal(reader.trials(exp.id).length, 2);
  reader.close();
  writer.close();
  const future = new Database(file);
  future.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  future.close();
  assert.throws(() => Store.open(file), /newer than this Squish's/);
});

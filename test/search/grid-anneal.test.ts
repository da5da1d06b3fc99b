import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InputError } from '../../src/errors.js';
import { enumerateGrid } from '../../src/search/grid.js';
import { parseSearchSpace } from '../../src/search/space.js';
import { createTuner } from '../../src/search/tuner.js';

const finite = {
  algo: { _type: 'choice', _value: [{ _name: 'level', s: { _type: 'quniform', _value: [0, 0.2, 0.1] } }, { _name: 'none' }] },
  bits: { _type: 'randint', _value: [2, 4] },
};

test('grid enumerates each active combination once (nested choices included)', () => {
  // level × s∈{0,0.1,0.2} × bits∈{2,3} = 6, plus none × bits = 2.
  assert.equal(enumerateGrid(parseSearchSpace(finite)).length, 8);
  const tuner = createTuner({ algorithm: 'grid', space: finite, seed: 1 });
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const s = tuner.suggest();
    seen.add(JSON.stringify(s.params));
    tuner.report(s, 0);
  }
  assert.equal(seen.size, 8);
  assert.ok([...seen].some((p) => p.includes('"algo/level/s":0.2')));
  // Exhausted: it revisits a grid point rather than failing.
  assert.ok(seen.has(JSON.stringify(tuner.suggest().params)));
});

test('grid retries failed points and rejects continuous parameters by name', () => {
  const tuner = createTuner({ algorithm: 'grid', space: { b: { _type: 'choice', _value: [2, 4] } } });
  const first = tuner.suggest();
  tuner.report(first, { state: 'failed' });
  assert.deepEqual(tuner.suggest().params, first.params);
  assert.throws(
    () => createTuner({ algorithm: 'grid', space: { m: { _type: 'choice', _value: [{ _name: 'a', lr: { _type: 'uniform', _value: [0, 1] } }] } } }),
    (e: unknown) => e instanceof InputError && e.message === 'searchSpace.m._value[0].lr must be finite for grid search (choice, randint, quniform or qloguniform), but got uniform',
  );
});

test('the combined LeNet-5 space is finite, so grid search can enumerate it', () => {
  const raw = JSON.parse(readFileSync(new URL('../../../search-spaces/lenet5-quantization.json', import.meta.url), 'utf8'));
  assert.equal(enumerateGrid(parseSearchSpace(raw)).length, 3 * 3 ** 5);
});

test('anneal concentrates around the best trials as observations accumulate', () => {
  const space = { x: { _type: 'uniform', _value: [-10, 10] }, c: { _type: 'choice', _value: ['a', 'b', 'c', 'd'] } };
  const tuner = createTuner({ algorithm: 'anneal', space, seed: 3 });
  for (let i = 0; i < 60; i++) {
    const s = tuner.suggest();
    tuner.report(s, ((s.params.x as number) - 2) ** 2 + (s.params.c === 'c' ? 0 : 5));
  }
  const late = tuner.trials.slice(-20);
  const nearX = late.filter((t) => Math.abs((t.params.x as number) - 2) < 2).length;
  const onC = late.filter((t) => t.params.c === 'c').length;
  assert.ok(nearX >= 12, `x near 2 in ${nearX}/20 late trials`);
  assert.ok(onC >= 12, `c chosen in ${onC}/20 late trials`);
  assert.ok(tuner.best()!.values![0]! < 0.1);
});

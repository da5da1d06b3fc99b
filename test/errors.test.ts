import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, SquishError, formatPath } from '../src/errors.js';

test('error classes keep instanceof and name', () => {
  const e = new InputError('bad');
  assert.ok(e instanceof InputError);
  assert.ok(e instanceof SquishError);
  assert.equal(e.name, 'InputError');
});

test('formatPath renders keys and indices', () => {
  assert.equal(formatPath('configList', [2, 'quantBits', 'weight']), 'configList[2].quantBits.weight');
  assert.equal(formatPath('', ['a', 0]), 'a[0]');
});

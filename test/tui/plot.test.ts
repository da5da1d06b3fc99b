/** The text plots: eighth-block bars (bucketed or stretched to the width) and the scatter's marks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { barChart, rangeOf, scatter } from '../../src/tui/plot.js';

test('barChart: one column per value, the lowest at one eighth, the highest full', () => {
  assert.deepEqual(barChart([0, 0.5, 1], 3, 2), ['  █', '▁██']);
});

test('barChart: fewer values than columns are stretched, more are bucketed by their last value', () => {
  assert.deepEqual(barChart([0, 1], 4, 1), ['▁▁██']);
  assert.deepEqual(barChart([0, 1, 0, 0, 0, 1], 3, 1, { min: 0, max: 1 }), ['█▁█']);
});

test('scatter: y up, x right, a marked point wins its cell', () => {
  const grid = scatter([{ x: 0, y: 0, marked: false }, { x: 10, y: 1, marked: true }, { x: 10, y: 1, marked: false }, { x: 5, y: 0.5, marked: false }],
    3, 3, { min: 0, max: 10 }, { min: 0, max: 1 });
  assert.deepEqual(grid, ['  ◆', ' · ', '·  ']);
});

test('rangeOf pads a flat series so it still has a span', () => {
  const r = rangeOf([2, 2]);
  assert.ok(r.min < 2 && r.max > 2);
});

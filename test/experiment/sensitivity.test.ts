import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useTestBackend } from '../helpers/backend.js';
import { convNet } from '../compression/fixtures.js';
import type { Dataset } from '../../src/data/dataset.js';
import { analyzeSensitivity, SENSITIVITY_SPARSITIES } from '../../src/experiment/sensitivity.js';
import { layerCost, planSparsity, type SensitivityTable } from '../../src/experiment/sensitivity-table.js';
import { mulberry32 } from '../../src/data/random.js';

await useTestBackend();

function randomData(count: number, seed: number): Dataset {
  const rand = mulberry32(seed);
  return {
    images: Float32Array.from({ length: count * 6 * 6 * 2 }, () => rand()),
    labels: Uint8Array.from({ length: count }, () => Math.floor(rand() * 3)),
    count, height: 6, width: 6, channels: 2, numClasses: 3,
  };
}

test('the analysis prunes one layer at a time by magnitude, evaluates, and leaves the model as it was', async () => {
  const model = convNet();
  const before = model.getWeights().map((w) => Array.from(w.dataSync()));
  const table = await analyzeSensitivity(model, randomData(40, 1), 'softmax-cross-entropy', ['c1', 'd1', 'missing']);
  assert.deepEqual(model.getWeights().map((w) => Array.from(w.dataSync())), before);
  assert.deepEqual(table.kernels, { c1: 3 * 3 * 2 * 4, d1: 4 * 4 * 4 * 3 });
  assert.deepEqual(Object.keys(table.layers), ['c1', 'd1'], 'a name that is no layer is left out');
  assert.equal(table.samples, 40);
  for (const points of Object.values(table.layers)) {
    assert.deepEqual(points.map((p) => p.sparsity), SENSITIVITY_SPARSITIES);
    assert.ok(points.every((p) => Number.isFinite(p.loss) && p.accuracy >= 0 && p.accuracy <= 1));
  }
  // At 99 % the dense head keeps 1 of its 192 weights: its outputs, hence the loss, must change.
  assert.notEqual(table.layers.d1!.at(-1)!.loss, table.base.loss);
  model.dispose();
  assert.equal(tf.memory().numTensors, 0);
});

const TABLE: SensitivityTable = {
  samples: 10,
  base: { accuracy: 0.9, loss: 1 },
  kernels: { a: 10, b: 30, other: 60 },
  layers: { a: [{ sparsity: 0.5, accuracy: 0.8, loss: 1.2 }, { sparsity: 0.9, accuracy: 0.7, loss: 1.1 }] },
};

test('a plan\'s overall sparsity counts ⌊n·s⌋ zeros per layer over every kernel', () => {
  assert.equal(planSparsity(TABLE, { a: 0.55, b: 0.5 }), (5 + 15) / 100);
  assert.equal(planSparsity(TABLE, {}), 0);
});

test('a layer\'s cost is its loss increase, non-decreasing in sparsity, interpolated from 0 at s = 0', () => {
  assert.equal(layerCost(TABLE, 'a', 0), 0);
  assert.ok(Math.abs(layerCost(TABLE, 'a', 0.25) - 0.1) < 1e-12);
  // Measured 0.1 at 0.9 (noise): the cost stays at 0.2 from 0.5 on.
  assert.ok(Math.abs(layerCost(TABLE, 'a', 0.9) - 0.2) < 1e-12);
  assert.equal(layerCost(TABLE, 'b', 0.9), 0, 'a layer not analysed costs nothing');
});

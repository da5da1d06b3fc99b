import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useTestBackend } from '../helpers/backend.js';
import { tinyConvNet, tinyDataset } from '../helpers/tiny.js';
import { evaluateModel, fitModel } from '../../trials/training.js';
import { getBaseModel } from '../../trials/base-model.js';
import type { TrialDefinition } from '../../trials/definition.js';

await useTestBackend();

const train = tinyDataset(48, 1);
const heldOut = tinyDataset(30, 2);
const opts = { epochs: 2, batchSize: 8, learningRate: 0.01, loss: 'softmax-cross-entropy' as const };

async function weightsOf(model: tf.LayersModel): Promise<Float32Array[]> {
  return Promise.all(model.getWeights().map(async (w) => (await w.data()) as Float32Array));
}

test('fitModel is reproducible: same seed, same weights; another seed, other weights', async () => {
  const runs = [];
  for (const seed of [5, 5, 6]) {
    const model = tinyConvNet(0);
    await fitModel(model, train, { ...opts, seed });
    runs.push(await weightsOf(model));
  }
  assert.deepEqual(runs[0], runs[1]);
  assert.notDeepEqual(runs[0], runs[2]);
});

test('fitModel learns and passes epoch numbers to callbacks from initialEpoch on', async () => {
  const model = tinyConvNet(1);
  const epochs: number[] = [];
  let batches = 0;
  const losses = await fitModel(model, train, { ...opts, epochs: 3, seed: 1, initialEpoch: 4, callbacks: [{ onEpochBegin: (e) => { epochs.push(e); }, onBatchEnd: () => { batches++; } }] });
  assert.deepEqual(epochs, [4, 5, 6]);
  assert.equal(batches, 3 * Math.ceil(48 / 8));
  assert.ok(losses[2]! < losses[0]!, `losses ${losses}`);
});

test('evaluateModel counts argmax hits and averages the loss', async () => {
  const model = tinyConvNet(2);
  const { accuracy, loss } = await evaluateModel(model, heldOut, 'softmax-cross-entropy');
  const [expectedAcc, expectedLoss] = await Promise.all(tf.tidy(() => {
    const x = tf.tensor4d(heldOut.images, [30, 6, 6, 1]);
    const logits = model.predict(x) as tf.Tensor;
    const labels = tf.tensor1d(heldOut.labels, 'int32');
    const acc = tf.mean(tf.equal(tf.argMax(logits, 1), labels).toFloat());
    return [acc, tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 3), logits)];
  }).map(async (t) => { const [v] = await t.data(); t.dispose(); return v!; }));
  assert.ok(Math.abs(accuracy - expectedAcc) < 1e-6);
  assert.ok(Math.abs(loss - expectedLoss) < 1e-5);
});

test('getBaseModel trains once, then serves the cached model', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'squish-models-'));
  let builds = 0;
  const def: TrialDefinition = {
    name: 'tiny', description: 'tiny', loss: 'softmax-cross-entropy', cacheKey: 'tiny@1',
    training: { epochs: 1, batchSize: 8, learningRate: 0.01 },
    loadData: async () => ({ train, test: heldOut }),
    buildModel: async (seed) => { builds++; return tinyConvNet(seed); },
  };
  const data = await def.loadData();
  const first = await getBaseModel(def, data, { seed: 3, cacheDir });
  const second = await getBaseModel(def, data, { seed: 3, cacheDir });
  assert.equal(first.trained, true);
  assert.equal(second.trained, false);
  assert.equal(builds, 1);
  assert.deepEqual(await weightsOf(second.model), await weightsOf(first.model));
  const other = await getBaseModel(def, data, { seed: 4, cacheDir });
  assert.equal(other.trained, true);
  assert.notEqual(other.dir, first.dir);
  assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.tmp')).length, 0);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useTestBackend } from '../helpers/backend.js';
import { L1FilterPruner, speedup, speedupWithHistory, unwrapModel } from '../../src/compression/index.js';
import { loadModel, saveModel } from '../../src/engine/model-io.js';
import { buildBigCnn, buildLenet5 } from '../../trials/models.js';
import { buildConcatNet, buildMobileNet, buildResNet } from '../../trials/nets.js';
import { convNet, glorot, randomData } from './fixtures.js';

await useTestBackend();
const quiet = { log: () => {} };

/** BatchNorms with non-trivial statistics, so that a zeroed filter becomes a non-zero constant after them. */
function randomizeBatchNorms(model: tf.LayersModel): tf.LayersModel {
  model.layers.filter((l) => l.getClassName() === 'BatchNormalization').forEach((l, n) => {
    // gamma, beta, moving mean anywhere in [-1, 1.5); moving variance positive.
    const ws = l.getWeights().map((w, i) => tf.randomUniform(w.shape, i === 3 ? 0.5 : -1, 1.5, 'float32', 10 * n + i));
    l.setWeights(ws);
    tf.dispose(ws);
  });
  return model;
}

async function maxDiff(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor): Promise<number> {
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor))));
  const [max] = await diff.data();
  diff.dispose();
  return max!;
}

const NETS: [string, () => tf.LayersModel, number][] = [
  // [name, builder, expected parameters after 50 % of each conv's filters go]
  ['LeNet-5', () => buildLenet5({ seed: 1 }), 35_820],
  ['BigCNN', () => buildBigCnn({ seed: 1 }), 215_370],
  ['ResNet', () => randomizeBatchNorms(buildResNet({ seed: 1, width: 0.25, size: 8 })), 454],
  ['MobileNet', () => randomizeBatchNorms(buildMobileNet({ seed: 1, width: 0.25, size: 8 })), 656],
  ['Concat', () => randomizeBatchNorms(buildConcatNet({ seed: 1, width: 0.25, size: 8 })), 390],
];

for (const [name, build, expectedParams] of NETS) {
  test(`${name}: 50 % dependency-aware L1 filter pruning, sped up, gives the masked model's outputs`, async () => {
    const model = build();
    const pruner = new L1FilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.5 }], { dependencyAware: true });
    const compressed = pruner.compress();
    const { model: small, history, barriers } = await speedupWithHistory(compressed, {}, quiet);
    const { x } = randomData(model, 3, 5);
    assert.ok(await maxDiff(compressed, small, x) < 1e-5);
    assert.equal(small.countParams(), expectedParams);
    assert.deepEqual(barriers, []);
    for (const conv of model.layers.filter((l) => l.getClassName() === 'Conv2D')) {
      const filters = conv.getConfig().filters as number;
      assert.equal(history[conv.name]?.kept.length, filters / 2, conv.name);
      assert.equal(small.getLayer(conv.name).getConfig().filters, filters / 2, conv.name);
    }
    tf.dispose([x]);
    small.dispose();
  });
}

test('a stock model with masks from getMasks() speeds up the same, and saves and loads with stock TF.js', async () => {
  const model = buildLenet5({ seed: 3 });
  const pruner = new L1FilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.5 }]);
  const masked = unwrapModel(pruner.compress());
  const masks = pruner.getMasks();
  const small = await speedup(model, masks, quiet);
  tf.dispose(Object.values(masks));
  const dir = await mkdtemp(join(tmpdir(), 'squish-speedup-'));
  try {
    await saveModel(small, dir);
    const loaded = await loadModel(dir);
    const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 9);
    assert.ok(await maxDiff(masked, loaded, x) < 1e-5);
    assert.equal(loaded.countParams(), 35_820);
    assert.deepEqual(loaded.layers.map((l) => l.getClassName()), ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dense', 'Dense']);
    tf.dispose([x]);
    loaded.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a pruned filter that a BatchNorm turns into a constant is removed, the constant folded into the next bias', async () => {
  const model = randomizeBatchNorms(convNet()); // c1 → bn1 → flatten → dense: a dense folds any constant
  const pruner = new L1FilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.5 }]);
  const compressed = pruner.compress();
  const { model: small, history } = await speedupWithHistory(compressed, {}, quiet);
  const { x } = randomData(model, 3, 7);
  assert.ok(await maxDiff(compressed, small, x) < 1e-5);
  assert.deepEqual([history.c1?.kept.length, history.bn1?.kept.length, history.flat?.kept.length], [2, 2, 32]);
  tf.dispose([x]);
});

test('a constant that a padded conv would see is kept (removing it would change the borders)', async () => {
  const x = tf.input({ shape: [6, 6, 1] });
  const c1 = tf.layers.conv2d({ name: 'c1', filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: glorot(1) }).apply(x) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(c1) as tf.SymbolicTensor;
  const c2 = tf.layers.conv2d({ name: 'c2', filters: 2, kernelSize: 3, padding: 'same', kernelInitializer: glorot(2) }).apply(bn) as tf.SymbolicTensor;
  const model = randomizeBatchNorms(tf.model({ inputs: x, outputs: c2 }));
  const pruner = new L1FilterPruner(model, [{ opNames: 'c1', sparsity: 0.5 }]);
  const compressed = pruner.compress();
  const { model: small, history } = await speedupWithHistory(compressed, {}, quiet);
  assert.equal(history.c1, undefined);
  const input = tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 4);
  assert.ok(await maxDiff(compressed, small, input) < 1e-5);
  input.dispose();
});

test('speedup stops at a barrier and still gives equal outputs', async () => {
  const x = tf.input({ shape: [6, 6, 1] });
  const c1 = tf.layers.conv2d({ name: 'c1', filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(1) }).apply(x) as tf.SymbolicTensor;
  const ln = tf.layers.layerNormalization({ name: 'ln' }).apply(c1) as tf.SymbolicTensor;
  const c2 = tf.layers.conv2d({ name: 'c2', filters: 4, kernelSize: 1, activation: 'relu', kernelInitializer: glorot(2) }).apply(ln) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'out', units: 2, kernelInitializer: glorot(3) }).apply(tf.layers.flatten({ name: 'flat' }).apply(c2)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: out });
  const pruner = new L1FilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.5 }]);
  const compressed = pruner.compress();
  const logged: string[] = [];
  const { model: small, history } = await speedupWithHistory(compressed, {}, { log: (m) => logged.push(m) });
  assert.deepEqual(logged, ['channel pruning stops at layer ln: no channel handler for LayerNormalization (see registerChannelHandler)']);
  assert.deepEqual(Object.keys(history).sort(), ['c2', 'flat']); // c1 feeds the barrier; c2 is free
  const input = tf.randomNormal([2, 6, 6, 1], 0, 1, 'float32', 4);
  assert.ok(await maxDiff(compressed, small, input) < 1e-5);
  input.dispose();
});

test('a layer whose every filter is pruned keeps one, so the model stays valid and exact', async () => {
  const model = convNet();
  const masks = { 'c1/kernel': tf.zeros([3, 3, 2, 4]), 'c1/bias': tf.zeros([4]) };
  const { model: small, history } = await speedupWithHistory(model, masks, quiet);
  assert.deepEqual(history.c1, { kept: [0], of: 4 });
  const { x } = randomData(model, 2, 8);
  const masked = convNet(); // same seeds, same weights
  masked.getLayer('c1').setWeights([masks['c1/kernel'], masks['c1/bias']]);
  assert.ok(await maxDiff(masked, small, x) < 1e-5);
  tf.dispose([x, ...Object.values(masks)]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useTestBackend } from '../helpers/backend.js';
import { InputError, SquishError } from '../../src/errors.js';
import { loadModel, saveModel } from '../../src/engine/model-io.js';
import { CompressionWrapper, L1FilterPruner, LevelPruner, Pruner, unwrapModel, type LayerConfig, type MaskSet, type PruningTarget } from '../../src/compression/index.js';
import { buildLenet5 } from '../../trials/models.js';
import { branchyNet, convNet, denseNet, leakedEntries, randomData, separableNet, values, zeros } from './fixtures.js';

await useTestBackend();

/** The stock model with each wrapped layer's weights replaced by mask ⊙ weight. */
function maskedReference(source: tf.LayersModel, compressed: tf.LayersModel): tf.LayersModel {
  const json = source.getConfig();
  const cls = source instanceof tf.Sequential ? tf.Sequential : tf.LayersModel;
  const reference = cls.fromConfig(cls, structuredClone(json) as unknown as tf.serialization.ConfigDict) as tf.LayersModel;
  for (const layer of compressed.layers) {
    const target = reference.getLayer(layer.name);
    const weights = layer instanceof CompressionWrapper ? layer.inner.weights.map((w) => layer.effectiveWeight(w.originalName.split('/').pop()!)) : layer.getWeights();
    target.setWeights(weights);
  }
  return reference;
}

test('compress() wraps the selected layers and predicts as a stock model with masked weights (Sequential)', async () => {
  const model = convNet();
  const pruner = new LevelPruner(model, [{ opTypes: ['default'], sparsity: 0.5 }]);
  const compressed = pruner.compress();
  assert.deepEqual(compressed.layers.map((l) => l.getClassName()), ['CompressionWrapper', 'BatchNormalization', 'Flatten', 'CompressionWrapper']);
  assert.deepEqual(await Promise.all(pruner.targets.map(async (t) => [t.name, await t.sparsity()])), [['c1/kernel', 0.5], ['d1/kernel', 0.5]]);
  const { x } = randomData(model, 3, 11);
  assert.deepEqual(await values(compressed.predict(x) as tf.Tensor), await values(maskedReference(model, compressed).predict(x) as tf.Tensor));
  // The original model is left alone.
  assert.equal(await zeros(model.getLayer('c1').getWeights()[0]), 0);
  assert.equal(pruner.boundModel, compressed);
});

test('functional models with branches are compressed too', async () => {
  const model = branchyNet();
  const pruner = new LevelPruner(model, [{ opTypes: ['Conv2D', 'Dense'], sparsity: 0.75 }, { exclude: true, opNames: ['cb'] }]);
  const compressed = pruner.compress();
  assert.deepEqual(compressed.layers.map((l) => l.getClassName()), ['InputLayer', 'CompressionWrapper', 'Conv2D', 'Add', 'BatchNormalization', 'Flatten', 'CompressionWrapper']);
  const { x } = randomData(model, 2, 12);
  assert.deepEqual(await values(compressed.predict(x) as tf.Tensor), await values(maskedReference(model, compressed).predict(x) as tf.Tensor));
});

test('the forward pass uses mask ⊙ w even when the raw weights drift; step() re-projects them', async () => {
  const model = denseNet();
  const pruner = new LevelPruner(model, [{ opNames: ['d1'], sparsity: 0.5 }]);
  const compressed = pruner.compress();
  const { x } = randomData(model, 4, 13);
  const before = await values(compressed.predict(x) as tf.Tensor);
  const [target] = pruner.targets;
  const kernel = target.wrapper.innerWeight('kernel');
  // What momentum could do to pruned entries without re-projection:
  kernel.write(tf.add(kernel.read(), tf.sub(1, target.mask)));
  assert.equal(await leakedEntries(target.weight, target.mask), 10);
  assert.deepEqual(await values(compressed.predict(x) as tf.Tensor), before);
  pruner.step();
  assert.equal(await leakedEntries(target.weight, target.mask), 0);
});

test('gradients of pruned weights are exactly zero in a custom loop', async () => {
  const model = denseNet();
  const pruner = new LevelPruner(model, [{ opNames: ['d1'], sparsity: 0.6 }]);
  const compressed = pruner.compress();
  const { x, y } = randomData(model, 4, 14);
  const kernel = pruner.targets[0].wrapper.innerWeight('kernel').read() as tf.Variable;
  const { grads } = tf.variableGrads(() => tf.losses.meanSquaredError(y, compressed.apply(x) as tf.Tensor) as tf.Scalar, [kernel]);
  const grad = await values(grads[kernel.name]!);
  const mask = await values(pruner.targets[0].mask);
  assert.ok(mask.some((m, i) => m === 1 && grad[i] !== 0));
  assert.ok(mask.every((m, i) => m === 1 || grad[i] === 0));
  tf.dispose(grads);
});

test('fit with Adam and the callbacks keeps pruned weights at exactly zero; the compile settings carry over', async () => {
  const model = convNet();
  const optimizer = tf.train.adam(0.05);
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const pruner = new LevelPruner(model, [{ opTypes: ['default'], sparsity: 0.7 }]);
  const compressed = pruner.compress();
  assert.equal(compressed.optimizer, optimizer);
  const { x, y } = randomData(model, 8, 15);
  const epochs: number[] = [];
  const callbacks = pruner.callbacks();
  await compressed.fit(x, y, {
    epochs: 2,
    batchSize: 4,
    verbose: 0,
    callbacks: [callbacks, { onEpochBegin: async (epoch: number) => void epochs.push(epoch) }],
  });
  assert.equal(pruner.steps, 4);
  assert.equal(pruner.epoch, 1);
  for (const t of pruner.targets) {
    assert.equal(await leakedEntries(t.weight, t.mask), 0, t.name);
    assert.equal(await t.sparsity(), Math.floor(t.mask.size * 0.7) / t.mask.size);
  }
});

test('a compressed model saves and loads with Squish imported, masks included', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'squish-wrapped-'));
  try {
    for (const model of [branchyNet(), separableNet()]) {
      const pruner = new LevelPruner(model, [{ opTypes: 'default', sparsity: 0.5 }]);
      const compressed = pruner.compress();
      await saveModel(compressed, join(dir, model.name));
      const loaded = await loadModel(join(dir, model.name));
      const { x } = randomData(model, 2, 16);
      assert.deepEqual(await values(loaded.predict(x) as tf.Tensor), await values(compressed.predict(x) as tf.Tensor));
      for (const target of pruner.targets) {
        const wrapper = loaded.getLayer(target.layerName) as CompressionWrapper;
        assert.ok(wrapper instanceof CompressionWrapper);
        // tfjs camel-cases string values on load (depthwise_kernel → depthwiseKernel); the wrapper maps them back.
        assert.deepEqual(await values(wrapper.maskOf(target.weightName)!.read()), await values(target.mask), target.name);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Prunes the negative weights and, for a layer with a bias, the output channels whose bias is negative. */
class SignPruner extends Pruner {
  calcMask(target: PruningTarget, _config: LayerConfig): MaskSet {
    return tf.tidy(() => {
      const weight = tf.cast(tf.greaterEqual(target.weight, 0), 'float32');
      return target.bias === undefined ? { weight } : { weight, bias: tf.cast(tf.greaterEqual(target.bias, 0), 'float32') };
    });
  }
}

test('a custom pruner implements calcMask and gets the lifecycle for free', async () => {
  const model = denseNet(2, 3);
  model.getLayer('d1').setWeights([tf.tensor2d([[1, -2, 3], [-4, 5, -6]]), tf.tensor1d([0.5, -0.5, 0])]);
  const pruner = new SignPruner(model, [{ opNames: ['d1'] }]);
  pruner.compress();
  const [target] = pruner.targets;
  assert.deepEqual(await values(target.mask), [1, 0, 1, 0, 1, 0]);
  assert.deepEqual(await values(target.wrapper.maskOf('bias')!.read()), [1, 0, 1]);
  assert.deepEqual(await values(target.weight), [1, 0, 3, 0, 5, 0]);
  assert.deepEqual(await values(target.bias!), [0.5, 0, 0]);
  assert.throws(() => new SignPruner(model, [{ opNames: ['d1'], finalSparsity: 0.5 }]), /finalSparsity is not used by SignPruner/);
});

test('a mask of the wrong shape, a second compress() and a bad epoch are errors', () => {
  class BadPruner extends Pruner {
    calcMask(): MaskSet {
      return { weight: tf.ones([2, 2]) };
    }
  }
  assert.throws(() => new BadPruner(denseNet(), [{ opNames: ['d2'] }]).compress(), /the mask for d2\/kernel has shape \[2,2\], but the weight has shape \[5,2\]/);
  const pruner = new LevelPruner(denseNet(), [{ opNames: ['d2'], sparsity: 0.5 }]);
  pruner.compress();
  assert.throws(() => pruner.compress(), (err: unknown) => err instanceof SquishError && /already called/.test(err.message));
  assert.throws(() => pruner.updateEpoch(-1), (err: unknown) => err instanceof InputError && /epoch must be an integer ≥ 0, but got -1/.test(err.message));
});

test('masks can be read back as a record keyed layer/weight; only channel pruners mask biases', async () => {
  const pruner = new LevelPruner(convNet(), [{ opNames: ['c1'], sparsity: 0.5 }]);
  pruner.compress();
  const masks = pruner.getMasks();
  assert.deepEqual(Object.keys(masks), ['c1/kernel']);
  assert.deepEqual(masks['c1/kernel'].shape, [3, 3, 2, 4]);
  assert.equal(await zeros(masks['c1/kernel']), 36);
  const filters = new L1FilterPruner(convNet(), [{ opNames: ['c1'], sparsity: 0.5 }]);
  filters.compress();
  const filterMasks = filters.getMasks();
  assert.deepEqual(Object.keys(filterMasks), ['c1/kernel', 'c1/bias']);
  assert.equal(await zeros(filterMasks['c1/bias']), 2);
  tf.dispose([...Object.values(masks), ...Object.values(filterMasks)]);
});

test('LeNet-5: a mixed config list, and the stock copy predicts exactly as the compressed model', async () => {
  const model = buildLenet5({ seed: 3 });
  const pruner = new L1FilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.25 }, { opNames: ['conv1'], sparsity: 0.5 }]);
  const compressed = pruner.compress();
  // conv1 (the later dict): 3 of 6 filters of 5·5·1 weights; conv2: 4 of 16 filters of 5·5·6.
  assert.deepEqual(await Promise.all(pruner.targets.map(async (t) => [t.name, await zeros(t.mask)])), [['conv1/kernel', 75], ['conv2/kernel', 600]]);
  const stock = unwrapModel(compressed);
  assert.deepEqual(stock.layers.map((l) => l.getClassName()), model.layers.map((l) => l.getClassName()));
  const x = tf.randomUniform([4, 28, 28, 1], 0, 1, 'float32', 17);
  assert.deepEqual(await values(stock.predict(x) as tf.Tensor), await values(compressed.predict(x) as tf.Tensor));
});

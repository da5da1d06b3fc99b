import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useTestBackend } from '../helpers/backend.js';
import {
  ActivationAPoZRankFilterPruner, ActivationMeanRankFilterPruner, DependencyGraph, FPGMPruner, L1FilterPruner, L2FilterPruner, SlimPruner,
  registerChannelHandler, type MetricPruner,
} from '../../src/compression/index.js';
import { InputError } from '../../src/errors.js';
import { buildConcatNet, buildResNet } from '../../trials/nets.js';
import { branchyNet, convNet, glorot, randomData, setWeights, values } from './fixtures.js';

await useTestBackend();
const quiet = { log: () => {} };

/** The kept output channels of a pruned layer, from its weight mask. */
async function keptChannels(pruner: MetricPruner, layer: string, weight = 'kernel'): Promise<number[]> {
  const masks = pruner.getMasks();
  const mask = masks[`${layer}/${weight}`]!;
  const perChannel = tf.tidy(() => tf.max(mask.reshape([-1, mask.shape.at(-1)!]), 0));
  const kept = (await values(perChannel)).flatMap((v, c) => (v > 0 ? [c] : []));
  tf.dispose([...Object.values(masks), perChannel]);
  return kept;
}

test('a group follows conv → BN → Flatten → Dense, with the NHWC flatten index (h·W + w)·C + c', () => {
  const graph = DependencyGraph.build(convNet(), quiet);
  const lines = graph.getPruningGroup('c1', [1]).toString().split('\n');
  assert.equal(lines[0], '[0] pruneOut on c1 => pruneOut on c1 (Pruning Root), idxs (1) [1]');
  assert.ok(lines.includes('[1] pruneOut on c1 => pruneIn on bn1, idxs (1) [1]'), lines.join('\n'));
  assert.ok(lines.includes('[2] pruneIn on bn1 => pruneOut on bn1, idxs (1) [1]'), lines.join('\n'));
  // c1 outputs 4×4×4: channel 1 is every 4th feature from 1.
  const dense = lines.find((l) => l.includes('pruneIn on d1'))!;
  assert.match(dense, /^\[\d\] pruneOut on flat => pruneIn on d1, idxs \(16\) \[1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 45, 49, 53, 57, 61\]$/);
  assert.deepEqual(graph.barriers, []);
});

test('channels that meet in an Add form one class; the group reaches the other branch', () => {
  const graph = DependencyGraph.build(branchyNet(), quiet);
  for (let c = 0; c < 4; c++) assert.equal(graph.outChannelClass('ca', c), graph.outChannelClass('cb', c));
  assert.notEqual(graph.outChannelClass('ca', 0), graph.outChannelClass('ca', 1));
  const text = graph.getPruningGroup('ca', [2]).toString();
  assert.match(text, /pruneIn on add => pruneOut on cb, idxs \(1\) \[2\]/);
  assert.match(text, /pruneOut on add => pruneIn on bn, idxs \(1\) \[2\]/);
});

test('Concatenate offsets the second input; a depthwise channel multiplier expands the indices', () => {
  const concat = DependencyGraph.build(buildConcatNet({ seed: 1, width: 0.25, size: 8 }), quiet);
  const cat = concat.getNode('concat').output;
  assert.equal(concat.outChannelClass('b', 1), concat.classOf(cat.slot0 + 4 + 1)); // a has 4 channels
  assert.match(concat.getPruningGroup('b', [1]).toString(), /pruneOut on b_relu => pruneIn on concat, idxs \(1\) \[1\][\s\S]*pruneIn on concat => pruneOut on concat, idxs \(1\) \[5\]/);

  const x = tf.input({ shape: [5, 5, 2] });
  const conv = tf.layers.conv2d({ name: 'conv', filters: 3, kernelSize: 1, kernelInitializer: glorot(1) }).apply(x) as tf.SymbolicTensor;
  const dw = tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, depthMultiplier: 2, depthwiseInitializer: glorot(2) }).apply(conv) as tf.SymbolicTensor;
  const graph = DependencyGraph.build(tf.model({ inputs: x, outputs: dw }), quiet);
  assert.match(graph.getPruningGroup('conv', [1]).toString(), /pruneIn on dw => pruneOut on dw, idxs \(2\) \[2, 3\]/);
});

test('a layer without a handler is a barrier with a logged reason, not a crash', () => {
  const x = tf.input({ shape: [4, 4, 2] });
  const conv = tf.layers.conv2d({ name: 'conv', filters: 3, kernelSize: 1 }).apply(x) as tf.SymbolicTensor;
  const norm = tf.layers.layerNormalization({ name: 'ln' }).apply(conv) as tf.SymbolicTensor;
  const logged: string[] = [];
  const graph = DependencyGraph.build(tf.model({ inputs: x, outputs: norm }), { log: (m) => logged.push(m) });
  assert.deepEqual(graph.barriers, [{ layer: 'ln', reason: 'no channel handler for LayerNormalization (see registerChannelHandler)' }]);
  assert.deepEqual(logged, ['channel pruning stops at layer ln: no channel handler for LayerNormalization (see registerChannelHandler)']);
  assert.equal(graph.getNode('conv').output.pinned, true);
});

/** ca's and cb's filters scored so that each layer alone would prune different channels. */
function scoredBranchy(): tf.LayersModel {
  const model = branchyNet();
  const kernel = (scale: number[], size: number) => Array.from({ length: size }, (_, i) => scale[i % 4]!);
  setWeights(model, 'ca', [kernel([1, 5, 3, 9], 36)]); // alone: prunes 0, 2
  setWeights(model, 'cb', [kernel([8, 1, 4, 9], 4)]); // alone: prunes 1, 2; summed with ca: 9·1+8, 9·5+1, 9·3+4, … → 0, 2
  return model;
}

test('dependency-aware filter pruners prune the same channels across an Add, by summed score, BN included', async () => {
  const independent = new L1FilterPruner(scoredBranchy(), [{ opTypes: ['Conv2D'], sparsity: 0.5 }]);
  independent.compress();
  assert.deepEqual([await keptChannels(independent, 'ca'), await keptChannels(independent, 'cb')], [[1, 3], [0, 3]]);

  const aware = new L1FilterPruner(scoredBranchy(), [{ opTypes: ['Conv2D'], sparsity: 0.5 }], { dependencyAware: true });
  aware.compress();
  assert.deepEqual([await keptChannels(aware, 'ca'), await keptChannels(aware, 'cb'), await keptChannels(aware, 'bn', 'gamma')], [[1, 3], [1, 3], [1, 3]]);
});

test('in a group with different sparsities, the common channels go first, then each layer its own', async () => {
  const pruner = new L1FilterPruner(scoredBranchy(), [{ opNames: 'ca', sparsity: 0.25 }, { opNames: 'cb', sparsity: 0.5 }], { dependencyAware: true });
  pruner.compress();
  // Common: ⌊4·0.25⌋ = 1 class, the lowest sum (channel 0); cb then adds its own lowest left, channel 1.
  assert.deepEqual([await keptChannels(pruner, 'ca'), await keptChannels(pruner, 'cb'), await keptChannels(pruner, 'bn', 'gamma')], [[1, 2, 3], [2, 3], [1, 2, 3]]);
});

test('every channel pruner has the mode: coupled layers keep the same channels', async () => {
  const config = [{ opTypes: ['Conv2D'], sparsity: 0.5 }];
  const makers: [string, (m: tf.LayersModel) => MetricPruner][] = [
    ['L2', (m) => new L2FilterPruner(m, config, { dependencyAware: true })],
    ['FPGM', (m) => new FPGMPruner(m, config, { dependencyAware: true })],
    ['APoZ', (m) => new ActivationAPoZRankFilterPruner(m, config, { dependencyAware: true })],
    ['Mean', (m) => new ActivationMeanRankFilterPruner(m, config, { dependencyAware: true })],
  ];
  for (const [name, make] of makers) {
    const model = branchyNet();
    const pruner = make(model);
    const compressed = pruner.compress();
    const { x } = randomData(model, 4, 3);
    tf.dispose(compressed.predict(x) as tf.Tensor);
    pruner.step(); // the activation pruners prune once their statistics are in
    const ca = await keptChannels(pruner, 'ca');
    assert.equal(ca.length, 2, name);
    assert.deepEqual(await keptChannels(pruner, 'cb'), ca, name);
    x.dispose();
  }
});

test('SlimPruner in dependency-aware mode prunes the BatchNorms of a residual Add together', async () => {
  const model = buildResNet({ seed: 2, width: 0.25, size: 8 });
  for (const name of ['b2c2_bn', 'b2p_bn']) setWeights(model, name, [Array.from({ length: 8 }, (_, i) => (name === 'b2p_bn' ? i + 1 : 8 - i))]);
  const pruner = new SlimPruner(model, [{ opNames: ['b2c2_bn', 'b2p_bn'], sparsity: 0.5 }], { dependencyAware: true });
  pruner.compress();
  const kept = await keptChannels(pruner, 'b2c2_bn', 'gamma');
  assert.equal(kept.length, 4);
  assert.deepEqual(await keptChannels(pruner, 'b2p_bn', 'gamma'), kept);
});

test('options.dependencyAware must be a boolean', () => {
  assert.throws(
    () => new L1FilterPruner(branchyNet(), [{ sparsity: 0.5 }], { dependencyAware: 'yes' as unknown as boolean }),
    (err: unknown) => err instanceof InputError && /options.dependencyAware must be true or false, but got "yes"/.test(err.message),
  );
});

/** A custom per-channel layer: no handler until one is registered. */
class TimesTwo extends tf.layers.Layer {
  static className = 'TimesTwo';
  override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.mul(Array.isArray(x) ? x[0]! : x, 2);
  }
}
tf.serialization.registerClass(TimesTwo);

test('registerChannelHandler turns a custom layer from a barrier into a pass-through', () => {
  const build = () => {
    const x = tf.input({ shape: [4, 4, 2] });
    const conv = tf.layers.conv2d({ name: 'conv', filters: 3, kernelSize: 1 }).apply(x) as tf.SymbolicTensor;
    const twice = new TimesTwo({ name: 'twice' }).apply(conv) as tf.SymbolicTensor;
    return tf.model({ inputs: x, outputs: tf.layers.dense({ name: 'out', units: 2 }).apply(twice) as tf.SymbolicTensor });
  };
  assert.deepEqual(DependencyGraph.build(build(), quiet).barriers.map((b) => b.layer), ['twice']);
  registerChannelHandler('TimesTwo', { kind: 'elementwise' });
  const graph = DependencyGraph.build(build(), quiet);
  assert.deepEqual(graph.barriers, []);
  assert.match(graph.getPruningGroup('conv', [2]).toString(), /pruneOut on twice => pruneIn on out, idxs \(1\) \[2\]/);
});

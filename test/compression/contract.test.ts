/**
 * The contract every pruner honours, on one tiny conv net: the target sparsity is reached exactly, pruned
 * weights stay exactly zero through `fit` with Adam, and training leaks no tensors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useTestBackend } from '../helpers/backend.js';
import {
  AGPPruner,
  ActivationAPoZRankFilterPruner,
  ActivationMeanRankFilterPruner,
  FPGMPruner,
  L1FilterPruner,
  L2FilterPruner,
  LevelPruner,
  LotteryTicketPruner,
  SlimPruner,
  type Pruner,
} from '../../src/compression/index.js';
import { convNet, leakedEntries, randomData, zeros } from './fixtures.js';

await useTestBackend();

interface Case {
  make: (model: tf.LayersModel) => Pruner;
  /** Pruned entries expected per target once training is over. */
  zeros: Record<string, number>;
}

// c1/kernel is [3, 3, 2, 4] (72 entries, 18 per filter), bn1/gamma [4], d1/kernel [64, 3] (192).
const CASES: Record<string, Case> = {
  level: { make: (m) => new LevelPruner(m, [{ opTypes: 'default', sparsity: 0.6 }]), zeros: { 'c1/kernel': 43, 'd1/kernel': 115 } },
  agp: {
    make: (m) => new AGPPruner(m, [{ opTypes: 'default', initialSparsity: 0.1, finalSparsity: 0.8, endEpoch: 3 }]),
    zeros: { 'c1/kernel': 57, 'd1/kernel': 153 },
  },
  lottery: {
    make: (m) => new LotteryTicketPruner(m, [{ opTypes: 'default', sparsity: 0.75, pruneIterations: 2 }]),
    zeros: { 'c1/kernel': 54, 'd1/kernel': 144 },
  },
  fpgm: { make: (m) => new FPGMPruner(m, [{ opTypes: ['Conv2D'], sparsity: 0.5 }]), zeros: { 'c1/kernel': 36 } },
  l1filter: { make: (m) => new L1FilterPruner(m, [{ opTypes: ['Conv2D'], sparsity: 0.5 }]), zeros: { 'c1/kernel': 36 } },
  l2filter: { make: (m) => new L2FilterPruner(m, [{ opTypes: ['Conv2D'], sparsity: 0.25 }]), zeros: { 'c1/kernel': 18 } },
  apoz: { make: (m) => new ActivationAPoZRankFilterPruner(m, [{ opTypes: ['Conv2D'], sparsity: 0.5 }]), zeros: { 'c1/kernel': 36 } },
  meanActivation: { make: (m) => new ActivationMeanRankFilterPruner(m, [{ opTypes: ['Conv2D'], sparsity: 0.5 }]), zeros: { 'c1/kernel': 36 } },
  slim: { make: (m) => new SlimPruner(m, [{ opTypes: ['BatchNormalization'], sparsity: 0.5 }], { trainingEpochs: 1 }), zeros: { 'bn1/gamma': 2 } },
};

/** Trains through every round a pruner has (lottery: one epoch per round; others: three epochs). */
async function train(pruner: Pruner, model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, epochs: [number, number]): Promise<void> {
  const fit = (from: number, to: number) => model.fit(x, y, { initialEpoch: from, epochs: to, batchSize: 4, verbose: 0, callbacks: pruner.callbacks() });
  if (pruner instanceof LotteryTicketPruner) {
    for (let i = epochs[0]; i < epochs[1]; i++) {
      await pruner.pruneIterationStart();
      await fit(0, 1);
    }
  } else {
    await fit(...epochs);
  }
}

for (const [name, { make, zeros: expected }] of Object.entries(CASES)) {
  test(`${name}: exact sparsity, pruned weights stay 0 under Adam, no tensor leak`, async () => {
    const model = convNet();
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const { x, y } = randomData(model, 8, 31);
    const pruner = make(model);
    const compressed = pruner.compress();
    // Lottery has three rounds: two to warm up (and prune), the last one measured.
    await train(pruner, compressed, x, y, pruner instanceof LotteryTicketPruner ? [0, 2] : [0, 3]);
    const tensors = tf.memory().numTensors;
    await train(pruner, compressed, x, y, pruner instanceof LotteryTicketPruner ? [2, 3] : [3, 4]);
    assert.equal(tf.memory().numTensors, tensors, 'tensors after one more epoch');

    const got = Object.fromEntries(await Promise.all(pruner.targets.map(async (t) => [t.name, await zeros(t.mask)])));
    assert.deepEqual(got, expected);
    for (const t of pruner.targets) {
      assert.equal(await leakedEntries(t.weight, t.mask), 0, `${t.name}: pruned weights that are not 0`);
      if (t.bias !== undefined) assert.equal(await leakedEntries(t.bias, t.wrapper.maskOf(t.setting.bias!)!.read()), 0, `${t.name}: bias`);
    }
    pruner.dispose();
    compressed.dispose();
  });
}

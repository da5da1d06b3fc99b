/** Each pruner's masks against values worked out by hand on small tensors, and the schedules. */
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
  agpSparsity,
  distanceSums,
  keepAllButLowest,
  lotterySparsity,
  type PruningTarget,
} from '../../src/compression/index.js';
import { denseNet, glorot, randomData, setWeights, values, zeros } from './fixtures.js';

await useTestBackend();

const maskOf = (pruner: { targets: readonly PruningTarget[] }, i = 0) => values(pruner.targets[i].mask);
const biasMaskOf = (pruner: { targets: readonly PruningTarget[] }, i = 0) => values(pruner.targets[i].wrapper.maskOf(pruner.targets[i].setting.bias!)!.read());

/** A 1×1 conv from `inChannels` to 4 filters, no activation: filter f's weights are kernel[0][0][:][f]. */
function pointwiseConv(inChannels: number, filters: number[][], bias = [0.1, 0.2, 0.3, 0.4]): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.conv2d({ name: 'c', inputShape: [2, 2, inChannels], filters: 4, kernelSize: 1 })] });
  // filters[f][i] → kernel [1, 1, in, 4] in row-major order (in, then filter).
  const kernel = Array.from({ length: inChannels }, (_, i) => filters.map((f) => f[i])).flat();
  setWeights(model, 'c', [kernel, bias]);
  return model;
}

test('keepAllButLowest prunes exactly k: the lowest scores, ties at the threshold by position', async () => {
  const scores = tf.tensor1d([3, 1, 2, 1, 1, 5]);
  assert.deepEqual(await values(keepAllButLowest(scores, 0)), [1, 1, 1, 1, 1, 1]);
  assert.deepEqual(await values(keepAllButLowest(scores, 2)), [1, 0, 1, 0, 1, 1]);
  assert.deepEqual(await values(keepAllButLowest(scores, 4)), [1, 0, 0, 0, 0, 1]);
  assert.deepEqual(await values(keepAllButLowest(scores, 6)), [0, 0, 0, 0, 0, 0]);
});

test('Level prunes the ⌊n·s⌋ smallest |w|, and exactly that many on ties', async () => {
  const model = denseNet(2, 3);
  setWeights(model, 'd1', [[0.5, -0.1, 0.3, -0.2, 0.05, 0.4]]);
  const pruner = new LevelPruner(model, [{ opNames: ['d1'], sparsity: 0.5 }]);
  pruner.compress();
  assert.deepEqual(await maskOf(pruner), [1, 0, 1, 0, 0, 1]);

  setWeights(model, 'd1', [[0.1, -0.1, 0.1, 0.1, -0.1, 0.1]]);
  const tied = new LevelPruner(model, [{ opNames: ['d1'], sparsity: 0.5 }]);
  tied.compress();
  // NNI's `|w| > threshold` would prune all six; the first three by position go.
  assert.deepEqual(await maskOf(tied), [0, 0, 0, 1, 1, 1]);
});

// Filters as points: L1 = |a|+|b|, L2 = √(a²+b²). f0 (1,1): 2, 1.414; f1 (1.8,0): 1.8, 1.8; f2 (3,3); f3 (0,2.5).
const normFilters = [[1, 1], [1.8, 0], [3, 3], [0, 2.5]];

test('L1Filter prunes the filters with the smallest Σ|w|, with their biases', async () => {
  const pruner = new L1FilterPruner(pointwiseConv(2, normFilters), [{ opTypes: ['Conv2D'], sparsity: 0.25 }]);
  pruner.compress();
  assert.deepEqual(await maskOf(pruner), [1, 0, 1, 1, 1, 0, 1, 1]); // filter 1, in both input rows
  assert.deepEqual(await biasMaskOf(pruner), [1, 0, 1, 1]);
  assert.deepEqual((await values(pruner.targets[0].bias!)).map((v) => Math.round(v * 10) / 10), [0.1, 0, 0.3, 0.4]);
});

test('L2Filter prunes the filters with the smallest ‖w‖₂', async () => {
  const pruner = new L2FilterPruner(pointwiseConv(2, normFilters), [{ opTypes: ['Conv2D'], sparsity: 0.25 }]);
  pruner.compress();
  assert.deepEqual(await biasMaskOf(pruner), [0, 1, 1, 1]);
  const half = new L2FilterPruner(pointwiseConv(2, normFilters), [{ opTypes: ['Conv2D'], sparsity: 0.5 }]);
  half.compress();
  assert.deepEqual(await biasMaskOf(half), [0, 0, 1, 1]);
});

// Points (0,0), (1,0), (0,2), (5,5): d = 1+2+√50 = 10.071, 1+√5+√41 = 9.639, 2+√5+√34 = 10.067, √50+√41+√34 = 19.305.
const fpgmFilters = [[0, 0], [1, 0], [0, 2], [5, 5]];

test('FPGM scores Σ_g ‖W_f − W_g‖ and prunes the smallest sums', async () => {
  const sums = await values(distanceSums(tf.tensor2d(fpgmFilters)));
  const expected = [3 + Math.sqrt(50), 1 + Math.sqrt(5) + Math.sqrt(41), 2 + Math.sqrt(5) + Math.sqrt(34), Math.sqrt(50) + Math.sqrt(41) + Math.sqrt(34)];
  sums.forEach((s, i) => assert.ok(Math.abs(s - expected[i]) < 1e-5, `d(${i}) = ${s}, expected ${expected[i]}`));
  const one = new FPGMPruner(pointwiseConv(2, fpgmFilters), [{ opTypes: ['Conv2D'], sparsity: 0.25 }]);
  one.compress();
  assert.deepEqual(await biasMaskOf(one), [1, 0, 1, 1]);
  const two = new FPGMPruner(pointwiseConv(2, fpgmFilters), [{ opTypes: ['Conv2D'], sparsity: 0.5 }]);
  two.compress();
  assert.deepEqual(await biasMaskOf(two), [1, 0, 0, 1]); // f2 (10.067) goes before f0 (10.071)
});

// Input x = [1, −1, 2, 0] at the 4 positions; filter weights [1, −1, 0.5, 2], zero bias. After relu:
// c0 [1,0,2,0] APoZ .5 mean .75 · c1 [0,1,0,0] APoZ .75 mean .25 · c2 [.5,0,1,0] APoZ .5 mean .375 · c3 [2,0,4,0] APoZ .5 mean 1.5
function activationModel(): { model: tf.LayersModel; x: tf.Tensor } {
  const model = tf.sequential({ layers: [tf.layers.conv2d({ name: 'c', inputShape: [2, 2, 1], filters: 4, kernelSize: 1 })] });
  setWeights(model, 'c', [[1, -1, 0.5, 2], [0, 0, 0, 0]]);
  return { model, x: tf.tensor4d([1, -1, 2, 0], [1, 2, 2, 1]) };
}

async function pruneAfterOneBatch(pruner: ActivationAPoZRankFilterPruner | ActivationMeanRankFilterPruner, x: tf.Tensor) {
  const compressed = pruner.compress();
  assert.equal(pruner.statisticsReady, false);
  pruner.step();
  assert.deepEqual(await biasMaskOf(pruner), [1, 1, 1, 1]); // no statistics yet: nothing pruned
  (compressed.predict(x) as tf.Tensor).dispose();
  assert.equal(pruner.statisticsReady, true);
  pruner.step();
}

test('APoZ prunes the channels with the most zeros after relu, exactly k on ties', async () => {
  const { model, x } = activationModel();
  const one = new ActivationAPoZRankFilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.25 }]);
  await pruneAfterOneBatch(one, x);
  assert.deepEqual(await biasMaskOf(one), [1, 0, 1, 1]);
  const two = new ActivationAPoZRankFilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.5 }]);
  await pruneAfterOneBatch(two, x);
  assert.deepEqual(await biasMaskOf(two), [0, 0, 1, 1]); // c1, then c0 of the three tied at .5
});

test('MeanActivation prunes the channels with the smallest mean activation; relu6 clips first', async () => {
  const { model, x } = activationModel();
  const pruner = new ActivationMeanRankFilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.5 }]);
  await pruneAfterOneBatch(pruner, x);
  assert.deepEqual(await biasMaskOf(pruner), [1, 0, 0, 1]);
});

test('relu6 clips activations before they are averaged', async () => {
  // Positions (10, 0), (0, 1) ×3. Filters (1,0): [10,0,0,0] · (0,2): [0,2,2,2] · (0,3): [0,3,3,3] · (0,−1): 0.
  // relu means 2.5, 1.5, 2.25, 0 → prune c3, c1. relu6 clips c0 to [6,0,0,0]: 1.5, tied with c1 → c3, c0.
  const model = pointwiseConv(2, [[1, 0], [0, 2], [0, 3], [0, -1]], [0, 0, 0, 0]);
  const x = tf.tensor4d([10, 0, 0, 1, 0, 1, 0, 1], [1, 2, 2, 2]);
  const relu = new ActivationMeanRankFilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.5 }]);
  await pruneAfterOneBatch(relu, x);
  assert.deepEqual(await biasMaskOf(relu), [1, 0, 1, 0]);
  const relu6 = new ActivationMeanRankFilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.5 }], { activation: 'relu6' });
  await pruneAfterOneBatch(relu6, x);
  assert.deepEqual(await biasMaskOf(relu6), [0, 1, 1, 0]);
});

test('pruner options are validated', () => {
  const { model } = activationModel();
  assert.throws(() => new ActivationAPoZRankFilterPruner(model, [{ opTypes: 'Conv2D', sparsity: 0.5 }], { statisticsBatchNum: 0 }), /options\.statisticsBatchNum must be an integer ≥ 1, but got 0/);
  assert.throws(() => new ActivationMeanRankFilterPruner(model, [{ opTypes: 'Conv2D', sparsity: 0.5 }], { activation: 'tanh' as 'relu' }), /options\.activation must be 'relu' or 'relu6', but got "tanh"/);
  assert.throws(() => new SlimPruner(twoBatchNorms(), [{ opTypes: 'BatchNormalization', sparsity: 0.5 }], { trainingEpochs: 1.5 }), /options\.trainingEpochs must be an integer ≥ 0, but got 1\.5/);
  assert.throws(() => new SlimPruner(twoBatchNorms(), [{ opTypes: 'BatchNormalization', sparsity: 0.5 }], { scale: -1 }), /options\.scale must be a number ≥ 0, but got -1/);
});

test('activation pruners wait for statisticsBatchNum batches', async () => {
  const { model, x } = activationModel();
  const pruner = new ActivationMeanRankFilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.5 }], { statisticsBatchNum: 2 });
  const compressed = pruner.compress();
  (compressed.predict(x) as tf.Tensor).dispose();
  pruner.step();
  pruner.updateMasks(); // asked too early: a no-op, not a ranking of 0/0
  assert.equal(pruner.statisticsReady, false);
  assert.deepEqual(await biasMaskOf(pruner), [1, 1, 1, 1]);
  // A second batch, −x: c0 [0,1,0,0], c1 [1,0,2,0], c2 [0,.5,0,0], c3 [0,2,0,0]. Means over both batches:
  // c0 .5, c1 .5, c2 .25, c3 1 → c2, then c0 (tied with c1).
  (compressed.predict(tf.neg(x)) as tf.Tensor).dispose();
  pruner.step();
  assert.deepEqual(await biasMaskOf(pruner), [0, 1, 0, 1]);
});

/** Dense(3) → bn1 → Dense(4) → bn2, with γ set by hand. */
function twoBatchNorms(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ name: 'd1', inputShape: [2], units: 3, kernelInitializer: glorot(8) }),
      tf.layers.batchNormalization({ name: 'bn1' }),
      tf.layers.dense({ name: 'd2', units: 4, kernelInitializer: glorot(9) }),
      tf.layers.batchNormalization({ name: 'bn2' }),
    ],
  });
  setWeights(model, 'bn1', [[0.1, -0.15, 0.9]]);
  setWeights(model, 'bn2', [[0.3, 0.05, -0.7, 0.2]]);
  return model;
}

test('Slim ranks |γ| of all BatchNormalization layers together and masks γ and β', async () => {
  const pruner = new SlimPruner(twoBatchNorms(), [{ opTypes: ['BatchNormalization'], sparsity: 0.5 }]);
  pruner.compress();
  // 7 channels, k = 3: .05 (bn2), .1 and .15 (bn1). Per layer it would have been bn1 [0,1,1], bn2 [1,0,1,0].
  assert.deepEqual(await maskOf(pruner, 0), [0, 0, 1]);
  assert.deepEqual(await maskOf(pruner, 1), [1, 0, 1, 1]);
  assert.deepEqual(await biasMaskOf(pruner, 1), [1, 0, 1, 1]);
});

test('Slim with sparsity training adds scale·Σ|γ| to the loss until trainingEpochs, then prunes', async () => {
  const model = twoBatchNorms();
  const pruner = new SlimPruner(model, [{ opTypes: ['BatchNormalization'], sparsity: 0.5 }], { scale: 0.01, trainingEpochs: 1 });
  const compressed = pruner.compress();
  assert.deepEqual(await maskOf(pruner, 0), [1, 1, 1]);
  const penalty = async () => {
    const losses = tf.tidy(() => compressed.layers.flatMap((l) => l.calculateLosses()));
    const sum = (await Promise.all(losses.map(values))).reduce((a, [v]) => a + v!, 0);
    tf.dispose(losses);
    return sum;
  };
  assert.ok(Math.abs(await penalty() - 0.01 * (0.1 + 0.15 + 0.9 + 0.3 + 0.05 + 0.7 + 0.2)) < 1e-6);
  pruner.updateEpoch(0);
  assert.deepEqual(await maskOf(pruner, 0), [1, 1, 1]);
  pruner.updateEpoch(1);
  assert.deepEqual(await maskOf(pruner, 0), [0, 0, 1]);
  assert.equal(await penalty(), 0);
});

test('fit minimises the Slim penalty: identical inputs normalise to 0, so only scale·sign(γ) moves γ', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ name: 'd', inputShape: [2], units: 3, kernelInitializer: glorot(10) }), tf.layers.batchNormalization({ name: 'bn' })] });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  const pruner = new SlimPruner(model, [{ opNames: 'bn', sparsity: 0.5 }], { scale: 1, trainingEpochs: 5 });
  const compressed = pruner.compress();
  await compressed.fit(tf.ones([4, 2]), tf.zeros([4, 3]), { epochs: 1, batchSize: 4, verbose: 0, callbacks: pruner.callbacks() });
  assert.ok((await values(pruner.targets[0].weight)).every((g) => Math.abs(g - 0.9) < 1e-6));
});

test('AGP follows s_f + (s_i − s_f)(1 − (t − t0)/span)³ on the frequency grid', () => {
  const near = (actual: (number | undefined)[], expected: (number | undefined)[]) =>
    assert.ok(actual.every((a, i) => (a === undefined ? expected[i] === undefined : Math.abs(a - expected[i]!) < 1e-12)), `${actual} ≠ ${expected}`);
  const c = { exclude: false, finalSparsity: 0.9, endEpoch: 3 };
  near([0, 1, 2, 3, 7].map((e) => agpSparsity(c, e)), [0, 0.9 - 0.9 / 8, 0.9, 0.9, 0.9]);
  const every2 = { exclude: false, initialSparsity: 0.1, finalSparsity: 0.5, startEpoch: 1, endEpoch: 6, frequency: 2 };
  // span = ⌊(6 − 1 − 1)/2⌋·2 = 4: epochs 1, 3, 5 recompute; 0 is before the start, 2 and 4 are off the grid.
  near([0, 1, 2, 3, 4, 5].map((e) => agpSparsity(every2, e)), [undefined, 0.1, undefined, 0.5 - 0.4 / 8, undefined, 0.5]);
  // NNI's defaults (start 0, end 1) make span 0 and fail its assert; we prune to s_f at once.
  assert.equal(agpSparsity({ exclude: false, finalSparsity: 0.6 }, 0), 0.6);
});

test('AGP prunes gradually, counting epoch 0 and ranking only surviving weights', async () => {
  const model = denseNet(8, 5); // d1 has 40 weights
  const pruner = new AGPPruner(model, [{ opNames: ['d1'], initialSparsity: 0.2, finalSparsity: 0.5, endEpoch: 3 }]);
  pruner.compress();
  const sparsities = [await pruner.targets[0].sparsity()];
  const masks = [await maskOf(pruner)];
  for (const epoch of [1, 2]) {
    pruner.updateEpoch(epoch);
    sparsities.push(await pruner.targets[0].sparsity());
    masks.push(await maskOf(pruner));
  }
  // 40·0.2 = 8; 40·(0.5 − 0.3/8) = 18.5 → 18; 40·0.5 = 20.
  assert.deepEqual(sparsities, [8 / 40, 18 / 40, 20 / 40]);
  for (let i = 1; i < masks.length; i++) assert.ok(masks[i].every((m, j) => m <= masks[i - 1][j]), 'pruned weights stay pruned');
});

test('AGP with updatesPerEpoch follows the same curve at fractional epochs, step by step', async () => {
  const model = denseNet(8, 5);
  const pruner = new AGPPruner(model, [{ opNames: ['d1'], finalSparsity: 0.5, endEpoch: 3 }], { updatesPerEpoch: 2, stepsPerEpoch: 4 });
  pruner.compress();
  const seen = [await zeros(pruner.targets[0].mask)];
  for (const epoch of [0, 1, 2]) {
    if (epoch > 0) pruner.updateEpoch(epoch);
    seen.push(await zeros(pruner.targets[0].mask));
    for (let step = 0; step < 4; step++) {
      pruner.step();
      seen.push(await zeros(pruner.targets[0].mask));
    }
  }
  // span 2: t = .5 → 0.5 − 0.5·.75³ → 11 of 40; t = 1 → 17; t = 1.5 → 0.5 − 0.5·.25³ → 19; t = 2 → 20.
  assert.deepEqual(seen, [0, 0, 0, 11, 11, 11, 17, 17, 19, 19, 19, 20, 20, 20, 20, 20]);
  assert.throws(() => new AGPPruner(model, [{ opNames: ['d1'], finalSparsity: 0.5 }], { updatesPerEpoch: 4 }), /options\.stepsPerEpoch must be an integer ≥ updatesPerEpoch \(4\), but got undefined/);
  assert.throws(() => new AGPPruner(model, [{ opNames: ['d1'], finalSparsity: 0.5 }], { updatesPerEpoch: 0 }), /options\.updatesPerEpoch must be an integer ≥ 1, but got 0/);
});

test('Lottery ticket: round i has sparsity 1 − (1 − P)^(i/n), then rewinds weights and optimizer to θ0', async () => {
  assert.equal(lotterySparsity(0.75, 1, 2), 0.5);
  assert.equal(lotterySparsity(0.75, 2, 2), 0.75);
  const model = denseNet(2, 5); // d1 has 10 weights
  const optimizer = tf.train.adam(0.1);
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const theta0 = await values(model.getLayer('d1').getWeights()[0]);
  const pruner = new LotteryTicketPruner(model, [{ opNames: ['d1'], sparsity: 0.75, pruneIterations: 2 }]);
  await assert.rejects(pruner.pruneIterationStart(), /call compress\(\) before pruneIterationStart\(\)/);
  const compressed = pruner.compress();
  const { x, y } = randomData(model, 8, 21);
  const seen: number[][] = [];
  for (const round of pruner.getPruneIterations()) {
    await pruner.pruneIterationStart();
    assert.equal(pruner.round, round);
    const target = pruner.targets[0];
    const state = await optimizer.getWeights();
    seen.push([await zeros(target.mask), state.length]);
    state[0].tensor.dispose(); // the iteration count comes as a fresh scalar
    // Survivors are back at θ0, the rest at 0.
    const mask = await values(target.mask);
    assert.deepEqual(await values(target.weight), theta0.map((w, i) => (mask[i] === 1 ? w : 0)));
    await compressed.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: pruner.callbacks() });
  }
  // Zeros per round: 0, 5, 7; the optimizer state is the fresh one (iterations only) at every start.
  assert.deepEqual(seen, [[0, 1], [5, 1], [7, 1]]);
  await assert.rejects(pruner.pruneIterationStart(), /all 3 lottery-ticket rounds have run/);
  // θ0 (d1 and d2, kernel and bias) and the round-0 optimizer state (its iteration count) are freed.
  const held = tf.memory().numTensors;
  pruner.dispose();
  assert.equal(held - tf.memory().numTensors, 5);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useTestBackend } from '../helpers/backend.js';
import {
  BNNQuantizer, Compressor, CompressionWrapper, DoReFaQuantizer, LevelPruner, NaiveQuantizer, QAT_Quantizer, QUANTIZERS, Quantizer, fakeQuantize,
  type LayerConfig, type QuantGrad, type QuantizationTarget,
} from '../../src/compression/index.js';
import { convNet, denseNet, randomData, setWeights, values } from './fixtures.js';

await useTestBackend();

/** A Dense layer `d1` whose weights are given, on `inputs` features. */
function dense(kernel: number[], units: number, bias?: number[]): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ name: 'd1', inputShape: [kernel.length / units], units, useBias: bias !== undefined })] });
  setWeights(model, 'd1', bias === undefined ? [kernel] : [kernel, bias]);
  return model;
}

async function kernelOf(model: tf.LayersModel): Promise<number[]> {
  return values((model.getLayer('d1') as CompressionWrapper).effectiveWeight('kernel'));
}

function assertClose(actual: number[], expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tol, `[${i}]: ${a} vs ${expected[i]}`));
}

test('Naive: symmetric 8-bit with scale max|w|/127, rounding to nearest (NNI truncates)', async () => {
  const model = dense([0.5, -1.27, 0.3, 0.0199], 2);
  const q = new NaiveQuantizer(model, [{ opNames: ['d1'], quantTypes: ['weight'] }]);
  const compressed = q.compress();
  // scale = 0.01; 0.0199 rounds to 0.02 (truncation would give 0.01).
  assertClose(await kernelOf(compressed), [0.5, -1.27, 0.3, 0.02]);
  // The scale is a running maximum: smaller weights keep the old, coarser grid.
  const inner = (compressed.getLayer('d1') as CompressionWrapper).innerWeight('kernel');
  inner.write(tf.tensor2d([0.014, -0.5, 0.3, 0.001], [2, 2]));
  assertClose(await kernelOf(compressed), [0.01, -0.5, 0.3, 0]);
});

test('QAT: asymmetric grid over [min(w,0), max(w,0)] with an integer zero point; 0 stays exactly 0', async () => {
  const model = dense([-0.3, 0.1, 0.5, 0], 2);
  const q = new QAT_Quantizer(model, [{ opNames: ['d1'], quantTypes: ['weight'], quantBits: 2 }]);
  // scale 0.8/3, zero point round(0.3/scale) = 1; q = round(w/scale + 1) = 0, 1, 3, 1.
  const s = 0.8 / 3;
  const k = await kernelOf(q.compress());
  assertClose(k, [-s, 0, 2 * s, 0]);
  assert.equal(k[3], 0);
  // All-positive weights widen the range down to 0 (zero point 0).
  const positive = new QAT_Quantizer(dense([0.2, 0.4], 1), [{ opNames: ['d1'], quantTypes: 'weight', quantBits: 2 }]);
  assertClose(await kernelOf(positive.compress()), [0.4 / 3 * 2, 0.4]);
});

test('DoReFa: tanh normalisation, k-bit rounding, back to [-1, 1]', async () => {
  const model = dense([0.5, -1, 0.1, 2], 2);
  const q = new DoReFaQuantizer(model, [{ opNames: ['d1'], quantTypes: ['weight'], quantBits: 2 }]);
  // w' = tanh(w)/(2·tanh(2)) + ½ = .740, .105, .552, 1 → round(3w') = 2, 0, 2, 3 → 2q/3 − 1.
  assertClose(await kernelOf(q.compress()), [1 / 3, -1, 1 / 3, 1]);
});

test('BNN: sign with 0 → +1 for weights and outputs; outputs get the clipped straight-through gradient', async () => {
  const model = dense([1, 0, 0, 1], 2);
  const q = new BNNQuantizer(model, [{ opNames: ['d1'], quantTypes: ['output'] }]);
  const compressed = q.compress();
  const x = tf.tensor2d([[0.5, -2], [0, 1.5]]);
  assert.deepEqual(await values(compressed.predict(x) as tf.Tensor), [1, -1, 1, 1]);
  const dx = tf.grad((input: tf.Tensor) => tf.sum(compressed.apply(input) as tf.Tensor))(x);
  assert.deepEqual(await values(dx), [1, 0, 1, 0]);

  const w = new BNNQuantizer(dense([0, -0.5, 0.3, -0.01], 2), [{ opNames: ['d1'], quantTypes: ['weight'] }]);
  assert.deepEqual(await kernelOf(w.compress()), [1, -1, 1, -1]);
});

test('weight gradients pass straight through: they equal the stock gradient at the quantized weights', async () => {
  const model = denseNet();
  const q = new QAT_Quantizer(model, [{ opTypes: ['Dense'], quantTypes: ['weight'], quantBits: 3 }]);
  const compressed = q.compress();
  const { x, y } = randomData(model, 6, 5);
  const reference = denseNet();
  for (const layer of compressed.layers as CompressionWrapper[]) {
    reference.getLayer(layer.name).setWeights(layer.inner.weights.map((w) => layer.effectiveWeight(w.originalName.split('/').pop()!)));
  }
  const gradsOf = (m: tf.LayersModel, vars: tf.Variable[]) =>
    tf.variableGrads(() => tf.losses.meanSquaredError(y, m.apply(x) as tf.Tensor) as tf.Scalar, vars).grads;
  // Outside a forward pass a layer variable's read() is the tf.Variable itself.
  const ours = gradsOf(compressed, compressed.layers.map((l) => (l as CompressionWrapper).innerWeight('kernel').read() as tf.Variable));
  const stock = gradsOf(reference, reference.layers.map((l) => l.weights[0]!.read() as tf.Variable));
  const ourValues = await Promise.all(Object.values(ours).map(values));
  const stockValues = await Promise.all(Object.values(stock).map(values));
  assert.equal(ourValues.length, 2);
  ourValues.forEach((g, i) => assertClose(g, stockValues[i]!, 1e-5));
  assert.ok(ourValues[0]!.some((v) => v !== 0));
});

test('QAT output ranges: EMA (0.99) of training batches, bias-corrected; evaluation neither updates nor skips them', async () => {
  const model = dense([1, 0, 0, 1], 2, [0, 0]);
  const q = new QAT_Quantizer(model, [{ opNames: ['d1'], quantTypes: ['weight', 'output'], quantBits: { weight: 8, output: 2 } }]);
  const compressed = q.compress();
  compressed.apply(tf.tensor2d([[-1, 2]]), { training: true });
  compressed.apply(tf.tensor2d([[-3, 4]]), { training: true });
  compressed.predict(tf.tensor2d([[-100, 100]]));
  // (0.99·0.01·(−1) + 0.01·(−3)) / (1 − 0.99²) and the same for the maxima.
  const expected = { min: (0.99 * 0.01 * -1 + 0.01 * -3) / (1 - 0.99 ** 2), max: (0.99 * 0.01 * 2 + 0.01 * 4) / (1 - 0.99 ** 2) };
  const range = await q.trackedRange('d1', 'output');
  assertClose([range!.min, range!.max], [expected.min, expected.max], 1e-5);
  // Evaluation quantizes on that range with 2 bits: scale (max − min)/3, zero point round(2.005/1.67) = 1.
  const out = await values(compressed.predict(tf.tensor2d([[-1.1, 0.9]])) as tf.Tensor);
  const scale = (expected.max - expected.min) / 3;
  assertClose(out, [-scale, scale], 1e-5);
  // Weights and outputs keep separate parameters (NNI v1 shares one buffer): the kernel [1 0; 0 1] has scale 1/255.
  const calibration = await q.calibration();
  assertClose([calibration.d1!.weight_scale!, calibration.d1!.weight_zero_point!], [1 / 255, 0], 1e-7);
  assert.equal(calibration.d1!.weight_bits, 8);
  assert.equal(calibration.d1!.output_bits, 2);
  assertClose([calibration.d1!.tracked_min_output!, calibration.d1!.tracked_max_output!], [expected.min, expected.max], 1e-5);
});

test('QAT quantStartStep: weights stay float until step() was called that often', async () => {
  const model = dense([0.123456, -0.3, 0.5, 0.2], 2);
  const q = new QAT_Quantizer(model, [{ opNames: ['d1'], quant_types: ['weight'], quant_bits: 2, quant_start_step: 2 }]);
  const compressed = q.compress();
  assertClose(await kernelOf(compressed), [0.123456, -0.3, 0.5, 0.2]);
  q.step();
  assertClose(await kernelOf(compressed), [0.123456, -0.3, 0.5, 0.2]);
  q.step();
  const s = 0.8 / 3;
  assertClose(await kernelOf(compressed), [0, -s, 2 * s, s]);
  assert.equal(q.steps, 2);
});

test('fit() drives the lifecycle: callbacks count steps, the model trains, BNN keeps latent weights in [-1, 1]', async () => {
  const model = denseNet();
  model.compile({ optimizer: tf.train.sgd(5), loss: 'meanSquaredError' });
  const q = new BNNQuantizer(model, [{ opNames: ['d1'], quantTypes: ['weight'] }]);
  const compressed = q.compress();
  const { x, y } = randomData(model, 8, 3);
  const before = await values((compressed.getLayer('d1') as CompressionWrapper).innerWeight('kernel').read());
  await compressed.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0, callbacks: q.callbacks() });
  assert.equal(q.steps, 4);
  assert.equal(q.epoch, 1);
  const after = await values((compressed.getLayer('d1') as CompressionWrapper).innerWeight('kernel').read());
  assert.notDeepEqual(after, before);
  assert.ok(after.every((v) => Math.abs(v) <= 1), `latent weights ${after}`);
  assert.ok(after.some((v) => Math.abs(v) === 1), 'a step of 5 must push some weight to the clip');
});

/** The README's custom quantizer: 3-level outputs, with a gradient that is zero where |x| > 1. */
class TernaryOutputQuantizer extends Quantizer {
  protected override quantGrad: QuantGrad = {
    quantBackward: (x, dy, quantType) => (quantType === 'output' ? tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(x), 1), 'float32')) : dy),
  };

  override quantizeOutput(output: tf.Tensor, _config: LayerConfig, _target: QuantizationTarget): tf.Tensor {
    return tf.round(tf.clipByValue(output, -1, 1));
  }
}

test('a custom quantizer: its forward and its own backward run in the model', async () => {
  const model = dense([1, 0, 0, 1], 2);
  const q = new TernaryOutputQuantizer(model, [{ opTypes: ['Dense'], quantTypes: ['output'] }]);
  const compressed = q.compress();
  const x = tf.tensor2d([[0.4, -0.7], [3, -1]]);
  assert.deepEqual(await values(compressed.predict(x) as tf.Tensor), [0, -1, 1, -1]);
  assert.deepEqual(await values(tf.grad((i: tf.Tensor) => tf.sum(compressed.apply(i) as tf.Tensor))(x)), [1, 1, 0, 1]);
});

test('a pruner and a quantizer compressed together: one wrapper per layer, quantization of mask ⊙ w keeps zeros', async () => {
  const model = dense([0.5, -0.01, 0.3, 0.02, -0.4, 0.9], 3);
  const pruner = new LevelPruner(model, [{ opNames: ['d1'], sparsity: 0.5 }]);
  const quantizer = new QAT_Quantizer(model, [{ opNames: ['d1'], quantTypes: ['weight'], quantBits: 4 }]);
  const compressed = Compressor.compressTogether([pruner, quantizer]);
  assert.equal(pruner.boundModel, compressed);
  assert.equal(quantizer.boundModel, compressed);
  assert.deepEqual(compressed.layers.map((l) => l.getClassName()), ['CompressionWrapper']);
  const k = await kernelOf(compressed);
  assert.deepEqual(k.map((v) => v === 0), [false, true, true, true, false, false]);
  // scale 1.3/15, zero point round(0.4/scale) = 5: 0.5 → 11 → 6·scale.
  assertClose([k[0]!, k[4]!, k[5]!], [6 * 1.3 / 15, -5 * 1.3 / 15, 10 * 1.3 / 15]);
  assert.throws(() => Compressor.compressTogether([new LevelPruner(denseNet(), [{ opTypes: 'default', sparsity: 0.5 }]), new NaiveQuantizer(denseNet(), [{ opTypes: 'default', quantTypes: 'weight' }])]),
    /every compressor must be constructed on the same model/);
  assert.throws(() => pruner.compress(), /already called/);
});

test('quantizer config lists: each algorithm names what it cannot do', () => {
  const model = denseNet();
  const cases: Array<[() => unknown, RegExp]> = [
    [() => new DoReFaQuantizer(model, [{ opNames: ['d1'], quantTypes: ['output'] }]), /configList\[0\]\.quantTypes\[0\] DoReFaQuantizer cannot quantize 'output'; it quantizes weight/],
    [() => new QAT_Quantizer(model, [{ opNames: ['d1'], quantTypes: ['weight'], quantBits: { output: 8 } }]), /configList\[0\]\.quantBits\.output is given, but quantTypes does not include 'output'/],
    [() => new NaiveQuantizer(model, [{ opNames: ['d1'], quantTypes: ['weight'], quantBits: 1 }]), /configList\[0\]\.quantBits must be at least 2 for NaiveQuantizer, but got 1/],
    [() => new BNNQuantizer(model, [{ opNames: ['d1'], quantTypes: ['weight'], quantBits: 1 }]), /configList\[0\]\.quantBits is not used by BNNQuantizer/],
    [() => new QAT_Quantizer(model, [{ opNames: ['d1'], quantBits: 8 }]), /configList\[0\]\.quantTypes is required by QAT_Quantizer/],
    [() => new QAT_Quantizer(model, [{ opNames: ['d1'], quantTypes: ['weight'], quant_start_step: -1 }]), /configList\[0\]\.quant_start_step must be an integer ≥ 0/],
  ];
  for (const [make, message] of cases) assert.throws(make, message);
});

test('fakeQuantize rounds onto (q − z)·s and clips to [0, qmax]', async () => {
  assertClose(await values(fakeQuantize(tf.tensor1d([-1, 0.26, 0.74, 5]), 0.5, 1, 3)), [-0.5, 0.5, 0.5, 1]);
});

test('every registered quantizer: trains under fit, predicts finite values, leaks no tensors in fit or predict, and is importable from the package root', async () => {
  const root = await import('squish');
  for (const [name, create] of QUANTIZERS) {
    const model = convNet();
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const types = name === 'qat' || name === 'bnn' ? ['weight', 'output'] : ['weight'];
    const q = create(model, [{ opTypes: 'default', quantTypes: types }]);
    assert.equal(typeof (root as Record<string, unknown>)[q.constructor.name], 'function', `${q.constructor.name} from 'squish'`);
    const compressed = q.compress();
    const { x, y } = randomData(model, 4, 8);
    await compressed.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0, callbacks: q.callbacks() });
    tf.dispose(compressed.predict(x) as tf.Tensor);
    const before = tf.memory().numTensors;
    // A second epoch (the optimizer's slots exist by now) must not grow the tensor count either.
    await compressed.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0, callbacks: q.callbacks() });
    assert.equal(tf.memory().numTensors, before, `${name} leaks tensors in fit`);
    const out = compressed.predict(x) as tf.Tensor;
    assert.ok((await values(out)).every(Number.isFinite), name);
    out.dispose();
    assert.equal(tf.memory().numTensors, before, `${name} leaks tensors in predict`);
    q.dispose();
  }
});

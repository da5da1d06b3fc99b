import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { useTestBackend } from '../helpers/backend.js';
import { LevelPruner, OnnxExportError, exportOnnx } from '../../src/compression/index.js';
import { buildLenet5 } from '../../trials/models.js';
import { buildConcatNet, buildMobileNet, buildResNet } from '../../trials/nets.js';
import { glorot } from './fixtures.js';

await useTestBackend();

const TOLERANCE = 1e-4;
type Sym = tf.SymbolicTensor;

/** Gives every weight of `model` seeded random values (BN variances positive), so no layer is an identity. */
function randomizeWeights(model: tf.LayersModel, seed: number): void {
  for (const [i, layer] of model.layers.entries()) {
    const values = layer.weights.map((w, j) => {
      const r = tf.randomUniform(w.shape as number[], -0.5, 0.5, 'float32', seed * 100 + i * 10 + j);
      return w.originalName.endsWith('moving_variance') ? tf.tidy(() => r.abs().add(0.1)) : r;
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** Runs `model` exported to ONNX in onnxruntime-node and returns the largest |ONNX − TF.js| over all outputs. */
async function maxError(model: tf.LayersModel, x: tf.Tensor, file?: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'squish-onnx-'));
  try {
    const path = file ?? join(dir, 'model.onnx');
    if (file === undefined) await exportOnnx(model, path);
    const session = await ort.InferenceSession.create(path);
    // Asynchronous reads throughout: the webgpu backend has none synchronous in Node.
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(await x.data()), x.shape) };
    const results = await session.run(feeds);
    const expected = [model.predict(x)].flat() as tf.Tensor[];
    assert.equal(session.outputNames.length, expected.length);
    let worst = 0;
    for (const [i, name] of session.outputNames.entries()) {
      const got = results[name];
      assert.deepEqual([...got.dims], expected[i].shape, `output ${name} shape`);
      const want = await expected[i]!.data();
      (got.data as Float32Array).forEach((v, j) => (worst = Math.max(worst, Math.abs(v - want[j]))));
    }
    tf.dispose(expected);
    await session.release();
    return worst;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function assertMatches(model: tf.LayersModel, seed: number): Promise<void> {
  const x = tf.randomNormal([3, ...(model.inputs[0].shape.slice(1) as number[])], 0, 1, 'float32', seed);
  const error = await maxError(model, x);
  console.log(`${model.name}: max |ONNX − TF.js| = ${error.toExponential(2)}`);
  assert.ok(error <= TOLERANCE, `${model.name}: max error ${error}`);
  x.dispose();
}

test('convolutions: strided and dilated Conv2D, DepthwiseConv2D, SeparableConv2D, asymmetric same padding, BN, fused activations', async () => {
  const model = tf.sequential({
    name: 'convs',
    layers: [
      // 10 → 5 with a 3×3 kernel at stride 2 pads 0 before, 1 after, as TF does.
      tf.layers.conv2d({ inputShape: [10, 10, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: glorot(1) }),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu6', depthwiseInitializer: glorot(2) }),
      tf.layers.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'tanh', depthwiseInitializer: glorot(3), pointwiseInitializer: glorot(4) }),
      tf.layers.conv2d({ filters: 3, kernelSize: 2, dilationRate: 2, useBias: false, activation: 'sigmoid', kernelInitializer: glorot(5) }),
      tf.layers.batchNormalization({ epsilon: 0.01 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: glorot(6) }),
    ],
  });
  randomizeWeights(model, 1);
  await assertMatches(model, 11);
});

test('pooling: Max/AveragePooling2D (same and valid), global pools, Concatenate of rank-2 values', async () => {
  const x = tf.input({ shape: [8, 8, 2], name: 'x' });
  const c = tf.layers.conv2d({ filters: 4, kernelSize: 1, kernelInitializer: glorot(7) }).apply(x) as Sym;
  const m = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(c) as Sym;
  const a = tf.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }).apply(m) as Sym;
  const v = tf.layers.averagePooling2d({ poolSize: 2 }).apply(a) as Sym;
  const w = tf.layers.maxPooling2d({ poolSize: 2, strides: 1 }).apply(a) as Sym;
  const gap = tf.layers.globalAveragePooling2d({}).apply(v) as Sym;
  const gmp = tf.layers.globalMaxPooling2d({}).apply(w) as Sym;
  const cat = tf.layers.concatenate().apply([gap, gmp]) as Sym;
  const out = tf.layers.dense({ units: 2, kernelInitializer: glorot(8) }).apply(cat) as Sym;
  const model = tf.model({ inputs: x, outputs: out, name: 'pools' });
  randomizeWeights(model, 2);
  await assertMatches(model, 12);
});

test('functional: Add, Concatenate on channels and rows, activation layers, Dropout, two outputs (one NHWC)', async () => {
  const x = tf.input({ shape: [6, 6, 3], name: 'x' });
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: glorot(9) }).apply(x) as Sym;
  const b = tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'elu', kernelInitializer: glorot(10) }).apply(x) as Sym;
  const sum = tf.layers.add().apply([a, b]) as Sym;
  const clipped = tf.layers.reLU({ maxValue: 0.5 }).apply(sum) as Sym;
  const leaky = tf.layers.leakyReLU({ alpha: 0.2 }).apply(sum) as Sym;
  const channels = tf.layers.concatenate({ axis: -1 }).apply([clipped, leaky]) as Sym;
  const selu = tf.layers.activation({ activation: 'selu' }).apply(channels) as Sym;
  const rows = tf.layers.concatenate({ axis: 1 }).apply([channels, selu]) as Sym;
  const image = tf.layers.activation({ activation: 'softmax', name: 'image' }).apply(rows) as Sym;
  let y = tf.layers.flatten().apply(tf.layers.dropout({ rate: 0.5 }).apply(rows)) as Sym;
  y = tf.layers.dense({ units: 5, useBias: false, activation: 'swish', kernelInitializer: glorot(11) }).apply(y) as Sym;
  for (const activation of ['softplus', 'softsign', 'hardSigmoid', 'relu'] as const) y = tf.layers.activation({ activation }).apply(y) as Sym;
  y = tf.layers.reLU().apply(tf.layers.dense({ units: 3, kernelInitializer: glorot(12) }).apply(y)) as Sym;
  const probs = tf.layers.softmax({ name: 'probs' }).apply(y) as Sym;
  const model = tf.model({ inputs: x, outputs: [image, probs], name: 'functional' });
  randomizeWeights(model, 3);
  await assertMatches(model, 13);
});

test('the trial ResNet, MobileNet and ConcatNet (tiny) match', async () => {
  for (const build of [buildResNet, buildMobileNet, buildConcatNet]) {
    const model = build({ seed: 4, width: 0.25, size: 12 });
    randomizeWeights(model, 4);
    await assertMatches(model, 14);
  }
});

test('a level-pruned LeNet-5 exported with onnxPath predicts as the compressed model', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'squish-onnx-'));
  try {
    const model = buildLenet5({ seed: 5 });
    const pruner = new LevelPruner(model, [{ opTypes: ['Conv2D', 'Dense'], sparsity: 0.5 }]);
    const compressed = pruner.compress();
    const masks = pruner.getMasks();
    let zeros = 0;
    for (const m of Object.values(masks)) {
      const kept = m.sum();
      zeros += m.size - (await kept.data())[0]!;
      kept.dispose();
    }
    tf.dispose(Object.values(masks));
    assert.ok(zeros > 20_000, `masks zero ${zeros} weights`);
    const onnxPath = join(dir, 'onnx', 'lenet5.onnx');
    await pruner.exportModel({ modelPath: join(dir, 'model'), onnxPath });
    const x = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 15);
    const error = await maxError(compressed, x, onnxPath);
    console.log(`pruned lenet5: max |ONNX − TF.js| = ${error.toExponential(2)}`);
    assert.ok(error <= TOLERANCE, `max error ${error}`);
    x.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('an unsupported layer or input rank fails with an error naming the layer and its class', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 1 }),
      tf.layers.upSampling2d({ name: 'up', size: [2, 2] }),
    ],
  });
  await assert.rejects(exportOnnx(model, join(tmpdir(), 'never.onnx')), (e: Error) => {
    assert.ok(e instanceof OnnxExportError);
    assert.match(e.message, /layer 'up' \(UpSampling2D\): unsupported layer class/);
    return true;
  });
  const sequence = tf.sequential({ layers: [tf.layers.dense({ name: 'perStep', inputShape: [4, 3], units: 2 })] });
  await assert.rejects(exportOnnx(sequence, join(tmpdir(), 'never.onnx')), /layer 'perStep' \(Dense\): supports rank-2 inputs only, got rank 3/);
});

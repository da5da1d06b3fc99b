/**
 * The fused Adam against tf.train.adam on the same variables and gradients: variables and moments
 * must be bit-identical after every step, also through getWeights/setWeights and model.fit (whose
 * XNNPACK convolutions would keep using a weight's old values were it overwritten in place).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useTestBackend } from '../helpers/backend.js';
import { tinyConvNet, tinyDataset } from '../helpers/tiny.js';
import { createAdam } from '../../src/engine/adam.js';
import { ADAM_STEP } from '../../src/engine/wasm/adam-step.js';

await useTestBackend();

/** Lengths 1 to 30: the SIMD loop, its scalar tail, and both together. */
const SHAPES = [[7], [3, 5], [4, 4], [1], [2, 3, 5]];
let nextId = 0;

function variables(seed: number): tf.Variable[] {
  const id = nextId++;
  return SHAPES.map((shape, i) => {
    const init = tf.randomNormal(shape, 0, 1, 'float32', seed + i);
    const v = tf.variable(init, true, `adam${id}/w${i}`);
    init.dispose();
    return v;
  });
}

/** Gradients of mixed magnitudes (1e-4 to 1e2), so moments and bias corrections span a wide range (seed 0 means unseeded). */
function gradients(vars: tf.Variable[], step: number): { name: string; tensor: tf.Tensor }[] {
  return vars.map((v, i) => ({
    name: v.name,
    tensor: tf.tidy(() => tf.mul(tf.randomNormal(v.shape, 0, 1, 'float32', 1 + 100 * step + i), 10 ** ((step + i) % 7 - 4))),
  }));
}

/** Applies `steps` steps to each optimizer's own copy of the same variables; gradients as a list or a map. */
function train(optimizer: tf.Optimizer, vars: tf.Variable[], steps: number, from = 0): void {
  for (let s = from; s < from + steps; s++) {
    const grads = gradients(vars, s);
    optimizer.applyGradients(s % 2 === 0 ? grads : Object.fromEntries(grads.map((g) => [g.name, g.tensor])));
    tf.dispose(grads.map((g) => g.tensor));
  }
}

function bits(t: tf.Tensor): Uint32Array {
  return new Uint32Array((t.dataSync() as Float32Array).slice().buffer);
}

/** The fused optimizer and tf.train.adam, each on its own copy of the same variables. */
class Pair {
  readonly fused: { optimizer: tf.Optimizer; vars: tf.Variable[] };
  readonly reference: { optimizer: tf.Optimizer; vars: tf.Variable[] };

  constructor(lr: number, seed: number) {
    this.fused = { optimizer: createAdam(lr), vars: variables(seed) };
    this.reference = { optimizer: tf.train.adam(lr), vars: variables(seed) };
  }

  train(steps: number, from = 0): void {
    for (const { optimizer, vars } of [this.fused, this.reference]) train(optimizer, vars, steps, from);
  }

  /** Variables, then getWeights (iterations, first moments, second moments), bit for bit. */
  async assertSameState(): Promise<void> {
    this.fused.vars.forEach((v, i) => assert.deepEqual(bits(v), bits(this.reference.vars[i]!), `variable ${i}`));
    const [a, b] = [await this.fused.optimizer.getWeights(), await this.reference.optimizer.getWeights()];
    assert.equal(a.length, b.length);
    a.forEach((w, i) => {
      assert.equal(w.name.replace(/^adam\d+/, ''), b[i]!.name.replace(/^adam\d+/, ''));
      assert.deepEqual(bits(w.tensor), bits(b[i]!.tensor), w.name);
    });
  }

  dispose(): void {
    for (const { optimizer, vars } of [this.fused, this.reference]) {
      optimizer.dispose();
      tf.dispose(vars);
    }
  }
}

test('fused Adam steps are bit-identical to tf.train.adam', async () => {
  for (const lr of [0.001, 0.05]) {
    const pair = new Pair(lr, 1);
    for (let step = 0; step < 6; step++) {
      const { kernelNames } = await tf.profile(() => pair.train(1, step));
      if (tf.getBackend() === 'wasm') assert.ok(kernelNames.includes(ADAM_STEP), 'the fused kernel ran');
      await pair.assertSameState();
    }
    pair.dispose();
  }
});

test('a tensor sharing a variable\'s data keeps its value, and the step is still exact', async () => {
  const pair = new Pair(0.01, 2);
  pair.train(2);
  const before = pair.fused.vars.map((v) => v.clone()); // our Identity shares the data
  const beforeBits = pair.reference.vars.map(bits);
  pair.train(2, 2);
  before.forEach((t, i) => assert.deepEqual(bits(t), beforeBits[i]));
  await pair.assertSameState();
  tf.dispose(before);
  pair.dispose();
});

test('getWeights/setWeights rewind the fused optimizer as they rewind tf.train.adam', async () => {
  const pair = new Pair(0.01, 3);
  const snapshot = async (o: tf.Optimizer) => (await o.getWeights()).map(({ name, tensor }) => ({ name, tensor: tensor.clone() }));
  pair.train(3);
  const [fusedSaved, referenceSaved] = [await snapshot(pair.fused.optimizer), await snapshot(pair.reference.optimizer)];
  const savedBits = fusedSaved.map((w) => bits(w.tensor));
  pair.train(2, 3);
  await pair.fused.optimizer.setWeights(fusedSaved);
  await pair.reference.optimizer.setWeights(referenceSaved);
  pair.train(3, 5);
  await pair.assertSameState();
  fusedSaved.forEach((w, i) => assert.deepEqual(bits(w.tensor), savedBits[i], `snapshot ${w.name} was overwritten`));
  tf.dispose([...fusedSaved, ...referenceSaved].map((w) => w.tensor));
  pair.dispose();
});

test('fused Adam steps leak no tensors, and dispose frees its state', () => {
  const start = tf.memory().numTensors;
  const optimizer = createAdam(0.01);
  const vars = variables(4);
  train(optimizer, vars, 1);
  const afterFirst = tf.memory().numTensors;
  train(optimizer, vars, 5, 1);
  assert.equal(tf.memory().numTensors, afterFirst);
  optimizer.dispose();
  tf.dispose(vars);
  assert.equal(tf.memory().numTensors, start);
});

test('model.fit with the fused Adam gives tf.train.adam\'s weights', async () => {
  const data = tinyDataset(48, 5);
  const x = tf.tensor4d(data.images, [data.count, 6, 6, 1]);
  const y = tf.oneHot(tf.tensor1d(data.labels, 'int32'), 3);
  const fit = async (optimizer: tf.Optimizer) => {
    const model = tinyConvNet(7);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, verbose: 0 });
    const weights = model.getWeights().map(bits);
    model.dispose();
    optimizer.dispose();
    return weights;
  };
  assert.deepEqual(await fit(createAdam(0.01)), await fit(tf.train.adam(0.01)));
  tf.dispose([x, y]);
});

test('on a backend without the fused kernel it is tf.train.adam', async () => {
  const backend = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    const pair = new Pair(0.01, 5);
    pair.train(3);
    await pair.assertSameState();
    pair.dispose();
  } finally {
    await tf.setBackend(backend);
  }
});

test('fused Adam serializes as tfjs\'s Adam', () => {
  const optimizer = createAdam(0.002);
  assert.equal(optimizer.getClassName(), 'Adam');
  assert.deepEqual(optimizer.getConfig(), tf.train.adam(0.002).getConfig());
  optimizer.dispose();
});

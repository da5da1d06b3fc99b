/** Tiny models and data for the compression tests; every random choice is seeded. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { withStockInference } from '../../src/engine/wasm/conv2d.js';

export const glorot = (seed: number) => tf.initializers.glorotUniform({ seed });

/** conv c1 (4 filters, 3×3, relu) → bn1 → flatten → dense d1 (3 units), on 6×6×2 inputs. */
export function convNet(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ name: 'c1', inputShape: [6, 6, 2], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(1) }),
      tf.layers.batchNormalization({ name: 'bn1' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ name: 'd1', units: 3, kernelInitializer: glorot(2) }),
    ],
  });
}

/** A functional model with two conv branches that meet in an Add, then a dense head. */
export function branchyNet(): tf.LayersModel {
  const input = tf.input({ shape: [5, 5, 1], name: 'x' });
  const a = tf.layers.conv2d({ name: 'ca', filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: glorot(3) }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.conv2d({ name: 'cb', filters: 4, kernelSize: 1, activation: 'relu', kernelInitializer: glorot(4) }).apply(input) as tf.SymbolicTensor;
  const sum = tf.layers.add({ name: 'add' }).apply([a, b]) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(sum) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: 'flat' }).apply(bn) as tf.SymbolicTensor;
  const out = tf.layers.dense({ name: 'head', units: 2, activation: 'softmax', kernelInitializer: glorot(5) }).apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'branchy' });
}

/** depthwise dw (multiplier 2) → separable sep (3 filters) → flatten → dense out: weights with two-word names. */
export function separableNet(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.depthwiseConv2d({ name: 'dw', inputShape: [5, 5, 2], kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseInitializer: glorot(11) }),
      tf.layers.separableConv2d({ name: 'sep', filters: 3, kernelSize: 3, depthwiseInitializer: glorot(12), pointwiseInitializer: glorot(13) }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ name: 'out', units: 2, kernelInitializer: glorot(14) }),
    ],
  });
}

/** Dense d1 (in → mid) → dense d2 (mid → 2). */
export function denseNet(inputs = 4, mid = 5): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ name: 'd1', inputShape: [inputs], units: mid, activation: 'relu', kernelInitializer: glorot(6) }),
      tf.layers.dense({ name: 'd2', units: 2, kernelInitializer: glorot(7) }),
    ],
  });
}

/** Seeded inputs and targets for a model with one input and one output. */
export function randomData(model: tf.LayersModel, n: number, seed: number): { x: tf.Tensor; y: tf.Tensor } {
  const inShape = model.inputs[0].shape.slice(1) as number[];
  const outShape = model.outputs[0].shape.slice(1) as number[];
  return {
    x: tf.randomNormal([n, ...inShape], 0, 1, 'float32', seed),
    y: tf.randomUniform([n, ...outShape], 0, 1, 'float32', seed + 1),
  };
}

/** Sets a layer's weights from plain arrays (shapes taken from the layer). */
export function setWeights(model: tf.LayersModel, layerName: string, values: number[][]): void {
  const layer = model.getLayer(layerName);
  const tensors = layer.getWeights().map((w, i) => (values[i] !== undefined ? tf.tensor(values[i], w.shape) : w.clone()));
  layer.setWeights(tensors);
  tf.dispose(tensors);
}

/** A tensor's entries, with −0 read as 0 (a pruned negative weight becomes −0). Asynchronous, for webgpu. */
export async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data(), (v) => (v === 0 ? 0 : v));
}

/** How many entries of `weight` are non-zero where `mask` is zero. */
export async function leakedEntries(weight: tf.Tensor, mask: tf.Tensor): Promise<number> {
  const [w, m] = await Promise.all([weight.data(), mask.data()]);
  return Array.from(m).filter((v, i) => v === 0 && w[i] !== 0).length;
}

export async function zeros(t: tf.Tensor): Promise<number> {
  return Array.from(await t.data()).filter((v) => v === 0).length;
}

function assertClose(actual: number[], expected: number[], message?: string): void {
  assert.equal(actual.length, expected.length, message);
  const tol = 1e-5 * Math.max(...expected.map(Math.abs));
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tol, `${message ?? ''}[${i}]: ${a} vs ${expected[i]} (tolerance ${tol})`));
}

/**
 * Asserts that `stockY` (a stock tfjs process's predictions on x) is what `model` predicts in Squish.
 * On the same backend, Squish's predictions with `withStockInference` (XNNPACK's FusedConv2D, as stock
 * tfjs runs it) are equal bit for bit; with Squish's own kernels (the default), or on another
 * backend (webgpu against a stock wasm process), they round differently: within 1e-5 of the largest |y|.
 */
export async function assertPredictsAsSquish(stockY: number[], model: tf.LayersModel, x: tf.Tensor, sameBackend: boolean, message?: string): Promise<void> {
  const predict = async () => {
    const y = model.predict(x) as tf.Tensor;
    const values = Array.from(await y.data());
    y.dispose();
    return values;
  };
  if (sameBackend) assert.deepEqual(stockY, await withStockInference(predict), message);
  assertClose(stockY, await predict(), message);
}

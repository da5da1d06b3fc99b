/**
 * FusedConv2D (conv + bias + activation, what tfjs-layers runs in predict) on wasm: Winograd and the
 * direct small-channel loops apply bias and ReLU as they store; other activations and shapes go to
 * XNNPACK. All against the cpu backend, relative error ≤ 1e-5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend.js';
import { useStockInference, withStockInference } from '../../src/engine/wasm/conv2d.js';
import { relativeError } from '../helpers/relative-error.js';

await initBackend('wasm');

type Shape4 = [number, number, number, number];
type Activation = 'linear' | 'relu' | 'elu' | 'relu6';
interface FusedCase {
  readonly x: Shape4;
  readonly k: Shape4;
  readonly strides?: number;
  readonly pad?: 'same' | 'valid';
  readonly dilations?: number;
  readonly activation: Activation;
  readonly bias?: boolean;
}

const name = (c: FusedCase) => `x=${c.x} k=${c.k} s=${c.strides ?? 1} d=${c.dilations ?? 1} ${c.pad ?? 'same'} ${c.activation}${c.bias === false ? ' no bias' : ''}`;

/** tf.fused.conv2d on centred data (so ReLU clips about half) on one backend. */
async function fusedOn(backend: string, c: FusedCase, seed = 3): Promise<Float32Array> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomUniform(c.x, -1, 1, 'float32', seed) as tf.Tensor4D;
    const filter = tf.randomUniform(c.k, -1, 1, 'float32', seed + 1) as tf.Tensor4D;
    const bias = c.bias === false ? undefined : tf.randomUniform([c.k[3]], -1, 1, 'float32', seed + 2);
    return tf.fused.conv2d({ x, filter, bias, strides: c.strides ?? 1, pad: c.pad ?? 'same', dilations: c.dilations ?? 1, activation: c.activation }).dataSync() as Float32Array;
  });
}

/** Winograd (5×5 and 3×3, F(3×3) and F(2×2) tiles, odd channel counts) and the direct loops (1–16 input channels, strides 2, fewer than 4 outputs). */
const OURS: FusedCase[] = [
  { x: [3, 14, 14, 32], k: [5, 5, 32, 64], activation: 'relu' },
  { x: [2, 9, 13, 10], k: [3, 3, 10, 14], activation: 'linear' },
  { x: [1, 8, 8, 72], k: [5, 5, 72, 9], pad: 'valid', activation: 'relu', bias: false },
  { x: [4, 28, 28, 1], k: [5, 5, 1, 32], activation: 'relu' },
  { x: [2, 11, 10, 6], k: [3, 2, 6, 3], strides: 2, pad: 'valid', activation: 'relu' },
  { x: [2, 7, 9, 16], k: [3, 3, 16, 13], activation: 'linear', bias: false },
];

test('FusedConv2D on our kernels matches cpu, with and without bias and ReLU, and frees its scratch', async () => {
  await tf.setBackend('wasm');
  const buffers = tf.backend().numDataIds();
  for (const c of OURS) {
    const expected = await fusedOn('cpu', c);
    const actual = await fusedOn('wasm', c);
    const err = relativeError(actual, expected);
    assert.ok(err <= 1e-5, `${name(c)}: relative error ${err}`);
    if (c.activation === 'relu') assert.ok(actual.every((v) => v >= 0) && actual.some((v) => v === 0), `${name(c)}: ReLU clips`);
  }
  await tf.setBackend('wasm');
  assert.equal(tf.backend().numDataIds(), buffers);
});

test('with useStockInference, FusedConv2D is XNNPACK\'s: other roundings than ours, equally close to cpu', async () => {
  for (const c of [OURS[0]!, OURS[3]!]) {
    const ours = await fusedOn('wasm', c);
    const stock = await withStockInference(() => fusedOn('wasm', c));
    assert.notDeepEqual(stock, ours, name(c));
    assert.ok(relativeError(stock, await fusedOn('cpu', c)) <= 1e-5, name(c));
    useStockInference(true);
    const again = await fusedOn('wasm', c).finally(() => useStockInference(false));
    assert.deepEqual(again, stock, name(c));
  }
  // A throwing callback still puts our kernels back.
  await assert.rejects(withStockInference(async () => { throw new Error('inside'); }), /inside/);
  assert.notDeepEqual(await fusedOn('wasm', OURS[0]!), await withStockInference(() => fusedOn('wasm', OURS[0]!)));
});

test('FusedConv2D with other activations, PReLU, dilation, a mismatched bias or shapes our kernels skip goes to XNNPACK', async () => {
  const stockCases: FusedCase[] = [
    { x: [2, 14, 14, 32], k: [5, 5, 32, 16], activation: 'elu' },
    { x: [2, 9, 9, 4], k: [3, 3, 4, 8], activation: 'relu6' },
    { x: [2, 9, 9, 20], k: [3, 3, 20, 8], strides: 2, activation: 'relu' }, // neither Winograd (stride 2) nor direct (20 channels)
    { x: [2, 12, 12, 16], k: [3, 3, 16, 16], dilations: 2, activation: 'relu' }, // dilated: our kernels assume dilation 1
  ];
  for (const c of stockCases) {
    const err = relativeError(await fusedOn('wasm', c), await fusedOn('cpu', c));
    assert.ok(err <= 1e-5, `${name(c)}: relative error ${err}`);
    assert.deepEqual(await fusedOn('wasm', c), await withStockInference(() => fusedOn('wasm', c)), `${name(c)} is XNNPACK's`);
  }
  const prelu = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const x = tf.randomUniform([2, 10, 10, 12], -1, 1, 'float32', 5) as tf.Tensor4D;
      const filter = tf.randomUniform([3, 3, 12, 16], -1, 1, 'float32', 6) as tf.Tensor4D;
      return tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias: tf.zeros([16]), activation: 'prelu', preluActivationWeights: tf.fill([16], 0.1) })
        .dataSync() as Float32Array;
    });
  };
  assert.ok(relativeError(await prelu('wasm'), await prelu('cpu')) <= 1e-5);
  // XNNPACK refuses a bias that is not one value per output channel; ours must not compute with it either.
  await tf.setBackend('wasm');
  const x = tf.ones([1, 8, 8, 12]) as tf.Tensor4D, filter = tf.ones([3, 3, 12, 16]) as tf.Tensor4D, bias = tf.tensor1d([0.25]);
  assert.throws(() => tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias, activation: 'relu' }), /bias shape \(1\) does not match/);
  tf.dispose([x, filter, bias]);
});

test('FusedConv2D keeps NaN through bias and ReLU, as cpu does', async () => {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const x = tf.randomUniform([1, 6, 6, 1], -1, 1, 'float32', 9).bufferSync();
      x.set(NaN, 0, 2, 3, 0);
      const filter = tf.randomUniform([3, 3, 1, 4], -1, 1, 'float32', 10) as tf.Tensor4D;
      return tf.fused.conv2d({ x: x.toTensor() as tf.Tensor4D, filter, strides: 1, pad: 'same', bias: tf.ones([4]), activation: 'relu' }).dataSync() as Float32Array;
    });
  };
  const [wasm, cpu] = [await run('wasm'), await run('cpu')];
  const nans = (a: Float32Array) => Array.from(a).flatMap((v, i) => (Number.isNaN(v) ? [i] : []));
  assert.equal(nans(cpu).length, 9 * 4);
  assert.deepEqual(nans(wasm), nans(cpu));
});

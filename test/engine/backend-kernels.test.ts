/**
 * The test backend's training kernels against the pure-JS cpu backend, forward values and gradients:
 * conv (strided, padded, non-square), depthwise conv, dense, pooling, batch norm, the loss.
 * Relative error (max |diff| / max |cpu|) ≤ 1e-5. Runs on wasm in `npm test` and on webgpu in
 * `npm run test:webgpu`; reads are asynchronous because webgpu has no synchronous read in Node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { useTestBackend } from '../helpers/backend.js';
import { relativeError } from '../helpers/relative-error.js';

const backend = await useTestBackend();

interface Case {
  readonly name: string;
  /** Shapes of the random inputs f is differentiated by. */
  readonly shapes: readonly number[][];
  readonly f: (...xs: tf.Tensor[]) => tf.Tensor;
}

const conv = (x: number[], k: number[], strides: [number, number], pad: 'same' | 'valid'): Case => ({
  name: `conv2d x=[${x}] k=[${k}] s=${strides} ${pad}`, shapes: [x, k],
  f: (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad),
});
const depthwise = (x: number[], k: number[], strides: [number, number], pad: 'same' | 'valid'): Case => ({
  name: `depthwiseConv2d x=[${x}] k=[${k}] s=${strides} ${pad}`, shapes: [x, k],
  f: (a, b) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad),
});

const CASES: Case[] = [
  conv([2, 7, 7, 3], [3, 3, 3, 4], [1, 1], 'same'),
  conv([1, 8, 6, 2], [2, 3, 2, 3], [2, 2], 'valid'),
  conv([2, 9, 9, 3], [5, 5, 3, 4], [1, 2], 'same'),
  conv([1, 6, 6, 1], [1, 1, 1, 5], [1, 1], 'valid'),
  depthwise([2, 7, 7, 3], [3, 3, 3, 2], [1, 1], 'same'),
  depthwise([1, 8, 8, 2], [3, 3, 2, 1], [2, 2], 'valid'),
  { name: 'dense + relu', shapes: [[5, 7], [7, 4], [4]], f: (x, w, b) => tf.relu(tf.add(tf.matMul(x, w), b!)) },
  { name: 'maxPool 2x2 s2 after relu', shapes: [[2, 8, 8, 3]], f: (x) => tf.maxPool(tf.relu(x as tf.Tensor4D), 2, 2, 'valid') },
  { name: 'avgPool 3x3 s1 same', shapes: [[1, 6, 6, 2]], f: (x) => tf.avgPool(x as tf.Tensor4D, 3, 1, 'same') },
  {
    name: 'batch norm with batch statistics', shapes: [[4, 5, 5, 3], [3], [3]],
    f: (x, gamma, beta) => {
      const { mean, variance } = tf.moments(x!, [0, 1, 2]);
      return tf.batchNorm(x!, mean, variance, beta, gamma, 1e-3);
    },
  },
  {
    name: 'softmax cross-entropy', shapes: [[6, 10]],
    f: (logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 3, 9, 1, 1, 7], 'int32'), 10), logits!),
  },
];

/** f(xs) and the gradients of sum(f(xs) ⊙ r) w.r.t. every input, on one backend. */
async function valueAndGrads(on: string, c: Case, seed: number): Promise<Float32Array[]> {
  await tf.setBackend(on);
  const outs = tf.tidy(() => {
    // Seeded random ops draw on the CPU, so both backends see the same numbers.
    const xs = c.shapes.map((s, i) => tf.randomUniform(s, -1, 1, 'float32', seed + i));
    const y = c.f(...xs);
    const r = tf.randomUniform(y.shape, -1, 1, 'float32', seed + 99);
    return [y, ...tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(c.f(...a), r)))(xs)];
  });
  const values = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(outs);
  return values;
}

test(`${backend} matches cpu on the training kernels (value and gradients)`, async () => {
  let seed = 1;
  for (const c of CASES) {
    const expected = await valueAndGrads('cpu', c, seed);
    const actual = await valueAndGrads(backend, c, seed);
    seed += 101;
    expected.forEach((e, j) => {
      const err = relativeError(actual[j]!, e);
      assert.ok(err <= 1e-5, `${j === 0 ? 'value' : `gradient ${j}`} of ${c.name} on ${backend}: relative error ${err}`);
    });
  }
});

test(`${backend} transposes int32 and bool tensors, and floats cast from them, as cpu does`, async () => {
  // Stock tfjs-backend-webgpu 4.22 returns zeros for these ([5,5,6,8] by [3,0,1,2] among them).
  const kinds = {
    int32: (x: tf.Tensor) => x,
    bool: (x: tf.Tensor) => tf.greater(x, 0),
    'float32 from int32': (x: tf.Tensor) => tf.cast(x, 'float32'),
  };
  for (const [shape, perm] of [[[5, 5, 6, 8], [3, 0, 1, 2]], [[6, 7, 8], [2, 0, 1]], [[40, 36], [1, 0]]] as const) {
    const n = shape.reduce((a, b) => a * b, 1);
    const ints = Int32Array.from({ length: n }, (_, i) => (i * 7919) % 1000 - 500);
    for (const [kind, make] of Object.entries(kinds)) {
      const transposed = async (on: string) => {
        await tf.setBackend(on);
        // Computed on the backend, not uploaded, so that the transpose runs there rather than on the CPU.
        const y = tf.tidy(() => tf.transpose(make(tf.add(tf.tensor(ints, [...shape], 'int32'), tf.scalar(0, 'int32'))), [...perm]));
        const values = Array.from(await y.data());
        y.dispose();
        return values;
      };
      assert.deepEqual(await transposed(backend), await transposed('cpu'), `${kind} [${shape}] by [${perm}] on ${backend}`);
    }
  }
});

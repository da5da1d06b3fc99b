/**
 * Winograd convolutions (on by default): the transforms compute exact correlations, and forward, dx
 * and dW through the registered wasm kernels match the cpu backend within our kernels' bar (relative
 * 1e-5), on stride-1 3×3 and 5×5 convolutions with same, valid and explicit padding, tile grids that
 * do not divide the image, channel counts that are not multiples of 4, every tile size (chosen by
 * channel count), zero-mean data, and a batch of
 * 64 at BigCNN conv2's image size, whose filter gradient sums 3136 tiles (one running sum over them
 * measured 1.2e-5 here, and 3e-5 on BigCNN's 32 → 64 channels).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend.js';
import { useWinograd, winogradApplies, winogradTransforms } from '../../src/engine/wasm/winograd.js';
import { relativeError } from '../helpers/relative-error.js';

await initBackend('wasm');

test('F(m, r) transforms give the correlation y_i = Σ_k g_k d_(i+k)', () => {
  for (const [m, r] of [[2, 3], [4, 3], [2, 5], [3, 5]] as const) {
    const t = winogradTransforms(m, r);
    const d = Array.from({ length: t.n }, (_, i) => Math.sin(3 * i + 1));
    const g = Array.from({ length: r }, (_, k) => Math.cos(2 * k + m));
    const gd = Array.from({ length: t.n }, (_, j) => {
      let gj = 0, dj = 0;
      for (let k = 0; k < r; k++) gj += t.g[j * r + k]! * g[k]!;
      for (let i = 0; i < t.n; i++) dj += t.bt[j * t.n + i]! * d[i]!;
      return gj * dj;
    });
    for (let i = 0; i < m; i++) {
      let y = 0, expected = 0;
      for (let j = 0; j < t.n; j++) y += t.at[i * t.n + j]! * gd[j]!;
      for (let k = 0; k < r; k++) expected += g[k]! * d[i + k]!;
      assert.ok(Math.abs(y - expected) < 1e-5, `F(${m}, ${r}) output ${i}: ${y} vs ${expected}`);
    }
    // A, G flipped and Gᵀ are the same matrices rearranged.
    for (let i = 0; i < m; i++) for (let j = 0; j < t.n; j++) assert.equal(t.a[j * m + i], t.at[i * t.n + j]);
    for (let j = 0; j < t.n; j++) for (let k = 0; k < r; k++) {
      assert.equal(t.gFlipped[j * r + k], t.g[j * r + r - 1 - k]);
      assert.equal(t.gt[k * t.n + j], t.g[j * r + k]);
    }
  }
});

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

type Shape4 = [number, number, number, number];
/** Positive inputs and small weights (a conv net's), or everything uniform in [-1, 1] (more cancellation). */
type Data = 'positive' | 'centered';

/** y, dx and dW of sum(conv(x, k) ⊙ r) on one backend. */
async function convAndGrads(backend: string, x: Shape4, k: Shape4, pad: Pad, data: Data = 'positive'): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const centered = data === 'centered';
    const xs = tf.randomUniform(x, centered ? -1 : 0, 1, 'float32', 7) as tf.Tensor4D;
    const ks = (centered ? tf.randomUniform(k, -1, 1, 'float32', 8) : tf.randomNormal(k, 0, 0.2, 'float32', 8)) as tf.Tensor4D;
    const y = tf.conv2d(xs, ks, 1, pad);
    const r = centered ? tf.randomUniform(y.shape, -1, 1, 'float32', 9) : tf.randomNormal(y.shape, 0, 1, 'float32', 9);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, pad), r)))([xs, ks]);
    return [y, dx!, dw!].map((t) => t.dataSync() as Float32Array);
  });
}

/**
 * Every tile size in use: F(3×3, 5×5) and F(4×4, 3×3) up to 64 and 256 channels, F(2×2, 5×5) and
 * F(2×2, 3×3) beyond (the 128- and 264-channel forward passes).
 */
const CASES: Array<{ x: Shape4; k: Shape4; pad: Pad; data?: Data }> = [
  { x: [64, 14, 14, 8], k: [5, 5, 8, 16], pad: 'same' },
  { x: [3, 11, 9, 9], k: [5, 5, 9, 15], pad: 'valid' },
  { x: [2, 9, 13, 10], k: [3, 3, 10, 14], pad: 'same' },
  { x: [1, 10, 7, 9], k: [3, 3, 9, 16], pad: [[0, 0], [2, 0], [1, 3], [0, 0]] },
  { x: [2, 20, 21, 8], k: [5, 5, 8, 16], pad: 'same', data: 'centered' },
  { x: [1, 12, 12, 128], k: [5, 5, 128, 32], pad: 'same', data: 'centered' },
  { x: [1, 6, 6, 264], k: [3, 3, 264, 8], pad: 'same', data: 'centered' },
];

test('Winograd convolutions match cpu within 1e-5 and leak nothing', async () => {
  for (const c of CASES) {
    const conv = tf.backend_util.computeConv2DInfo(c.x, c.k, 1, 1, c.pad);
    assert.ok(winogradApplies(conv), `Winograd computes x=${c.x} k=${c.k}`);
    const expected = await convAndGrads('cpu', c.x, c.k, c.pad, c.data);
    const actual = await convAndGrads('wasm', c.x, c.k, c.pad, c.data);
    ['y', 'dx', 'dW'].forEach((which, i) => {
      const err = relativeError(actual[i]!, expected[i]!);
      assert.ok(err <= 1e-5, `${which} of x=${c.x} k=${c.k} (${c.data ?? 'positive'}): relative error ${err}`);
    });
  }
  const before = tf.memory().numTensors;
  await convAndGrads('wasm', CASES[1]!.x, CASES[1]!.k, CASES[1]!.pad);
  assert.equal(tf.memory().numTensors, before);
});

test('turned off, the direct kernels compute instead, and differently', async () => {
  const c = CASES[2]!;
  const winograd = await convAndGrads('wasm', c.x, c.k, c.pad);
  useWinograd(false);
  const direct = await convAndGrads('wasm', c.x, c.k, c.pad).finally(() => useWinograd(true));
  const expected = await convAndGrads('cpu', c.x, c.k, c.pad);
  direct.forEach((d, i) => {
    assert.ok(relativeError(d, expected[i]!) <= 1e-5);
    assert.notDeepEqual(winograd[i], d);
  });
});

test('too few or too many channels, strides and other filter sizes stay with the direct kernels', () => {
  const applies = (x: Shape4, k: Shape4, stride = 1) => winogradApplies(tf.backend_util.computeConv2DInfo(x, k, stride, 1, 'same'));
  assert.equal(applies([1, 8, 8, 8], [5, 5, 8, 16]), true);
  assert.equal(applies([1, 8, 8, 9], [5, 5, 9, 10]), false); // 19 channels together
  assert.equal(applies([1, 8, 8, 6], [3, 3, 6, 32]), false); // under 8 one way
  assert.equal(applies([1, 8, 8, 16], [3, 3, 16, 600]), false); // over 512
  assert.equal(applies([1, 8, 8, 16], [3, 3, 16, 16], 2), false);
  assert.equal(applies([1, 8, 8, 16], [7, 7, 16, 16]), false);
});

test('the transforms compiled into winograd.c are checked against winograd.ts\'s: forward and dW refuse another Bᵀ, Aᵀ or A', async () => {
  await tf.setBackend('wasm');
  const c = CASES[0]!; // F(3×3, 5×5)
  const t = winogradTransforms(3, 5);
  for (const matrix of [t.bt, t.at, t.a]) {
    matrix[1]! += 1;
    try {
      await assert.rejects(convAndGrads('wasm', c.x, c.k, c.pad), /unreachable/);
    } finally {
      matrix[1]! -= 1;
    }
  }
  const expected = await convAndGrads('cpu', c.x, c.k, c.pad);
  (await convAndGrads('wasm', c.x, c.k, c.pad)).forEach((a, i) => assert.ok(relativeError(a, expected[i]!) <= 1e-5));
});

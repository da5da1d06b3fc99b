/**
 * Every wasm training kernel (and the convolutions' forward passes) against the pure-JS cpu backend on
 * random cases: strides 1, 2 and mixed, same/valid padding, non-square kernels, channel multipliers 1
 * and 2. Relative error ≤ 1e-5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend.js';
import { useWinograd } from '../../src/engine/wasm/winograd.js';
import { relativeError } from '../helpers/relative-error.js';

await initBackend('wasm');

type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  readonly name: string;
  readonly x: [number, number, number, number]; // [B, H, W, C]
  readonly k: [number, number, number, number]; // conv: [KH, KW, C, Co]; depthwise: [KH, KW, C, M]
  readonly strides: [number, number];
  readonly pad: 'same' | 'valid' | ExplicitPad;
}

/** Deterministic case grid covering the combinations. */
function cases(depthwise: boolean): ConvCase[] {
  const out: ConvCase[] = [];
  const kernels: Array<[number, number]> = [[1, 1], [3, 3], [2, 3], [5, 2], [5, 5]];
  const strides: Array<[number, number]> = [[1, 1], [2, 2], [1, 2], [2, 1]];
  let i = 0;
  for (const [kh, kw] of kernels) {
    for (const s of strides) {
      for (const pad of ['same', 'valid'] as const) {
        const b = 1 + (i % 3), h = 5 + ((i * 7) % 9), w = 4 + ((i * 5) % 10), c = 1 + (i % 4);
        const last = depthwise ? 1 + (i % 2) : 1 + ((i * 3) % 5);
        if (pad === 'valid' && (h < kh || w < kw)) continue;
        out.push({ name: `x=[${b},${h},${w},${c}] k=[${kh},${kw},${c},${last}] s=${s} p=${pad}`, x: [b, h, w, c], k: [kh, kw, c, last], strides: s, pad });
        i++;
      }
    }
  }
  return out;
}

type GradFn = (x: tf.Tensor4D, k: tf.Tensor4D) => tf.Tensor4D;

/** Gradients of sum(f(x, k) ⊙ r) w.r.t. x and k, then f(x, k) itself, on one backend, as plain arrays. */
async function gradsOn(backend: string, f: GradFn, c: ConvCase, seed: number): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomUniform(c.x, -1, 1, 'float32', seed) as tf.Tensor4D;
    const k = tf.randomUniform(c.k, -1, 1, 'float32', seed + 1) as tf.Tensor4D;
    const y = f(x, k);
    const r = tf.randomUniform(y.shape, -1, 1, 'float32', seed + 2);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), r)));
    return [...g([x, k]), y].map((t) => t.dataSync() as Float32Array);
  });
}

async function checkAgainstCpu(f: GradFn, all: ConvCase[]): Promise<void> {
  let seed = 1;
  for (const c of all) {
    const expected = await gradsOn('cpu', f, c, seed);
    const actual = await gradsOn('wasm', f, c, seed);
    seed += 3;
    ['dx', 'dW', 'y'].forEach((which, j) => {
      const err = relativeError(actual[j]!, expected[j]!);
      assert.ok(err <= 1e-5, `${which} of ${c.name}: relative error ${err}`);
    });
  }
}

test('Conv2D gradients (Conv2DBackpropFilter, Conv2DBackpropInput) match cpu', async () => {
  const all = cases(false);
  assert.ok(all.length >= 30);
  for (const c of all) {
    await checkAgainstCpu((x, k) => tf.conv2d(x, k, c.strides, c.pad), [c]);
  }
});

/** Few input channels (the native direct kernels): Ci 1..4, 6 and 16, Co around multiples of 4, all paddings. */
function smallChannelCases(): ConvCase[] {
  const out: ConvCase[] = [];
  const kernels: Array<[number, number]> = [[5, 5], [3, 2], [1, 4], [4, 3]];
  const strides: Array<[number, number]> = [[1, 1], [2, 2], [1, 2], [2, 1]];
  const pads: ConvCase['pad'][] = ['same', 'valid', [[0, 0], [2, 1], [0, 3], [0, 0]]];
  const outChannels = [1, 3, 6, 32, 5, 8, 2, 13];
  let i = 0;
  for (const ci of [1, 2, 3, 4, 6, 16]) {
    for (const pad of pads) {
      for (let r = 0; r < 3; r++, i++) {
        const [kh, kw] = kernels[i % kernels.length]!, s = strides[(i * 3) % strides.length]!, co = outChannels[i % outChannels.length]!;
        const b = 1 + (i % 3), h = 7 + ((i * 5) % 8), w = 6 + ((i * 3) % 9);
        out.push({ name: `x=[${b},${h},${w},${ci}] k=[${kh},${kw},${ci},${co}] s=${s} p=${JSON.stringify(pad)}`, x: [b, h, w, ci], k: [kh, kw, ci, co], strides: s, pad });
      }
    }
  }
  return out;
}

test('Conv2D gradients with few input channels (direct native filter gradient) match cpu', async () => {
  const all = smallChannelCases();
  for (const c of all) await checkAgainstCpu((x, k) => tf.conv2d(x, k, c.strides, c.pad), [c]);
});

test('Conv2D with few input channels matches cpu, freeing its scratch', async () => {
  await tf.setBackend('wasm');
  const buffers = tf.backend().numDataIds();
  let seed = 100;
  for (const c of smallChannelCases()) {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.randomUniform(c.x, -1, 1, 'float32', seed) as tf.Tensor4D;
        const k = tf.randomUniform(c.k, -1, 1, 'float32', seed + 1) as tf.Tensor4D;
        return tf.conv2d(x, k, c.strides, c.pad).dataSync() as Float32Array;
      });
    };
    const expected = await run('cpu');
    const err = relativeError(await run('wasm'), expected);
    assert.ok(err <= 1e-5, `${c.name}: relative error ${err}`);
    seed += 2;
  }
  await tf.setBackend('wasm');
  assert.equal(tf.backend().numDataIds(), buffers);
});

test('Conv2D gradients with more input channels (filter gradient by convolution, not the direct loop) match cpu', async () => {
  const all: ConvCase[] = [];
  for (const [i, [ci, s, pad]] of ([[17, [1, 1], 'same'], [20, [2, 2], 'valid'], [24, [1, 2], 'same'], [18, [2, 1], 'valid']] as const).entries()) {
    all.push({ name: `ci=${ci} s=${s} ${pad}`, x: [2, 7 + i, 8, ci], k: [3, 2 + i, ci, 3], strides: [s[0], s[1]], pad });
  }
  for (const c of all) await checkAgainstCpu((x, k) => tf.conv2d(x, k, c.strides, c.pad), [c]);
});

test('Conv2D by our matrix products (output channels in fours, Winograd off): forward and gradients match cpu', async () => {
  useWinograd(false); // its 5×5 stride-1 cases would otherwise go to winograd.ts, tested on its own
  try {
    const all: ConvCase[] = [
      // 420 output pixels: more than one patch chunk (65536 / (5·5·8), down to a multiple of 4: 324 pixels) per image
      { name: 'chunked', x: [2, 20, 21, 8], k: [5, 5, 8, 16], strides: [1, 1], pad: 'same' },
      { name: 'stride 2 valid', x: [3, 9, 7, 6], k: [3, 3, 6, 12], strides: [2, 2], pad: 'valid' },
      { name: 'mixed strides, odd kernel', x: [1, 11, 10, 5], k: [2, 4, 5, 8], strides: [1, 2], pad: 'same' },
      { name: '1x1', x: [2, 8, 8, 12], k: [1, 1, 12, 4], strides: [1, 1], pad: 'valid' },
      { name: 'one input channel', x: [3, 12, 9, 1], k: [5, 5, 1, 8], strides: [1, 1], pad: 'same' },
      { name: 'BigCNN conv2', x: [2, 14, 14, 32], k: [5, 5, 32, 64], strides: [1, 1], pad: 'same' },
    ];
    for (const c of all) await checkAgainstCpu((x, k) => tf.conv2d(x, k, c.strides, c.pad), [c]);
    const explicit: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [2, 1], [0, 3], [0, 0]];
    await checkAgainstCpu((x, k) => tf.conv2d(x, k, [2, 1], explicit), [{ name: 'explicit pads', x: [2, 7, 9, 9], k: [3, 3, 9, 8], strides: [2, 1], pad: 'valid' }]);
  } finally {
    useWinograd(true);
  }
});

test('dilated Conv2D (forward only: tfjs has no dilated gradient) matches cpu for every kernel path', async () => {
  // Few input channels (direct loops), many with output channels in fours (our products), and neither.
  for (const [ci, co] of [[3, 8], [24, 16], [20, 6]] as const) {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => tf.conv2d(tf.randomUniform([2, 11, 10, ci], -1, 1, 'float32', 90) as tf.Tensor4D,
        tf.randomUniform([3, 3, ci, co], -1, 1, 'float32', 91) as tf.Tensor4D, 1, 'same', 'NHWC', [2, 3]).dataSync() as Float32Array);
    };
    const expected = await run('cpu');
    assert.ok(relativeError(await run('wasm'), expected) <= 1e-5, `ci=${ci} co=${co}`);
  }
});

test('DepthwiseConv2D gradients match cpu, channel multiplier 1 and 2', async () => {
  const all = cases(true);
  assert.ok(all.some((c) => c.k[3] === 2) && all.some((c) => c.k[3] === 1));
  // tfjs's depthwise op requires equal strides.
  for (const c of all.filter((c) => c.strides[0] === c.strides[1])) {
    await checkAgainstCpu((x, k) => tf.depthwiseConv2d(x, k, c.strides, c.pad), [c]);
  }
});

test('Conv2D gradients with explicit padding larger than the kernel match cpu', async () => {
  const c: ConvCase = { name: 'explicit pad 3 on k=2', x: [2, 6, 7, 2], k: [2, 2, 2, 3], strides: [2, 1], pad: 'valid' };
  const explicit: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [3, 1], [0, 3], [0, 0]];
  await checkAgainstCpu((x, k) => tf.conv2d(x, k, c.strides, explicit), [c]);
});

test('BatchMatMul (every transpose, broadcast batches, odd sizes) matches cpu', async () => {
  // [batch of a, batch of b, m, k, n]: rows and columns off the 4 × 8 register tiles, a or b broadcast,
  // and products over several of gemm_nn's blocks of b (256 deep, 128 wide), with ragged last blocks.
  const shapes: Array<[number, number, number, number, number]> = [[3, 3, 9, 17, 11], [1, 1, 64, 400, 120], [2, 1, 7, 5, 13], [1, 4, 6, 3, 8], [1, 1, 1, 1, 1],
    [1, 1, 10, 530, 270]];
  for (const [ba, bb, m, k, n] of shapes) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const run = async (backend: string) => {
        await tf.setBackend(backend);
        return tf.tidy(() => {
          const a = tf.randomUniform([ba, ...(ta ? [k, m] : [m, k])], -1, 1, 'float32', 5);
          const b = tf.randomUniform([bb, ...(tb ? [n, k] : [k, n])], -1, 1, 'float32', 6);
          const c = tf.matMul(a, b, ta, tb);
          assert.deepEqual(c.shape, [Math.max(ba, bb), m, n]);
          return c.dataSync() as Float32Array;
        });
      };
      const expected = await run('cpu');
      assert.ok(relativeError(await run('wasm'), expected) <= 1e-5, `[${ba},${bb},${m},${k},${n}] transposeA=${ta} transposeB=${tb}`);
    }
  }
});

test('FusedBatchNorm gradient (broadcast, no tile) matches the unfused formula', async () => {
  await tf.setBackend('wasm');
  const [fused, unfused] = tf.tidy(() => {
    const x = tf.randomUniform([4, 5, 6, 3], -2, 2, 'float32', 11);
    const mean = tf.randomUniform([3], -1, 1, 'float32', 12);
    const variance = tf.randomUniform([3], 0.5, 2, 'float32', 13);
    const scale = tf.randomUniform([3], 0.5, 1.5, 'float32', 14);
    const offset = tf.randomUniform([3], -1, 1, 'float32', 15);
    const r = tf.randomUniform([4, 5, 6, 3], -1, 1, 'float32', 16);
    const bn = (a: tf.Tensor) => tf.sum(tf.mul(tf.batchNorm(a, mean, variance, offset, scale, 1e-3), r));
    const manual = (a: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.mul(tf.mul(tf.sub(a, mean), tf.rsqrt(tf.add(variance, 1e-3))), scale), offset), r));
    return [tf.grad(bn)(x).dataSync() as Float32Array, tf.grad(manual)(x).dataSync() as Float32Array];
  });
  assert.ok(relativeError(fused, unfused) <= 1e-5);
});

test('a conv net trains on wasm without leaking tensors across epochs', async () => {
  await tf.setBackend('wasm');
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [9, 9, 2], filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'relu' }),
      tf.layers.batchNormalization(),
      tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const xs = tf.randomUniform([16, 9, 9, 2], 0, 1, 'float32', 21);
  const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3);
  const counts: number[] = [];
  const losses: number[] = [];
  for (let epoch = 0; epoch < 4; epoch++) {
    const h = await model.fit(xs, ys, { epochs: 1, batchSize: 4, verbose: 0, shuffle: false });
    losses.push(h.history.loss![0] as number);
    counts.push(tf.memory().numTensors);
  }
  assert.equal(new Set(counts.slice(1)).size, 1, `tensor counts per epoch: ${counts}`);
  assert.ok(losses[3]! < losses[0]!, `loss should fall: ${losses}`);
});

test('MaxPoolGrad matches cpu, ties included (the first maximum in the window takes the gradient)', async () => {
  const configs: Array<{ x: [number, number, number, number]; size: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }> = [
    { x: [2, 8, 8, 3], size: [2, 2], strides: [2, 2], pad: 'valid' },
    { x: [1, 7, 9, 4], size: [3, 3], strides: [2, 2], pad: 'same' },
    { x: [3, 6, 5, 2], size: [3, 2], strides: [1, 2], pad: 'valid' },
    { x: [2, 5, 5, 5], size: [2, 3], strides: [1, 1], pad: 'same' },
    // Tiling windows (the native fast path): channels a multiple of 4, or not (the last group of 4
    // overlaps the one before); an uncovered last row and column.
    { x: [2, 9, 7, 8], size: [2, 2], strides: [2, 2], pad: 'valid' },
    { x: [1, 6, 6, 4], size: [3, 3], strides: [3, 3], pad: 'valid' },
    { x: [2, 8, 6, 6], size: [2, 2], strides: [2, 2], pad: 'valid' },
    { x: [1, 6, 9, 7], size: [2, 3], strides: [2, 3], pad: 'valid' },
  ];
  for (const [i, c] of configs.entries()) {
    // Values on a coarse grid so that windows often hold several equal maxima.
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const x = tf.round(tf.randomUniform(c.x, 0, 3, 'float32', 30 + i)) as tf.Tensor4D;
        const y = tf.maxPool(x, c.size, c.strides, c.pad);
        const r = tf.randomUniform(y.shape, -1, 1, 'float32', 40 + i);
        return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.size, c.strides, c.pad), r)))(x).dataSync() as Float32Array;
      });
    };
    const expected = await run('cpu');
    assert.ok(relativeError(await run('wasm'), expected) <= 1e-5, `maxPool ${JSON.stringify(c)}`);
  }
  // Windows of -inf alone get no gradient on cpu; both paths must agree.
  for (const c of [4, 3, 6]) {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        // The top-left window is all -inf; elsewhere -inf and finite values mix.
        const x = tf.tensor4d(Array.from({ length: 16 * c }, (_, i) => {
          const r = Math.floor(i / (4 * c)), q = Math.floor(i / c) % 4;
          return (r < 2 && q < 2) || i % 3 === 0 ? -Infinity : i;
        }), [1, 4, 4, c]);
        return tf.grad((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(x).dataSync() as Float32Array;
      });
    };
    assert.deepEqual(await run('wasm'), await run('cpu'), `-inf windows, c=${c}`);
  }
});

test('GatherV2 along axis 0 copies rows, other axes still work, bad indices throw', async () => {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const x = tf.randomUniform([6, 3, 4], -1, 1, 'float32', 50);
      const xi = tf.range(0, 24, 1, 'int32').reshape([6, 4]);
      const rows = tf.tensor1d([5, 0, 0, 3], 'int32');
      const grid = tf.tensor2d([[1, 2], [4, 4]], [2, 2], 'int32');
      return [tf.gather(x, rows), tf.gather(xi, grid), tf.gather(x, tf.tensor1d([2, 0], 'int32'), 1)].map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
    });
  };
  assert.deepEqual(await run('wasm'), await run('cpu'));
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  assert.throws(() => tf.tidy(() => tf.gather(tf.zeros([3, 2]), tf.tensor1d([1, 3], 'int32'))), /index value 3 is not in \[0, 2\]/);
  assert.equal(tf.memory().numTensors, before);
});

test('Slice reads in place and matches cpu on every rank and dtype', async () => {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const x4 = tf.randomUniform([5, 4, 3, 2], -1, 1, 'float32', 60);
      const xi = tf.range(0, 60, 1, 'int32').reshape([3, 4, 5]);
      const xb = tf.tensor1d([1, 0, 1, 1, 0], 'bool');
      return [
        tf.slice(x4, [1, 0, 0, 0], [3, 4, 3, 2]), // a batch: one contiguous run
        tf.slice(x4, [0, 1, 1, 0], [5, 2, 2, 2]),
        tf.slice(x4, [2, 3, 0, 1], [1, 1, 3, 1]),
        tf.slice(xi, [1, 0, 2], [2, 4, 3]),
        tf.slice(xb, [1], [3]),
        tf.slice(x4, [0, 0, 0, 0], [0, 4, 3, 2]),
      ].map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) }));
    });
  };
  assert.deepEqual(await run('wasm'), await run('cpu'));
});

test('Sum over leading axes (bias gradients) and other axes matches cpu', async () => {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const x = tf.randomUniform([5, 3, 4, 37], -1, 1, 'float32', 70); // 37 columns: 16-wide, 4-wide and scalar tails
      const xi = tf.range(0, 60, 1, 'int32').reshape([3, 4, 5]);
      return [
        tf.sum(x, [0, 1, 2]), tf.sum(x, [2, 0, 1], true), tf.sum(x, 0), tf.sum(x.reshape([60, 37]), 0),
        tf.sum(x, [1, 2]), tf.sum(x), tf.sum(x, -1), tf.sum(xi, [0, 1]),
      ].map((t) => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync() }));
    });
  };
  const expected = await run('cpu');
  const actual = await run('wasm');
  expected.forEach((e, i) => {
    assert.deepEqual(actual[i]!.shape, e.shape);
    assert.equal(actual[i]!.dtype, e.dtype);
    assert.ok(relativeError(actual[i]!.values, e.values) <= 1e-5, `sum case ${i}`);
  });
});

test('Add with a bias operand (either side) and other broadcasts matches cpu', async () => {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const x = tf.randomUniform([2, 3, 4, 7], -1, 1, 'float32', 80);
      const bias = tf.randomUniform([7], -1, 1, 'float32', 81);
      return [
        tf.add(x, bias), tf.add(bias, x), tf.add(x, bias.reshape([1, 1, 1, 7])), tf.add(bias.reshape([1, 1, 7]), tf.randomUniform([7], -1, 1, 'float32', 82)),
        tf.add(x, tf.randomUniform([3, 1, 7], -1, 1, 'float32', 83)), tf.add(x, 2), tf.add(tf.randomUniform([5, 2], -1, 1, 'float32', 84), tf.tensor1d([1, -2])), tf.add(tf.ones([4, 3], 'int32'), tf.tensor1d([1, 2, 3], 'int32')),
      ].map((t) => ({ shape: t.shape, dtype: t.dtype, values: t.dataSync() }));
    });
  };
  const expected = await run('cpu');
  const actual = await run('wasm');
  expected.forEach((e, i) => {
    assert.deepEqual(actual[i]!.shape, e.shape, `add case ${i}`);
    assert.equal(actual[i]!.dtype, e.dtype);
    assert.ok(relativeError(actual[i]!.values, e.values) <= 1e-6, `add case ${i}`);
  });
});

test('Identity shares data: a clone outlives its source, variables still copy on assign, memory is freed', async () => {
  await tf.setBackend('wasm');
  const before = { bytes: tf.memory().numBytes, ids: tf.backend().numDataIds() };
  const x = tf.tensor1d([1, 2, 3]);
  const c = tf.clone(x);
  assert.equal(tf.backend().numDataIds(), before.ids + 1, 'the clone shares its source data');
  x.dispose();
  assert.deepEqual(Array.from(c.dataSync()), [1, 2, 3]);
  c.dispose();
  assert.deepEqual({ bytes: tf.memory().numBytes, ids: tf.backend().numDataIds() }, before);
  const w = tf.tensor1d([1, 2, 3]);
  const v = tf.variable(w);
  v.assign(tf.tidy(() => tf.mul(v, 2)));
  assert.deepEqual(Array.from(w.dataSync()), [1, 2, 3]);
  assert.deepEqual(Array.from(v.dataSync()), [2, 4, 6]);
  tf.dispose([w, v]);
});

test('ReLU gradient (one fused kernel on wasm) matches cpu, zeros and NaN included', async () => {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    return tf.tidy(() => {
      const x = tf.concat([tf.randomUniform([4, 5, 7], -1, 1, 'float32', 90).flatten(), tf.tensor1d([0, -0, NaN, 3, -2])]);
      const r = tf.randomUniform(x.shape, -1, 1, 'float32', 91);
      return tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), r)))(x).dataSync() as Float32Array;
    });
  };
  const expected = await run('cpu');
  const actual = await run('wasm');
  assert.ok(Number.isNaN(actual[actual.length - 3]!) && Number.isNaN(expected[expected.length - 3]!));
  const finite = (a: Float32Array) => a.filter((v) => !Number.isNaN(v));
  assert.ok(relativeError(finite(actual), finite(expected)) <= 1e-6);
});

/** An experiment's `winograd` switch reaches the worker's convolution kernels, both ways. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { prepareBaseline } from '../../src/experiment/runner.js';
import type { TrialEnvironment } from '../../src/experiment/protocol.js';
import { winogradApplies } from '../../src/engine/wasm/winograd.js';
import { tinyWorkspace } from '../helpers/tiny.js';

process.env.SQUISH_CACHE_DIR = mkdtempSync(join(tmpdir(), 'squish-cache-'));

test('a trial environment with winograd: true turns Winograd on for the worker, false turns it off', async () => {
  const w = await tinyWorkspace('squish-winograd-');
  const env: TrialEnvironment = {
    trial: 'user', seed: 0, epochs: 1, backend: 'wasm',
    model: { dir: w.model, trainImages: w.trainImages, trainLabels: w.trainLabels, testImages: w.testImages, testLabels: w.testLabels, loss: 'softmax-cross-entropy' },
  };
  const conv = tf.backend_util.computeConv2DInfo([1, 8, 8, 16], [5, 5, 16, 16], 1, 1, 'same');
  await prepareBaseline({ kind: 'baseline', env: { ...env, winograd: true }, artifactDir: join(w.dir, 'on'), runner: '' });
  assert.equal(winogradApplies(conv), true);
  await prepareBaseline({ kind: 'baseline', env: { ...env, winograd: false }, artifactDir: join(w.dir, 'off'), runner: '' });
  assert.equal(winogradApplies(conv), false);
});

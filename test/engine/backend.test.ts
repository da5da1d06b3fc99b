import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend, resolveBackendName } from '../../src/engine/backend.js';
import { webGpuUsable } from '../../src/engine/webgpu.js';
import { BackendUnavailableError, InputError } from '../../src/errors.js';

test('resolveBackendName: the flag wins over SQUISH_BACKEND, which wins over auto', () => {
  assert.equal(resolveBackendName('cpu', { SQUISH_BACKEND: 'wasm' }), 'cpu');
  assert.equal(resolveBackendName(undefined, { SQUISH_BACKEND: 'wasm' }), 'wasm');
  assert.equal(resolveBackendName(undefined, {}), 'auto');
});

test('resolveBackendName names the source of a bad value', () => {
  assert.throws(() => resolveBackendName('gpu', {}), (e: Error) => e instanceof InputError && /--backend must be one of auto, wasm, webgpu, tensorflow, cpu, but got 'gpu'/.test(e.message));
  assert.throws(() => resolveBackendName(undefined, { SQUISH_BACKEND: 'x' }), /SQUISH_BACKEND must be one of/);
});

test('tensorflow, when asked for and absent, fails with install instructions instead of falling back', async () => {
  await assert.rejects(initBackend('tensorflow'), (e: Error) =>
    e instanceof BackendUnavailableError && /@tensorflow\/tfjs-node/.test(e.message) && /TFJS_NODE_BASE_URI/.test(e.message));
  assert.notEqual(tf.getBackend(), 'tensorflow');
});

test('auto picks wasm when no native binding is installed and no GPU is usable', async (t) => {
  if (await webGpuUsable()) return t.skip('this machine has a GPU: test/engine/webgpu.test.ts covers auto there');
  assert.equal(await initBackend('auto'), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
});

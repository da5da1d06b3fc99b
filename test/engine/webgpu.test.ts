/**
 * The webgpu backend's set-up: settings, driver discovery, the software-adapter policy, `auto`, errors
 * that say what to install, one device per worker thread, and processes that exit on their own.
 * Tests that need an adapter use whatever this machine has: a GPU, or Mesa's lavapipe in CI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend.js';
import { gpuDeviceNodes, vulkanDriverManifests, webGpuAdapter, webGpuSettings } from '../../src/engine/webgpu.js';
import { BackendUnavailableError, InputError, SquishError } from '../../src/errors.js';
import type { WebGpuStartResult } from '../fixtures/webgpu-start.js';

const strict = { ...process.env, SQUISH_WEBGPU_ALLOW_SOFTWARE: '0' };
const lenient = { ...process.env, SQUISH_WEBGPU_ALLOW_SOFTWARE: '1' };
const adapter = await webGpuAdapter(strict);
const noAdapter = adapter === undefined && 'this machine has no WebGPU adapter (CI installs Mesa lavapipe)';
const fixture = new URL('../fixtures/webgpu-start.js', import.meta.url);

test('webGpuSettings reads Dawn options and the software switch', () => {
  assert.deepEqual(webGpuSettings({ SQUISH_WEBGPU_OPTS: ' backend=opengles  adapter=llvmpipe ', SQUISH_WEBGPU_ALLOW_SOFTWARE: '1' }),
    { dawnOptions: ['backend=opengles', 'adapter=llvmpipe'], allowSoftware: true });
  assert.deepEqual(webGpuSettings({}), { dawnOptions: [], allowSoftware: false });
});

test('webGpuSettings names the variable and the value it rejects', () => {
  assert.throws(() => webGpuSettings({ SQUISH_WEBGPU_OPTS: 'vulkan' }),
    (e: Error) => e instanceof InputError && /SQUISH_WEBGPU_OPTS must be space-separated Dawn options key=value .*but got 'vulkan'/.test(e.message));
  assert.throws(() => webGpuSettings({ SQUISH_WEBGPU_ALLOW_SOFTWARE: 'yes' }), /SQUISH_WEBGPU_ALLOW_SOFTWARE must be 0 or 1, but got 'yes'/);
});

test('vulkanDriverManifests reads VK_DRIVER_FILES (folders and files), then VK_ADD_DRIVER_FILES', () => {
  const root = mkdtempSync(join(tmpdir(), 'squish-icd-'));
  mkdirSync(join(root, 'icd.d'));
  for (const f of ['icd.d/b.json', 'icd.d/a.json', 'icd.d/notes.txt', 'one.json', 'extra.json']) writeFileSync(join(root, f), '{}');
  const env = { VK_DRIVER_FILES: `${join(root, 'icd.d')}:${join(root, 'one.json')}:${join(root, 'missing')}`, VK_ADD_DRIVER_FILES: join(root, 'extra.json') };
  assert.deepEqual(vulkanDriverManifests(env), ['icd.d/a.json', 'icd.d/b.json', 'one.json', 'extra.json'].map((f) => join(root, f)));
  assert.deepEqual(vulkanDriverManifests({ VK_DRIVER_FILES: join(root, 'missing') }), []);
});

test('--backend webgpu takes a GPU, and a software adapter only when SQUISH_WEBGPU_ALLOW_SOFTWARE=1', async () => {
  if (gpuDeviceNodes()?.length === 0) {
    // CI: no GPU, so Dawn is not even started unless software is allowed.
    await assert.rejects(initBackend('webgpu', strict), (e: Error) => e instanceof BackendUnavailableError
      && /no GPU device is visible/.test(e.message) && /SQUISH_WEBGPU_ALLOW_SOFTWARE=1/.test(e.message));
    if (adapter !== undefined) assert.equal(await initBackend('webgpu', lenient), 'webgpu');
  } else if (adapter === undefined) {
    await assert.rejects(initBackend('webgpu', strict), (e: Error) => e instanceof BackendUnavailableError && /apt-get install/.test(e.message));
  } else if (adapter.software) {
    await assert.rejects(initBackend('webgpu', strict), (e: Error) => e instanceof BackendUnavailableError
      && /only WebGPU adapter is a software renderer/.test(e.message) && /SQUISH_WEBGPU_ALLOW_SOFTWARE=1/.test(e.message));
    assert.equal(await initBackend('webgpu', lenient), 'webgpu');
  } else {
    assert.equal(await initBackend('webgpu', strict), 'webgpu');
  }
});

test('auto takes webgpu on a GPU (or an allowed software adapter), else wasm', async () => {
  assert.equal(await initBackend('auto', strict), adapter !== undefined && !adapter.software ? 'webgpu' : 'wasm');
  assert.equal(await initBackend('auto', lenient), adapter !== undefined ? 'webgpu' : 'wasm');
});

test('reading a webgpu tensor synchronously says to read asynchronously', { skip: noAdapter }, async () => {
  await initBackend('webgpu', lenient);
  // Big enough to run on the GPU: tfjs computes tiny ops on the CPU, where dataSync works.
  const y = tf.tidy(() => tf.matMul(tf.ones([300, 300]), tf.ones([300, 1])));
  assert.throws(() => y.dataSync(), (e: Error) => e instanceof SquishError && /await tensor\.data\(\)/.test(e.message));
  assert.deepEqual(new Set(await y.data()), new Set([300]));
  y.dispose();
});

function inWorker(env: NodeJS.ProcessEnv): Promise<WebGpuStartResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fixture, { env });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

test('without a Vulkan driver, webgpu fails saying what to install', async () => {
  // A worker starts Dawn afresh; VK_DRIVER_FILES pointing nowhere hides every driver from the loader.
  const result = await inWorker({ ...process.env, VK_DRIVER_FILES: '/nonexistent/icd.d', SQUISH_WEBGPU_OPTS: '' });
  assert.equal(result.backend, undefined);
  assert.match(result.error!, /no ICD manifest|No Vulkan loader/);
  assert.match(result.error!, /apt-get install libvulkan1/);
  assert.match(result.error!, /nvidia_icd\.json/);
});

test('each worker thread starts its own device, and they compute at once', { skip: noAdapter }, async () => {
  const results = await Promise.all([inWorker(process.env), inWorker(process.env)]);
  assert.notEqual(results[0]!.threadId, results[1]!.threadId);
  for (const r of results) assert.deepEqual({ backend: r.backend, product: r.product }, { backend: 'webgpu', product: [7, 10, 15, 22] });
});

test('a process that used webgpu exits on its own', { skip: noAdapter }, () => {
  const run = spawnSync(process.execPath, [fixture.pathname], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.signal, null, 'still running after 60 s: Dawn kept the event loop alive');
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual((JSON.parse(run.stdout) as WebGpuStartResult).product, [7, 10, 15, 22]);
});

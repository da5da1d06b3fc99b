import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { prepareBaseline, runTrial } from '../../src/experiment/runner.js';
import type { TrialEnvironment } from '../../src/experiment/protocol.js';
import { tinyWorkspace } from '../helpers/tiny.js';

// The runner picks its own backend from the environment; the base-model cache goes to a scratch dir.
process.env.SQUISH_CACHE_DIR = mkdtempSync(join(tmpdir(), 'squish-cache-'));
// As useTestBackend does: CI's only WebGPU adapter is Mesa's software one.
process.env.SQUISH_WEBGPU_ALLOW_SOFTWARE ??= '1';

test('a search trial with pruning and quantization fine-tunes both at once and exports uint8 weights that keep the zeros', async () => {
  const w = await tinyWorkspace('squish-runner-');
  const dir = w.dir;
  const env: TrialEnvironment = {
    trial: 'user', seed: 0, epochs: 1, backend: process.env.SQUISH_TEST_BACKEND ?? 'wasm',
    model: { dir: w.model, trainImages: w.trainImages, trainLabels: w.trainLabels, testImages: w.testImages, testLabels: w.testLabels, loss: 'softmax-cross-entropy' },
  } as TrialEnvironment;
  const baseline = await prepareBaseline({ kind: 'baseline', env, artifactDir: join(dir, 'dense'), runner: '' });
  const { port1 } = new MessageChannel();
  const epochs: number[] = [];
  const result = await runTrial({
    kind: 'trial', env, trialId: 1, number: 0, runner: '', port: port1, control: new SharedArrayBuffer(8),
    baseModelDir: baseline.baseModelDir, artifactDir: join(dir, 'trial'),
    plan: {
      pruning: { algorithm: 'level', configList: [{ opNames: ['conv'], sparsity: 0.5 }, { opNames: ['out'], sparsity: 0.75 }] },
      quantization: { algorithm: 'qat', configList: [{ opNames: ['conv'], quantTypes: ['weight'], quantBits: 8 }, { opNames: ['out'], quantTypes: ['weight'], quantBits: 4 }] },
    },
  }, { epoch: (e) => (epochs.push(e), true) });
  port1.close();
  assert.equal(result.state, 'complete');
  assert.deepEqual(epochs, [0]);
  const manifest = JSON.parse(readFileSync(join(dir, 'trial', 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: Array<{ name: string; quantization?: { dtype: string } }> }> };
  assert.deepEqual(manifest.weightsManifest[0]!.weights.map((w) => [w.name, w.quantization?.dtype]),
    [['conv/kernel', 'uint8'], ['conv/bias', undefined], ['out/kernel', 'uint8'], ['out/bias', undefined]]);
  // Sparsity measured on the export as reloaded: ⌊27·0.5⌋ + ⌊144·0.75⌋ zeros of 171 kernel entries.
  assert.equal(result.metrics.sparsity, (13 + 108) / 171);
  assert.ok(result.metrics.gzipBytes! < baseline.metrics.gzipBytes, `${result.metrics.gzipBytes} vs ${baseline.metrics.gzipBytes}`);
});

/** A search trial with `distill: true` fine-tunes the compressed student against the dense teacher. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { prepareBaseline, runTrial } from '../../src/experiment/runner.js';
import type { TrialEnvironment, TrialResult } from '../../src/experiment/protocol.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import { tinyWorkspace } from '../helpers/tiny.js';

process.env.SQUISH_CACHE_DIR = mkdtempSync(join(tmpdir(), 'squish-cache-'));
process.env.SQUISH_WEBGPU_ALLOW_SOFTWARE ??= '1';

test('distilled and plain fine-tuning both run the compressor hooks and report every epoch, but train differently', async () => {
  const w = await tinyWorkspace('squish-distill-');
  const base: TrialEnvironment = {
    trial: 'user', seed: 0, epochs: 2, backend: (process.env.SQUISH_TEST_BACKEND ?? 'wasm') as TrialEnvironment['backend'],
    model: { dir: w.model, trainImages: w.trainImages, trainLabels: w.trainLabels, testImages: w.testImages, testLabels: w.testLabels, loss: 'softmax-cross-entropy' },
  };
  const baseline = await prepareBaseline({ kind: 'baseline', env: base, artifactDir: join(w.dir, 'dense'), runner: '' });
  const run = async (distill: boolean): Promise<[TrialResult, number[]]> => {
    const { port1 } = new MessageChannel();
    const epochs: number[] = [];
    const result = await runTrial({
      kind: 'trial', env: { ...base, distill }, trialId: 1, number: 0, runner: '', port: port1, control: new SharedArrayBuffer(8),
      baseModelDir: baseline.baseModelDir, artifactDir: join(w.dir, `trial-${distill}`),
      plan: { pruning: { algorithm: 'level', configList: [{ opNames: ['out'], sparsity: 0.75 }] } },
    }, { epoch: (e) => (epochs.push(e), true) });
    port1.close();
    return [result, epochs];
  };
  const [distilled, distilledEpochs] = await run(true);
  const [plain] = await run(false);
  assert.equal(distilled.state, 'complete');
  assert.deepEqual(distilledEpochs, [0, 1]);
  assert.equal(distilled.metrics.sparsity, 108 / 171); // the pruner's step() kept ⌊144·0.75⌋ zeros through training
  assert.notEqual(distilled.metrics.loss, plain.metrics.loss);
});

test('distill with a softmax-output model is rejected up front', () => {
  assert.throws(() => parseExperiment({
    distill: true, searchSpace: { pruning: { _type: 'choice', _value: [{ _name: 'level', a: { _type: 'uniform', _value: [0, 0.5] } }] } },
    model: { dir: 'm', trainImages: 'a', trainLabels: 'b', testImages: 'c', testLabels: 'd', loss: 'categorical-crossentropy' },
  }, { baseDir: '.', defaultName: 'x' }), /experiment\.distill needs a model that outputs logits/);
});

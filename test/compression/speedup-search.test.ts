import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { useTestBackend } from '../helpers/backend.js';
import { loadModel, saveModel } from '../../src/engine/model-io.js';
import type { TrialTask } from '../../src/experiment/protocol.js';
import { runTrial } from '../../src/experiment/runner.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import { buildLenet5 } from '../../trials/models.js';

await useTestBackend();

test('an experiment accepts speedup: true and rejects a non-boolean', () => {
  const space = { pruning: { _type: 'choice', _value: [{ _name: 'l1filter' }] } };
  assert.equal(parseExperiment({ searchSpace: space, speedup: true }, { baseDir: '.', defaultName: 'x' }).speedup, true);
  assert.throws(() => parseExperiment({ searchSpace: space, speedup: 'yes' }, { baseDir: '.', defaultName: 'x' }), /experiment\.speedup must be a boolean, but got "yes"/);
});

test('a search trial with speedup exports, and measures, the model with its pruned filters removed, quantized too', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'squish-speedup-search-'));
  const { port1, port2 } = new MessageChannel();
  try {
    const base = buildLenet5({ seed: 0 });
    await saveModel(base, join(dir, 'base'));
    base.dispose();
    const task = (speedup: boolean, artifactDir: string): TrialTask => ({
      kind: 'trial', env: { trial: 'mnist-lenet', seed: 0, epochs: 0, backend: 'wasm', speedup }, trialId: 1, number: 1,
      plan: { pruning: { algorithm: 'l1filter', configList: [{ opTypes: ['Conv2D'], sparsity: 0.5 }] } },
      baseModelDir: join(dir, 'base'), artifactDir, runner: '', port: port1, control: new SharedArrayBuffer(8),
    });
    const reporter = { epoch: () => true };
    const fast = await runTrial(task(true, join(dir, 'fast')), reporter);
    const masked = await runTrial(task(false, join(dir, 'masked')), reporter);
    assert.deepEqual([fast.metrics.params, masked.metrics.params], [35_820, 61_706]);
    // Sparsity counts the dense model's 61,470 kernel weights: the masks zero 3 of conv1's 6 filters (75
    // weights) and 8 of conv2's 16 (1200); the sped-up model keeps 35,595 (conv2 and fc1 lose the inputs
    // of the removed channels too), so the removed weights count as pruned.
    assert.equal(masked.metrics.sparsity, 1 - (61_470 - 1275) / 61_470);
    assert.equal(fast.metrics.sparsity, 1 - 35_595 / 61_470);
    assert.ok(fast.metrics.flops! < masked.metrics.flops! / 2);
    assert.equal(fast.metrics.accuracy, masked.metrics.accuracy);
    const exported = await loadModel(join(dir, 'fast'));
    assert.equal(exported.getLayer('conv1').getConfig().filters, 3);
    exported.dispose();

    // Pruned and quantized (QAT keeps an exact 0, so the pruned filters stay removable): the sped-up
    // model is stored on the quantizer's grids, uint8, and predicts as the masked, quantized one.
    const both = (speedup: boolean, artifactDir: string): TrialTask => {
      const t = task(speedup, artifactDir);
      return { ...t, plan: { ...t.plan, quantization: { algorithm: 'qat', configList: [{ opTypes: 'default', quantTypes: 'weight', quantBits: 8 }] } } };
    };
    const quantFast = await runTrial(both(true, join(dir, 'quant-fast')), reporter);
    const quantMasked = await runTrial(both(false, join(dir, 'quant-masked')), reporter);
    assert.deepEqual([quantFast.metrics.params, quantMasked.metrics.params], [35_820, 61_706]);
    assert.equal(quantFast.metrics.accuracy, quantMasked.metrics.accuracy);
    assert.ok(quantFast.metrics.gzipBytes! < quantMasked.metrics.gzipBytes!);
    const manifest = JSON.parse(await readFile(join(dir, 'quant-fast', 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; quantization?: { dtype: string } }[] }[] };
    const dtypes = Object.fromEntries(manifest.weightsManifest[0]!.weights.map((w) => [w.name, w.quantization?.dtype ?? 'float32']));
    assert.deepEqual([dtypes['conv1/kernel'], dtypes['fc1/kernel'], dtypes['conv1/bias']], ['uint8', 'uint8', 'float32']);
  } finally {
    port1.close();
    port2.close();
    await rm(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { runCli as cli } from '../helpers/cli.js';
import { tinyWorkspace } from '../helpers/tiny.js';

await useTestBackend();
// The base-model cache of user models goes to a scratch directory, not the user's cache.
process.env.SQUISH_CACHE_DIR = mkdtempSync(join(tmpdir(), 'squish-cache-'));

/** A tiny user model with IDX data; returns the `<model dir> + data flags` arguments. */
async function userModel(): Promise<{ dir: string; args: string[] }> {
  const { dir, cliArgs } = await tinyWorkspace('squish-compress-');
  return { dir, args: cliArgs };
}

interface Result {
  algorithm: string;
  accuracy: { before: number; after: number; exported: number };
  sparsity: { overall: number; layers: Record<string, number> };
  size: { dense: { bytes: number; gzipBytes: number }; compressed: { bytes: number; gzipBytes: number }; ratio: number };
  paths: { model: string; masks?: string; calibration?: string };
}

test('compress --help lists the algorithms; missing or bad flags, configs and algorithms exit 2 naming what is wrong', async () => {
  const help = await cli(['compress', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /Algorithms: level, agp, .*, naive, qat, dorefa, bnn/);
  const { dir, args } = await userModel();
  writeFileSync(join(dir, 'typo.json'), JSON.stringify([{ op_types: ['default'], sparsty: 0.5 }]));
  writeFileSync(join(dir, 'level.json'), JSON.stringify([{ op_types: ['default'], sparsity: 0.5 }]));
  writeFileSync(join(dir, 'broken.json'), '[{');
  const out = ['--out', join(dir, 'out')];
  const cases: Array<[string[], RegExp]> = [
    [['compress', ...args, '--config', join(dir, 'level.json'), ...out], /--algorithm is required/],
    [['compress', ...args, '--algorithm', 'level', ...out], /--config is required/],
    [['compress', ...args, '--algorithm', 'prune', '--config', join(dir, 'level.json'), ...out], /algorithm must be one of level, .*bnn, but got 'prune'/],
    [['compress', ...args, '--algorithm', 'level', '--config', join(dir, 'typo.json'), ...out], /configList\[0\]\.sparsty is not a known key/],
    [['compress', ...args, '--algorithm', 'qat', '--config', join(dir, 'level.json'), ...out], /configList\[0\]\.sparsity is not used by QAT_Quantizer/],
    [['compress', ...args, '--algorithm', 'level', '--config', join(dir, 'broken.json'), ...out], /--config: .*broken\.json is not JSON/],
    [['compress', ...args, '--algorithm', 'level', '--config', join(dir, 'none.json'), ...out], /--config: cannot read .*none\.json/],
    [['compress', ...args, '--algorithm', 'level', '--config', join(dir, 'level.json'), ...out, '--epochs=-1'], /--epochs must be an integer ≥ 0, but got '-1'/],
  ];
  for (const [argv, message] of cases) {
    const r = await cli(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, message);
  }
  assert.equal(existsSync(join(dir, 'out')), false, 'nothing is written when the input is bad');
});

test('compress with a pruner and with a quantizer: fine-tunes, evaluates, exports, and reports sparsity and sizes', async () => {
  const { dir, args } = await userModel();
  writeFileSync(join(dir, 'level.json'), JSON.stringify([{ op_types: ['default'], sparsity: 0.5 }, { op_names: ['out'], sparsity: 0.25 }]));
  writeFileSync(join(dir, 'qat.json'), JSON.stringify({ configList: [{ op_types: ['default'], quant_types: ['weight'], quant_bits: 8 }] }));

  const level = await cli(['compress', ...args, '--algorithm', 'level', '--config', join(dir, 'level.json'), '--out', join(dir, 'level'), '--json']);
  assert.equal(level.code, 0, level.err);
  const pruned = JSON.parse(level.out) as Result;
  assert.deepEqual(pruned.sparsity.layers, { conv: 13 / 27, out: 36 / 144 }); // ⌊27·0.5⌋ and ⌊144·0.25⌋
  assert.equal(pruned.accuracy.after, pruned.accuracy.exported);
  assert.ok(existsSync(pruned.paths.masks!));
  assert.match(level.err, /epoch 1\/1/);

  const qat = await cli(['compress', ...args, '--algorithm', 'qat', '--config', join(dir, 'qat.json'), '--epochs', '2', '--out', join(dir, 'qat'), '--json']);
  assert.equal(qat.code, 0, qat.err);
  const quantized = JSON.parse(qat.out) as Result;
  assert.equal(quantized.accuracy.after, quantized.accuracy.exported, 'the uint8 export predicts as the fake-quantized model');
  assert.ok(quantized.accuracy.before >= 0 && quantized.accuracy.before <= 1);
  assert.ok(quantized.size.compressed.bytes < quantized.size.dense.bytes);
  const manifest = JSON.parse(readFileSync(join(quantized.paths.model, 'model.json'), 'utf8')) as { weightsManifest: Array<{ weights: Array<{ name: string; quantization?: { dtype: string } }> }> };
  const kernels = manifest.weightsManifest[0]!.weights.filter((w) => w.name.endsWith('/kernel'));
  assert.deepEqual(kernels.map((w) => w.quantization?.dtype), ['uint8', 'uint8']);
  assert.ok(existsSync(quantized.paths.calibration!));

  const kd = await cli(['compress', ...args, '--algorithm', 'naive', '--config', join(dir, 'qat.json'), '--distill', '--out', join(dir, 'kd'), '--json']);
  assert.equal(kd.code, 0, kd.err);
  const distilled = JSON.parse(kd.out) as Result & { distill: boolean };
  assert.equal(distilled.distill, true);
  assert.equal(distilled.accuracy.after, distilled.accuracy.exported);
  assert.match(kd.err, /epoch 1\/1 distillation loss \d/);
});

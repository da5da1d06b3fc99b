import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/engine/model-io.js';
import { useTestBackend } from '../helpers/backend.js';
import { runCli as cli } from '../helpers/cli.js';
import { tinyWorkspace } from '../helpers/tiny.js';

await useTestBackend();
process.env.SQUISH_CACHE_DIR = mkdtempSync(join(tmpdir(), 'squish-cache-'));

/** tinyConvNet (conv 3@3×3 → flatten → dense 3, 177 params) with IDX data: the `<model dir> + data flags`. */
async function userModel(): Promise<{ dir: string; args: string[] }> {
  const { dir, cliArgs } = await tinyWorkspace('squish-speedup-cli-');
  writeFileSync(join(dir, 'half.json'), JSON.stringify([{ op_types: ['Conv2D'], sparsity: 0.5 }]));
  return { dir, args: [...cliArgs, '--config', join(dir, 'half.json'), '--epochs', '0'] };
}

test('compress --speedup exports the smaller model and reports params, FLOPs and samples/s before and after', async () => {
  const { dir, args } = await userModel();
  const r = await cli(['compress', ...args, '--algorithm', 'l1filter', '--out', join(dir, 'out'), '--speedup', '--json']);
  assert.equal(r.code, 0, r.err);
  const result = JSON.parse(r.out) as {
    accuracy: { after: number; exported: number };
    sparsity: { overall: number; layers: Record<string, number> };
    speedup: { params: { before: number; after: number }; flops: { before: number; after: number }; samplesPerSec: { before: number; after: number } };
    paths: { model: string };
  };
  // One of the 3 filters goes: conv 30 → 20 params, dense 147 → 99.
  assert.deepEqual(result.speedup.params, { before: 177, after: 119 });
  // The removed weights count as pruned, against the dense layers: conv kernel 27 → 18, dense 144 → 96.
  assert.deepEqual(result.sparsity, { overall: 1 - 114 / 171, layers: { conv: (27 - 18) / 27 } });
  assert.ok(result.speedup.flops.after < result.speedup.flops.before);
  assert.ok(result.speedup.samplesPerSec.before > 0 && result.speedup.samplesPerSec.after > 0);
  assert.equal(result.accuracy.exported, result.accuracy.after);
  const exported = await loadModel(result.paths.model);
  assert.equal(exported.getLayer('conv').getConfig().filters, 2);
  exported.dispose();
});

test('compress --speedup with a pruner that does not remove channels exits 2 and says why', async () => {
  const { dir, args } = await userModel();
  const r = await cli(['compress', ...args, '--algorithm', 'level', '--out', join(dir, 'out'), '--speedup']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--speedup needs a pruner that removes whole channels \(a filter pruner or slim\), but got 'level'/);
});

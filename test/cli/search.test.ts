/** The real CLI on a tiny user model: a search killed with SIGKILL mid-run resumes and loses nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Store } from '../../src/experiment/store/store.js';
import { useTestBackend } from '../helpers/backend.js';
import { tinyWorkspace } from '../helpers/tiny.js';

const BIN = fileURLToPath(new URL('../../../bin/squish.js', import.meta.url));
const run = promisify(execFile);

await useTestBackend();

async function workspace(): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const w = await tinyWorkspace('squish-cli-search-', { train: 48, test: 24 });
  const dir = w.dir;
  const level = (hi: number) => ({ _type: 'quniform', _value: [0.1, hi, 0.05] });
  writeFileSync(join(dir, 'exp.json'), JSON.stringify({
    name: 'tiny',
    model: { dir: w.model, trainImages: w.trainImages, trainLabels: w.trainLabels, testImages: w.testImages, testLabels: w.testLabels, loss: 'softmax-cross-entropy' },
    searchSpace: { pruning: { _type: 'choice', _value: [{ _name: 'level', conv: level(0.9), out: level(0.9) }] } },
    maxTrials: 8, concurrency: 2, epochs: 2, backend: 'wasm', earlyStopping: { enabled: false },
  }));
  return { dir, env: { ...process.env, SQUISH_CACHE_DIR: join(dir, 'cache') } };
}

test('kill -9 mid-search, then resume: finished trials kept, interrupted ones rerun once, maxTrials reached', async () => {
  const { dir, env } = await workspace();
  const db = join(dir, 'squish.db');
  const child = spawn(process.execPath, [BIN, 'search', join(dir, 'exp.json'), '--db', db, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  let finished = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    const event = JSON.parse(line) as { type: string };
    if (event.type === 'trial-finished' && ++finished === 3) {
      child.kill('SIGKILL');
      break;
    }
  }
  const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(signal ?? c)));
  assert.equal(code, 'SIGKILL', stderr);

  const before = Store.open(db, { readonly: true });
  const experiment = before.findOrThrowExperiment('tiny');
  const snapshot = before.trials(experiment.id);
  before.close();
  const kept = snapshot.filter((t) => t.state === 'complete');
  const interrupted = snapshot.filter((t) => t.state === 'running');
  assert.ok(kept.length >= 3, `complete before the kill: ${kept.length}`);
  assert.ok(interrupted.length >= 1, 'a trial was running at the kill');

  const resumed = await run(process.execPath, [BIN, 'resume', 'tiny', '--db', db, '--json'], { env });
  const summary = JSON.parse(resumed.stdout.trim().split('\n').at(-1)!) as { type: string; trials: number; best: { number: number } | undefined };
  assert.equal(summary.type, 'summary');
  assert.equal(summary.trials, 8);

  const after = Store.open(db, { readonly: true });
  const trials = after.trials(experiment.id);
  assert.equal(after.findOrThrowExperiment('tiny').status, 'done');
  after.close();
  assert.equal(trials.length, 8);
  assert.ok(trials.every((t) => t.state === 'complete'), trials.map((t) => t.state).join());
  for (const k of kept) {
    const t = trials.find((x) => x.id === k.id)!;
    assert.deepEqual([t.attempt, t.finishedAt, t.metrics], [1, k.finishedAt, k.metrics]);
  }
  for (const i of interrupted) assert.equal(trials.find((x) => x.id === i.id)!.attempt, 2);
  assert.ok(trials.every((t) => t.metrics.sparsity! > 0 && t.metrics.gzipBytes! > 0));

  // The best model exports and loads with stock TF.js in a fresh process.
  const out = join(dir, 'best');
  await run(process.execPath, [BIN, 'export', 'tiny', '--db', db, '--out', out], { env });
  const script = `import * as tf from '@tensorflow/tfjs'; import {readFileSync} from 'node:fs';
    const j = JSON.parse(readFileSync(${JSON.stringify(join(out, 'model.json'))}, 'utf8'));
    const w = readFileSync(${JSON.stringify(join(out, 'weights.bin'))});
    const m = await tf.loadLayersModel(tf.io.fromMemory({modelTopology: j.modelTopology, weightSpecs: j.weightsManifest[0].weights, weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength)}));
    const k = m.getLayer('conv').getWeights()[0].dataSync(); console.log(k.filter((v) => v === 0).length / k.length);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
  assert.ok(Number(stdout) > 0.05, `exported conv kernel sparsity ${stdout}`);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { runCli as cli } from '../helpers/cli.js';
import { tinyWorkspace } from '../helpers/tiny.js';

const BIN = fileURLToPath(new URL('../../../bin/squish.js', import.meta.url));
const run = promisify(execFile);

/** Runs the real binary; resolves with the exit code whether it failed or not. */
async function squish(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

test('--help lists the commands and exits 0; no command is a usage error', async () => {
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /train\s+train and evaluate/);
  assert.equal((await cli([])).code, 2);
  const unknown = await cli(['fly']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command 'fly'/);
});

test('train --help documents the options', async () => {
  const r = await cli(['train', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /--epochs N/);
  assert.match(r.out, /--backend NAME/);
});

test('bad flags and values exit 2 and name the flag', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['train', 'mnist-lenet', '--epochs', 'x'], /--epochs must be an integer ≥ 1, but got 'x'/],
    [['train', 'mnist-lenet', '--lr=-1'], /--lr must be a positive number, but got '-1'/],
    [['train', 'mnist-lenet', '--bogus'], /Unknown option '--bogus'/],
    [['train', 'mnist-lenet', '--backend', 'gpu'], /--backend must be one of auto, wasm, webgpu, tensorflow, cpu, but got 'gpu'/],
    [['train', 'nope'], /trial must be one of mnist-lenet, mnist-cnn(, [a-z-]+)*, but got 'nope'/],
    [['train'], /argument 1 must name one trial/],
    [['train', 'mnist-lenet', '--batch-size', '0'], /--batch-size must be an integer ≥ 1, but got '0'/],
  ];
  for (const [argv, message] of cases) {
    const r = await cli(argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, message);
  }
});

test('an unavailable backend that was named is a failure (exit 1), not a silent fallback', async () => {
  const r = await cli(['train', 'mnist-lenet', '--backend', 'tensorflow']);
  assert.equal(r.code, 1);
  assert.match(r.err, /npm install @tensorflow\/tfjs-node/);
});

test('train on a user model directory with IDX data fine-tunes, evaluates and saves it', async () => {
  const { dir, cliArgs } = await tinyWorkspace('squish-user-');
  const out = join(dir, 'tuned');
  const r = await squish(['train', ...cliArgs, '--epochs', '2', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { epochs: number; accuracy: number; modelDir: string };
  assert.equal(result.epochs, 2);
  assert.ok(result.accuracy >= 0 && result.accuracy <= 1);
  assert.equal(result.modelDir, out);
  assert.match(r.stderr, /epoch 2\/2 .* samples\/s/); // plain progress lines when not a TTY
});

test('squish train mnist-lenet reaches ≥ 0.94 test accuracy in 3 epochs on wasm, and the saved model loads with stock tfjs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'squish-train-'));
  const out = join(dir, 'lenet');
  const r = await squish(['train', 'mnist-lenet', '--backend', 'wasm', '--out', out, '--json'], { SQUISH_CACHE_DIR: join(dir, 'cache') });
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as { accuracy: number; backend: string; epochs: number };
  assert.equal(result.backend, 'wasm');
  assert.equal(result.epochs, 3);
  assert.ok(result.accuracy >= 0.94, `accuracy ${result.accuracy}`);
  // A fresh process with nothing of Squish loaded reads the directory with stock tfjs.
  const script = `import * as tf from '@tensorflow/tfjs'; import {readFileSync} from 'node:fs';
    const j = JSON.parse(readFileSync(${JSON.stringify(join(out, 'model.json'))}, 'utf8'));
    const w = readFileSync(${JSON.stringify(join(out, 'weights.bin'))});
    const m = await tf.loadLayersModel(tf.io.fromMemory({modelTopology: j.modelTopology, weightSpecs: j.weightsManifest[0].weights, weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength)}));
    console.log(m.countParams());`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../../..', import.meta.url)) });
  assert.equal(Number(stdout.trim()), 61706);
  void tf;
});

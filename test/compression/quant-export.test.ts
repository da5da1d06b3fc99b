import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { useTestBackend } from '../helpers/backend.js';
import { saveModel } from '../../src/engine/model-io.js';
import {
  BNNQuantizer, Compressor, CompressionWrapper, DoReFaQuantizer, LevelPruner, NaiveQuantizer, QAT_Quantizer, encodeOnGrid, unwrapModel,
  type Quantizer,
} from '../../src/compression/index.js';
import { assertPredictsAsSquish, convNet, randomData, values } from './fixtures.js';

const backend = await useTestBackend();
// Stock tfjs finds no WebGPU in Node (Squish's Dawn bring-up is what the child must not import): a
// webgpu export is loaded on wasm, its weights compared bit for bit and its predictions within 1e-5.
const childBackend = backend === 'webgpu' ? 'wasm' : backend;

/**
 * Loads each model directory with stock tfjs in a fresh node process (nothing of Squish imported, no
 * custom class registered) on `childBackend` and prints its predictions for the input and its weights as loaded.
 */
const CHILD = `
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const [inputFile, backend, ...dirs] = process.argv.slice(1);
if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(backend);
const input = JSON.parse(readFileSync(inputFile, 'utf8'));
const out = [];
for (const dir of dirs) {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const model = await tf.loadLayersModel({
    load: async () => tf.io.getModelArtifactsForJSON(json, async (manifest) => {
      const bytes = readFileSync(join(dir, manifest[0].paths[0]));
      return [manifest[0].weights, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)];
    }),
  });
  const y = model.predict(tf.tensor(input.values, input.shape));
  const weights = Object.fromEntries(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
  out.push({ y: Array.from(y.dataSync()), weights });
}
console.log(JSON.stringify(out));
`;

interface Loaded {
  y: number[];
  weights: Record<string, number[]>;
}

async function loadInFreshProcess(dirs: string[], x: tf.Tensor): Promise<Loaded[]> {
  const inputFile = join(dirs[0]!, '..', 'input.json');
  await writeFile(inputFile, JSON.stringify({ values: Array.from(await x.data()), shape: x.shape }));
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CHILD, inputFile, childBackend, ...dirs], { cwd: process.cwd(), maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Loaded[];
}

function manifestOf(json: string): Map<string, { quantization?: { dtype: string; scale: number; min: number } }> {
  const parsed = JSON.parse(json) as { weightsManifest: Array<{ weights: Array<{ name: string; quantization?: { dtype: string; scale: number; min: number } }> }> };
  return new Map(parsed.weightsManifest.flatMap((g) => g.weights).map((w) => [w.name, w]));
}

/** A convNet compressed by `make`, trained one tiny epoch, exported to `dir`. */
async function trainedExport(dir: string, make: (m: tf.LayersModel) => Quantizer | [LevelPruner, Quantizer]) {
  const model = convNet();
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  const made = make(model);
  const [pruner, quantizer] = Array.isArray(made) ? made : [undefined, made];
  const compressed = pruner ? Compressor.compressTogether([pruner, quantizer]) : quantizer.compress();
  const { x, y } = randomData(model, 8, 41);
  await compressed.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: [...(pruner ? [pruner.callbacks()] : []), quantizer.callbacks()] });
  await quantizer.exportModel({ modelPath: dir, calibrationPath: join(dir, '..', 'calibration.json') });
  const effective: Record<string, number[]> = {};
  for (const w of compressed.layers.filter((l) => l instanceof CompressionWrapper) as CompressionWrapper[]) {
    for (const v of w.inner.weights) effective[v.originalName] = await values(w.effectiveWeight(v.originalName.split('/').pop()!));
  }
  return { compressed, x, effective, model };
}

test('a QAT-quantized model exports with uint8 weights that stock tfjs loads, bit for bit, and the file is smaller', async () => {
  const root = await mkdtemp(join(tmpdir(), 'squish-qexport-'));
  try {
    const dir = join(root, 'model');
    const { compressed, x, effective } = await trainedExport(dir, (m) => new QAT_Quantizer(m, [{ opTypes: 'default', quantTypes: ['weight', 'output'], quantBits: 8 }]));
    const json = await readFile(join(dir, 'model.json'), 'utf8');
    assert.doesNotMatch(json, /CompressionWrapper/);
    const manifest = manifestOf(json);
    assert.equal(manifest.get('c1/kernel')!.quantization!.dtype, 'uint8');
    assert.equal(manifest.get('d1/kernel')!.quantization!.dtype, 'uint8');
    assert.equal(manifest.get('c1/bias')!.quantization, undefined);

    const [loaded] = await loadInFreshProcess([dir], x);
    assert.deepEqual(loaded!.weights['c1/kernel'], effective['c1/kernel']);
    assert.deepEqual(loaded!.weights['d1/kernel'], effective['d1/kernel']);
    // A TF.js model has no place for activation quantization (its ranges go to the calibration file):
    // the export predicts as the stock model with the quantized weights does.
    const float = unwrapModel(compressed);
    await assertPredictsAsSquish(loaded!.y, float, x, childBackend === backend);

    // The float export of the same weights is 3 bytes larger per quantized entry (c1: 3·3·2·4, d1: 64·3).
    await saveModel(float, join(root, 'float'));
    const [q, f] = await Promise.all([stat(join(dir, 'weights.bin')), stat(join(root, 'float', 'weights.bin'))]);
    assert.equal(f.size - q.size, 3 * (72 + 192));

    const calibration = JSON.parse(await readFile(join(root, 'calibration.json'), 'utf8')) as Record<string, Record<string, number>>;
    assert.deepEqual(Object.keys(calibration), ['c1', 'd1']);
    assert.equal(calibration.c1!.weight_bits, 8);
    assert.equal(manifest.get('c1/kernel')!.quantization!.scale, calibration.c1!.weight_scale);
    assert.ok(calibration.d1!.tracked_max_output! > calibration.d1!.tracked_min_output!);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('every quantizer exports exactly: Naive, DoReFa, BNN, 12-bit QAT (uint16), and pruned + QAT keeps its zeros', async () => {
  const root = await mkdtemp(join(tmpdir(), 'squish-qexport-'));
  try {
    const cases: Array<[string, (m: tf.LayersModel) => Quantizer | [LevelPruner, Quantizer], string]> = [
      ['naive', (m) => new NaiveQuantizer(m, [{ opTypes: 'default', quantTypes: 'weight' }]), 'uint8'],
      ['dorefa', (m) => new DoReFaQuantizer(m, [{ opTypes: 'default', quantTypes: 'weight', quantBits: 3 }]), 'uint8'],
      ['bnn', (m) => new BNNQuantizer(m, [{ opTypes: 'default', quantTypes: 'weight' }]), 'uint8'],
      ['qat12', (m) => new QAT_Quantizer(m, [{ opTypes: 'default', quantTypes: 'weight', quantBits: 12 }]), 'uint16'],
      ['pruned', (m) => [new LevelPruner(m, [{ opTypes: 'default', sparsity: 0.75 }]), new QAT_Quantizer(m, [{ opTypes: 'default', quantTypes: 'weight' }])], 'uint8'],
    ];
    const exported = [];
    for (const [name, make, dtype] of cases) {
      const dir = join(root, name);
      const result = await trainedExport(dir, make);
      const manifest = manifestOf(await readFile(join(dir, 'model.json'), 'utf8'));
      assert.equal(manifest.get('c1/kernel')!.quantization!.dtype, dtype, name);
      exported.push({ name, dir, ...result });
    }
    const x = exported[0]!.x;
    const loaded = await loadInFreshProcess(exported.map((e) => e.dir), x);
    for (const [i, e] of exported.entries()) {
      assert.deepEqual(loaded[i]!.weights['c1/kernel'], e.effective['c1/kernel'], e.name);
      assert.deepEqual(loaded[i]!.weights['d1/kernel'], e.effective['d1/kernel'], e.name);
      await assertPredictsAsSquish(loaded[i]!.y, e.compressed, x, childBackend === backend, e.name);
    }
    const bnn = loaded[2]!.weights['c1/kernel']!;
    assert.ok(bnn.every((v) => v === 1 || v === -1));
    const pruned = loaded[4]!.weights['d1/kernel']!;
    assert.equal(pruned.filter((v) => v === 0).length, 144, 'a quarter of 64·3 kept, the rest exactly 0');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('encodeOnGrid refuses a value that is not on the grid', () => {
  assert.throws(() => encodeOnGrid('w', Float32Array.from([0.5, 0.3]), { scale: 0.5, zeroPoint: 1, qmax: 255 }), /w\[1\] = 0\.3.* is not on its quantization grid/);
  assert.deepEqual(Array.from(encodeOnGrid('w', Float32Array.from([0.5, -0.5]), { scale: 0.5, zeroPoint: 1, qmax: 255 }).bytes), [2, 0]);
});

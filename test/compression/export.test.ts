import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { useTestBackend } from '../helpers/backend.js';
import { CompressionWrapper, L1FilterPruner, LevelPruner, loadMasks, type Pruner } from '../../src/compression/index.js';
import { assertPredictsAsSquish, branchyNet, convNet, randomData, values } from './fixtures.js';

const backend = await useTestBackend();
// Stock tfjs finds no WebGPU in Node (Squish's Dawn bring-up is what the child must not import): a
// webgpu export is loaded on wasm, its weights compared bit for bit and its predictions within 1e-5.
const childBackend = backend === 'webgpu' ? 'wasm' : backend;

/**
 * Loads `dir` with stock tfjs in a fresh node process (nothing of Squish imported, no custom class
 * registered), on `childBackend`, and prints its predictions for the inputs in `inputFile` and its
 * weights as loaded.
 */
const CHILD = `
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const [dir, inputFile, backend] = process.argv.slice(1);
if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend(backend);
const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
const model = await tf.loadLayersModel({
  load: async () => tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const bytes = readFileSync(join(dir, manifest[0].paths[0]));
    return [manifest[0].weights, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)];
  }),
});
const input = JSON.parse(readFileSync(inputFile, 'utf8'));
const y = model.predict(tf.tensor(input.values, input.shape));
const weights = Object.fromEntries(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
console.log(JSON.stringify({ classes: model.layers.map((l) => l.getClassName()), y: Array.from(y.dataSync()), weights }));
`;

interface Loaded {
  classes: string[];
  y: number[];
  weights: Record<string, number[]>;
}

async function predictInFreshProcess(dir: string, x: tf.Tensor): Promise<Loaded> {
  const inputFile = join(dir, 'input.json');
  await writeFile(inputFile, JSON.stringify({ values: Array.from(await x.data()), shape: x.shape }));
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CHILD, dir, inputFile, childBackend], {
    cwd: process.cwd(),
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Loaded;
}

/** Every weight the compressed model computes with (mask ⊙ w for wrapped layers), keyed as the stock model names it. */
async function effectiveWeights(compressed: tf.LayersModel): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const layer of compressed.layers) {
    if (!(layer instanceof CompressionWrapper)) {
      for (const v of layer.weights) out[v.originalName] = await values(v.read());
      continue;
    }
    for (const v of layer.inner.weights) {
      const t = layer.effectiveWeight(v.originalName.split('/').pop()!);
      out[v.originalName] = await values(t);
      t.dispose();
    }
  }
  return out;
}

async function exportAndCompare(model: tf.LayersModel, pruner: Pruner, expectedClasses: string[]): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'squish-export-'));
  try {
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
    const compressed = pruner.compress();
    const { x, y } = randomData(model, 8, 41);
    await compressed.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0, callbacks: pruner.callbacks() });
    await pruner.exportModel({ modelPath: join(dir, 'model'), maskPath: join(dir, 'masks.json') });

    assert.doesNotMatch(await readFile(join(dir, 'model', 'model.json'), 'utf8'), /CompressionWrapper|_mask/);
    const child = await predictInFreshProcess(join(dir, 'model'), x);
    assert.deepEqual(child.classes, expectedClasses);
    assert.deepEqual(child.weights, await effectiveWeights(compressed));
    await assertPredictsAsSquish(child.y, compressed, x, childBackend === backend);

    const loaded = await loadMasks(join(dir, 'masks.json'));
    const masks = pruner.getMasks();
    assert.deepEqual(Object.keys(loaded), Object.keys(masks));
    for (const key of Object.keys(masks)) {
      assert.deepEqual(loaded[key].shape, masks[key].shape, key);
      assert.deepEqual(await values(loaded[key]), await values(masks[key]), key);
    }
    tf.dispose([...Object.values(loaded), ...Object.values(masks)]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a filter-pruned Sequential model exports to stock layers that predict the same in a fresh process', async () => {
  const model = convNet();
  await exportAndCompare(model, new L1FilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.5 }]), ['Conv2D', 'BatchNormalization', 'Flatten', 'Dense']);
});

test('a level-pruned functional model exports too', async () => {
  const model = branchyNet();
  await exportAndCompare(model, new LevelPruner(model, [{ opTypes: 'default', sparsity: 0.8 }]), ['InputLayer', 'Conv2D', 'Conv2D', 'Add', 'BatchNormalization', 'Flatten', 'Dense']);
});

test('loadMasks refuses a file that is not a masks file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'squish-masks-'));
  try {
    await writeFile(join(dir, 'm.json'), JSON.stringify({ format: 'other' }));
    await assert.rejects(loadMasks(join(dir, 'm.json')), /is not a Squish masks file/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

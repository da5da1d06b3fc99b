/**
 * Cost of training through masked layers: LeNet-5 dense vs the same model under LevelPruner (80 %,
 * every layer) and under QAT 8-bit weights, one epoch on 2,048 images each, interleaved, median of
 * several runs, JSON on stdout. The goal (issue 3) is a masked step ≤ 10 % dearer than the dense one.
 *   node dist/bench/masked-step.js [--runs N]
 */
import type * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { loadMnist10k } from '../src/data/mnist10k.js';
import { createCompressor } from '../src/compression/registry.js';
import type { Dataset } from '../src/data/dataset.js';
import { buildLenet5 } from '../trials/models.js';
import { fitModel } from '../trials/training.js';

const SAMPLES = 2048;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function epochSeconds(model: tf.LayersModel, data: Dataset, callbacks: tf.CustomCallbackArgs[]): Promise<number> {
  const opts = { epochs: 1, batchSize: 64, learningRate: 1e-3, seed: 0, loss: 'softmax-cross-entropy' as const, callbacks };
  await fitModel(model, { ...data, count: 128, images: data.images.subarray(0, 128 * 784), labels: data.labels.subarray(0, 128) }, opts); // warm-up
  const started = process.cpuUsage();
  await fitModel(model, data, opts);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1e6; // CPU time: the box is shared, wall time is not steady
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
await initBackend('wasm');
const split = await loadMnist10k();
const data: Dataset = { ...split.train, count: SAMPLES, images: split.train.images.subarray(0, SAMPLES * 784), labels: split.train.labels.subarray(0, SAMPLES) };
const variants = {
  dense: (m: tf.LayersModel) => ({ model: m, callbacks: [] as tf.CustomCallbackArgs[] }),
  level80: (m: tf.LayersModel) => {
    const c = createCompressor('level', m, [{ op_types: ['default'], sparsity: 0.8 }]);
    return { model: c.compress(), callbacks: [c.callbacks()] };
  },
  qat8: (m: tf.LayersModel) => {
    const c = createCompressor('qat', m, [{ op_types: ['default'], quant_types: ['weight'], quant_bits: 8 }]);
    return { model: c.compress(), callbacks: [c.callbacks()] };
  },
};
const times: Record<string, number[]> = { dense: [], level80: [], qat8: [] };
for (let run = 0; run < Number(values.runs); run++) {
  for (const [name, make] of Object.entries(variants)) {
    const { model, callbacks } = make(buildLenet5({ seed: run }));
    times[name]!.push(await epochSeconds(model, data, callbacks));
    model.dispose();
  }
}
const dense = median(times.dense!);
process.stdout.write(`${JSON.stringify({
  benchmark: 'masked-step', model: 'lenet5', samples: SAMPLES, runs: Number(values.runs), unit: 'CPU seconds per epoch',
  results: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, { median: +median(v).toFixed(3), runs: v.map((x) => +x.toFixed(3)), overDense: +(median(v) / dense - 1).toFixed(3) }])),
  goal: 'level80.overDense <= 0.10',
}, null, 2)}\n`);

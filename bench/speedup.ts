/**
 * Speedup benchmark, JSON on stdout. For LeNet-5, BigCNN and the ResNet, MobileNet and Concatenate
 * nets: train a little on the built-in data, prune 50 % of every Conv2D's filters (L1, dependency-
 * aware), speed up, check the outputs match, then measure the masked and the sped-up model side by
 * side: parameters, FLOPs, inference samples/s (the 2000 test images in batches of 256, median of the
 * interleaved runs) and test accuracy.
 *   node dist/bench/speedup.js [--runs 5] [--train 2048] [--models lenet,bigcnn,resnet,mobilenet,concat]
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { L1FilterPruner } from '../src/compression/index.js';
import { speedupAndCompare } from '../src/compression/speedup/measure.js';
import type { Dataset } from '../src/data/dataset.js';
import { loadMnist10k } from '../src/data/mnist10k.js';
import { initBackend } from '../src/engine/backend.js';
import { buildBigCnn, buildLenet5 } from '../trials/models.js';
import { buildConcatNet, buildMobileNet, buildResNet } from '../trials/nets.js';
import { evaluateModel, fitModel } from '../trials/training.js';

const BUILDERS: Record<string, (seed: number) => tf.LayersModel> = {
  lenet: (seed) => buildLenet5({ seed }),
  bigcnn: (seed) => buildBigCnn({ seed }),
  resnet: (seed) => buildResNet({ seed }),
  mobilenet: (seed) => buildMobileNet({ seed }),
  concat: (seed) => buildConcatNet({ seed }),
};

/** PyTorch 1.13.1, 1 thread, LeNet-5 with L1 filter 50 % physically removed (shared/benchmarks/peers.md). */
const PYTORCH_LENET = { params: 35_820, samplesPerSec: 33_991 };

function head(data: Dataset, n: number): Dataset {
  const count = Math.min(n, data.count);
  const pixels = data.height * data.width * data.channels;
  return { ...data, count, images: data.images.subarray(0, count * pixels), labels: data.labels.subarray(0, count) };
}

const { values } = parseArgs({ options: {
  runs: { type: 'string', default: '5' },
  train: { type: 'string', default: '2048' },
  models: { type: 'string', default: Object.keys(BUILDERS).join(',') },
} });
const backend = await initBackend('wasm');
const data = await loadMnist10k();
const { test } = data;
const images = tf.tensor4d(test.images, [test.count, test.height, test.width, test.channels]);
const results = [];
for (const name of values.models.split(',')) {
  const model = BUILDERS[name]!(0);
  await fitModel(model, head(data.train, Number(values.train)), { epochs: 1, batchSize: 64, learningRate: 1e-3, seed: 0, loss: 'softmax-cross-entropy' });
  const pruner = new L1FilterPruner(model, [{ opTypes: ['Conv2D'], sparsity: 0.5 }], { dependencyAware: true });
  const compressed = pruner.compress();
  const { model: small, before, after } = await speedupAndCompare(compressed, images, { runs: Number(values.runs) });
  const first = images.slice(0, 256);
  const maxAbsDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(compressed.predict(first) as tf.Tensor, small.predict(first) as tf.Tensor))).dataSync()[0]!);
  first.dispose();
  results.push({
    model: name,
    maxAbsDiff,
    accuracy: { masked: (await evaluateModel(compressed, test, 'softmax-cross-entropy')).accuracy, spedUp: (await evaluateModel(small, test, 'softmax-cross-entropy')).accuracy },
    masked: before,
    spedUp: after,
    inferenceSpeedup: after.samplesPerSec / before.samplesPerSec,
    flopsRatio: before.flops / after.flops,
    ...(name === 'lenet' ? { pytorch: PYTORCH_LENET, ratioToPytorch: after.samplesPerSec / PYTORCH_LENET.samplesPerSec } : {}),
  });
  for (const m of [model, compressed, small]) m.dispose();
}
images.dispose();
console.log(JSON.stringify({ backend, runs: Number(values.runs), trainSamples: Number(values.train), results }, null, 2));

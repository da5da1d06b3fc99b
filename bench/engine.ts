/**
 * Engine throughput: training and inference samples/s of LeNet-5 and BigCNN on every backend this
 * machine can start, median of several runs, as JSON on stdout. Recipe as in shared/benchmarks/peers.md
 * (Adam 1e-3, batch 64, real MNIST images; inference in batches of 256).
 *   node dist/bench/engine.js [--runs N] [--backends wasm,cpu]
 */
import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { initBackend, type ActiveBackend } from '../src/engine/backend.js';
import { loadMnist10k } from '../src/data/mnist10k.js';
import type { Dataset } from '../src/data/dataset.js';
import { buildBigCnn, buildLenet5 } from '../trials/models.js';
import { fitModel } from '../trials/training.js';

/** PyTorch 1.13, one thread, on this machine type (peers.md); the ratios below are against these. */
const PYTORCH_1T = { lenet5: { train: 7139, infer: 19192 }, bigcnn: { train: 1188, infer: 1954 } } as const;
const MODELS = { lenet5: buildLenet5, bigcnn: buildBigCnn } as const;
/** Samples per timed run. The pure-JS cpu backend is ~100× slower, so it gets fewer. */
const SAMPLES: Record<ActiveBackend, { train: Record<keyof typeof MODELS, number>; infer: number }> = {
  wasm: { train: { lenet5: 4096, bigcnn: 1024 }, infer: 2000 },
  tensorflow: { train: { lenet5: 8000, bigcnn: 2048 }, infer: 2000 },
  cpu: { train: { lenet5: 128, bigcnn: 64 }, infer: 256 },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function head(data: Dataset, n: number): Dataset {
  const pixels = data.height * data.width * data.channels;
  return { ...data, count: n, images: data.images.subarray(0, n * pixels), labels: data.labels.subarray(0, n) };
}

async function trainRate(build: (o: { seed: number }) => tf.LayersModel, data: Dataset, run: number): Promise<number> {
  const model = build({ seed: run });
  await fitModel(model, head(data, 128), { epochs: 1, batchSize: 64, learningRate: 1e-3, seed: run, loss: 'softmax-cross-entropy' }); // warm-up: kernels, wasm memory
  const started = performance.now();
  await fitModel(model, data, { epochs: 1, batchSize: 64, learningRate: 1e-3, seed: run, loss: 'softmax-cross-entropy' });
  const rate = data.count / ((performance.now() - started) / 1000);
  model.dispose();
  return rate;
}

function inferRate(model: tf.LayersModel, data: Dataset): number {
  const x = tf.tensor4d(data.images, [data.count, 28, 28, 1]);
  const pass = () => tf.tidy(() => { (model.predict(x, { batchSize: 256 }) as tf.Tensor).dataSync(); });
  pass();
  const started = performance.now();
  pass();
  x.dispose();
  return data.count / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, backends: { type: 'string', default: 'wasm,tensorflow,cpu' } } });
  const runs = Number(values.runs);
  const split = await loadMnist10k();
  const results = [];
  for (const name of values.backends.split(',')) {
    let backend: ActiveBackend;
    try {
      backend = await initBackend(name as ActiveBackend);
    } catch (err) {
      results.push({ backend: name, available: false, reason: (err as Error).message.split('\n')[0] });
      continue;
    }
    for (const [modelName, build] of Object.entries(MODELS) as Array<[keyof typeof MODELS, (o: { seed: number }) => tf.LayersModel]>) {
      const train: number[] = [];
      const infer: number[] = [];
      for (let run = 0; run < runs; run++) {
        train.push(await trainRate(build, head(split.train, SAMPLES[backend].train[modelName]), run));
        const model = build({ seed: run });
        infer.push(inferRate(model, head(split.test, SAMPLES[backend].infer)));
        model.dispose();
      }
      const ref = PYTORCH_1T[modelName];
      results.push({
        backend, available: true, model: modelName,
        train_samples_per_s: { median: Math.round(median(train)), runs: train.map(Math.round) },
        infer_samples_per_s: { median: Math.round(median(infer)), runs: infer.map(Math.round) },
        ratio_to_pytorch_1thread: { train: +(median(train) / ref.train).toFixed(3), infer: +(median(infer) / ref.infer).toFixed(3) },
      });
      process.stderr.write(`${backend} ${modelName}: train ${Math.round(median(train))}/s, infer ${Math.round(median(infer))}/s\n`);
    }
  }
  const require = createRequire(import.meta.url);
  const version = (pkg: string) => (require(`${pkg}/package.json`) as { version: string }).version;
  process.stdout.write(`${JSON.stringify({
    benchmark: 'engine',
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}`, wasmThreads: 1 },
    versions: { tfjs: version('@tensorflow/tfjs'), tfjsBackendWasm: version('@tensorflow/tfjs-backend-wasm') },
    runs,
    pytorch_reference: { source: 'shared/benchmarks/peers.md, PyTorch 1.13.1, 1 thread, same machine type', ...PYTORCH_1T },
    results,
  }, null, 2)}\n`);
}

await main();

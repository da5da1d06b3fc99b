/**
 * The built-in trial runner, executed inside pool workers: dense baseline once, then per trial
 * compress → fine-tune (with the algorithms' hooks and a per-epoch evaluation for early stopping) →
 * evaluate → export → measure. A plan with pruning and quantization wraps each layer once for both
 * (`Compressor.compressTogether`), so one fine-tune trains the masks and the quantization together, and
 * the export stores the quantized weights as uint8/uint16 with the masks baked in. The backend, data and
 * trial definition load once per worker.
 */
import * as tf from '@tensorflow/tfjs';
import { createAdam } from '../engine/adam.js';
import { initBackend } from '../engine/backend.js';
import { useWinograd } from '../engine/wasm/winograd.js';
import { withStockInference } from '../engine/wasm/conv2d.js';
import { loadModel, saveModel } from '../engine/model-io.js';
import { Compressor } from '../compression/compressor.js';
import { Distiller } from '../compression/distillation.js';
import { MetricPruner } from '../compression/pruner.js';
import { speedup } from '../compression/speedup/speedup.js';
import { saveQuantizedModel, type WeightGrid } from '../compression/quantization/export.js';
import type { DataSplit } from '../data/dataset.js';
import type { TrialDefinition } from '../../trials/definition.js';
import { getBaseModel } from '../../trials/base-model.js';
import { resolveTrialDefinition } from '../../trials/registry.js';
import { evaluateModel, fitModel, toTensors } from '../../trials/training.js';
import { createPruner, createQuantizer } from './algorithms.js';
import { directoryBytes, kernelWeights, latencyMs, modelStats } from './model-stats.js';
import type { BaselineResult, BaselineTask, SensitivityTask, TrialEnvironment, TrialReporter, TrialResult, TrialTask } from './protocol.js';
import { analyzeSensitivity as analyzeModel } from './sensitivity.js';
import type { SensitivityTable } from './sensitivity-table.js';
import type { Metrics } from './store/store.js';

/** Latency is measured on one batch of this many test images. */
const LATENCY_BATCH = 256;

let backend: Promise<string> | undefined;
const loaded = new Map<string, Promise<{ def: TrialDefinition; data: DataSplit }>>();

async function setup(env: TrialEnvironment): Promise<{ def: TrialDefinition; data: DataSplit }> {
  backend ??= initBackend(env.backend);
  await backend;
  useWinograd(env.winograd !== false);
  const key = JSON.stringify([env.trial, env.model]);
  let entry = loaded.get(key);
  if (entry === undefined) {
    entry = (async () => {
      const model = env.model && { modelDir: env.model.dir, train: { images: env.model.trainImages, labels: env.model.trainLabels }, test: { images: env.model.testImages, labels: env.model.testLabels }, loss: env.model.loss, batchSize: env.model.batchSize, learningRate: env.model.learningRate };
      const def = resolveTrialDefinition(env.trial, model);
      return { def, data: await def.loadData() };
    })();
    loaded.set(key, entry);
  }
  return entry;
}

/**
 * Size, parameters, FLOPs and latency of an exported model directory, measured on the model read back.
 * Latency is the deployed model's: on wasm, predictions run on stock XNNPACK convolutions, as in the
 * user's tfjs, not on Squish's faster kernels. Sparsity is over the dense model's kernel weights, so
 * the channels a sped-up export removed count as pruned.
 */
async function exportedMetrics(dir: string, data: DataSplit, denseKernelWeights?: number): Promise<Metrics & { gzipBytes: number }> {
  const model = await loadModel(dir);
  const { test } = data;
  const n = Math.min(LATENCY_BATCH, test.count);
  const batch = tf.tensor4d(test.images.subarray(0, n * test.height * test.width * test.channels), [n, test.height, test.width, test.channels]);
  try {
    return { ...directoryBytes(dir), ...(await modelStats(model, denseKernelWeights)), latencyMs: await withStockInference(() => latencyMs(model, batch)) };
  } finally {
    batch.dispose();
    model.dispose();
  }
}

/**
 * Saves the compressed model with its pruned channels removed: smaller and faster for real. With a
 * quantizer's weight grids, its weights are stored on them as the quantizer's own export does (the
 * sped-up model keeps the quantized values of the channels that remain).
 */
async function saveSpedUp(compressed: tf.LayersModel, dir: string, grids?: ReadonlyMap<string, WeightGrid>): Promise<void> {
  const small = await speedup(compressed);
  try {
    await (grids === undefined ? saveModel(small, dir) : saveQuantizedModel(small, dir, grids));
  } finally {
    small.dispose();
  }
}

export async function prepareBaseline(task: BaselineTask): Promise<BaselineResult> {
  const { def, data } = await setup(task.env);
  const base = await getBaseModel(def, data, { seed: task.env.seed });
  const evaluation = await evaluateModel(base.model, data.test, def.loss);
  await saveModel(base.model, task.artifactDir);
  base.model.dispose();
  return { baseModelDir: base.dir, metrics: { ...evaluation, ...(await exportedMetrics(task.artifactDir, data)) } };
}

export async function analyzeSensitivity(task: SensitivityTask): Promise<SensitivityTable> {
  const { def, data } = await setup(task.env);
  const base = await loadModel(task.baseModelDir);
  try {
    return await analyzeModel(base, data.test, def.loss, task.layers);
  } finally {
    base.dispose();
  }
}

export async function runTrial(task: TrialTask, reporter: TrialReporter): Promise<TrialResult> {
  const started = performance.now();
  const { def, data } = await setup(task.env);
  const base = await loadModel(task.baseModelDir);
  const { pruning, quantization } = task.plan;
  // Sped-up exports prune coupled channels together (dependency-aware), so that they can be removed.
  const pruner = pruning && createPruner(pruning.algorithm, base, pruning.configList, { dependencyAware: task.env.speedup === true });
  const quantizer = quantization && createQuantizer(quantization.algorithm, base, quantization.configList);
  const compressors = [pruner, quantizer].filter((c): c is NonNullable<typeof c> => c !== undefined);
  const model = compressors.length > 0 ? Compressor.compressTogether(compressors) : base;
  let stopped = false;
  try {
    /** Evaluates after an epoch and reports it; false when the orchestrator stops the trial. */
    const goOn = async (epoch: number) => {
      stopped = !reporter.epoch(epoch, { ...(await evaluateModel(model, data.test, def.loss)) });
      return !stopped;
    };
    if (task.env.epochs > 0 && task.env.distill) {
      // The uncompressed base model is the teacher: compress() worked on a copy.
      const { xs, ys } = toTensors(data.train);
      try {
        await new Distiller(base).fit(model, xs, ys, {
          epochs: task.env.epochs, batchSize: def.training.batchSize, seed: task.env.seed,
          optimizer: createAdam(def.training.learningRate), compressors, onEpochEnd: goOn,
        });
      } finally {
        tf.dispose([xs, ys]);
      }
    } else if (task.env.epochs > 0) {
      const evaluateEpoch: tf.CustomCallbackArgs = {
        onEpochEnd: async (epoch) => {
          if (!(await goOn(epoch))) model.stopTraining = true;
        },
      };
      await fitModel(model, data.train, { ...def.training, epochs: task.env.epochs, seed: task.env.seed, loss: def.loss, callbacks: [...compressors.map((c) => c.callbacks()), evaluateEpoch] });
    }
    const evaluation = await evaluateModel(model, data.test, def.loss);
    const speedsUp = task.env.speedup === true && pruner instanceof MetricPruner && pruner.prunesChannels;
    if (speedsUp) await saveSpedUp(model, task.artifactDir, quantizer && (await quantizer.weightGrids()));
    // The quantizer's export bakes in the pruner's masks too.
    else if (quantizer) await quantizer.exportModel({ modelPath: task.artifactDir });
    else if (pruner) await pruner.exportModel({ modelPath: task.artifactDir });
    else await saveModel(model, task.artifactDir);
    const exported = await exportedMetrics(task.artifactDir, data, kernelWeights(base));
    return {
      state: stopped ? 'early-stopped' : 'complete',
      metrics: { ...evaluation, ...exported, wallSeconds: (performance.now() - started) / 1000 },
      artifacts: [{ kind: 'model', path: task.artifactDir, bytes: exported.bytes! }],
    };
  } finally {
    for (const c of compressors) c.dispose();
    model.dispose();
    if (model !== base) base.dispose();
  }
}

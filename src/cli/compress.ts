/**
 * `squish compress <trial | model dir> --algorithm NAME --config FILE --out DIR`: one compression run
 * without a search. Applies a config list with any pruner or quantizer to the dense model, fine-tunes
 * with the algorithm's hooks (optionally distilling from the dense model), evaluates, exports and
 * measures what was gained.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { algorithmNames, createCompressor } from '../compression/registry.js';
import { Quantizer } from '../compression/quantization/quantizer.js';
import { Distiller } from '../compression/distillation.js';
import { MetricPruner } from '../compression/pruner.js';
import { speedupAndCompare } from '../compression/speedup/measure.js';
import { layerSetting } from '../compression/settings.js';
import { shortWeightName } from '../compression/wrapper.js';
import { createAdam } from '../engine/adam.js';
import { initBackend, resolveBackendName } from '../engine/backend.js';
import { loadModel, saveModel } from '../engine/model-io.js';
import { InputError } from '../errors.js';
import { directoryBytes, kernelWeights, modelStats } from '../experiment/model-stats.js';
import type { Dataset } from '../data/dataset.js';
import { getBaseModel } from '../../trials/base-model.js';
import { evaluateModel, fitModel, toTensors } from '../../trials/training.js';
import { intFlag, positiveFlag, type Command } from './command.js';
import { trainingProgress } from './progress.js';
import { resolveTrial, USER_TRIAL_OPTIONS, userTrialFlags } from './trial-args.js';

const schema = z.object({
  _: z.array(z.string()).length(1, 'must name one trial (e.g. mnist-lenet) or a model directory'),
  algorithm: z.string({ error: 'is required: a pruner or quantizer name' }),
  config: z.string({ error: 'is required: a JSON file holding the config list' }),
  out: z.string({ error: 'is required: the directory to export to' }),
  epochs: intFlag(0),
  seed: intFlag(0),
  batchSize: intFlag(1),
  lr: positiveFlag(),
  distill: z.boolean().optional(),
  backend: z.string().optional(),
  json: z.boolean().optional(),
  speedup: z.boolean().optional(),
  ...userTrialFlags,
});

/** The config list in a JSON file: an array of dicts, or `{"configList": [...]}`. */
function readConfigList(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`--config: cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InputError(`--config: ${file} is not JSON: ${(err as Error).message}`);
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'configList' in parsed ? parsed.configList : parsed;
}

/** The target weights (kernels) of a compressible layer. */
function targetWeights(layer: tf.layers.Layer): tf.LayerVariable[] {
  const targets = new Set(layerSetting(layer.getClassName())?.weights ?? []);
  return layer.weights.filter((v) => targets.has(shortWeightName(v)));
}

/**
 * Pruned fraction of each compressible layer's target weights in a (stock) model: its zeros, and the
 * weights a sped-up model no longer has, against the dense model's layer.
 */
async function layerSparsity(model: tf.LayersModel, dense: tf.LayersModel, layers: readonly string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of layers) {
    let nonzero = 0;
    for (const w of targetWeights(model.getLayer(name))) {
      for (const v of await w.read().data()) if (v !== 0) nonzero++;
    }
    const size = targetWeights(dense.getLayer(name)).reduce((n, w) => n + tf.util.sizeFromShape(w.shape as number[]), 0);
    out[name] = size === 0 ? 0 : (size - nonzero) / size;
  }
  return out;
}

/** Replaces the masked export with the sped-up model; params, FLOPs and test-set samples/s of both. */
async function exportSpedUp(compressed: tf.LayersModel, test: Dataset, modelDir: string) {
  const { xs, ys } = toTensors(test);
  try {
    const { model, before, after } = await speedupAndCompare(compressed, xs);
    await saveModel(model, modelDir);
    model.dispose();
    const pair = (key: 'params' | 'flops' | 'samplesPerSec') => ({ before: before[key], after: after[key] });
    return { params: pair('params'), flops: pair('flops'), samplesPerSec: pair('samplesPerSec'), inferenceSpeedup: after.samplesPerSec / before.samplesPerSec };
  } finally {
    tf.dispose([xs, ys]);
  }
}

export const compressCommand: Command<z.output<typeof schema>> = {
  name: 'compress',
  summary: 'compress a model with one pruner or quantizer, fine-tune, evaluate, export',
  help: `Usage: squish compress <trial | model dir> --algorithm NAME --config FILE --out DIR [options]

Applies a config list (JSON: an array of dicts, NNI's snake_case keys accepted) to the trial's trained
dense model, fine-tunes it with the algorithm's hooks, evaluates it, and exports it as a TF.js model
directory (DIR/model; quantized weights stored as uint8/uint16) with DIR/masks.json (pruners) or
DIR/calibration.json (quantizers).
Algorithms: ${algorithmNames().join(', ')}.
<trial> is mnist-lenet, mnist-cnn or your own model directory with --train-images, --train-labels,
--test-images, --test-labels and --loss (see squish train --help).

Options:
  --algorithm NAME  the pruner or quantizer
  --config FILE     the config list, e.g. [{"op_types": ["default"], "sparsity": 0.8}]
  --out DIR         where to export
  --epochs N        fine-tuning epochs (default 1; 0 compresses without fine-tuning)
  --distill         fine-tune against the dense model's logits (α = 1, β = 0.8, T = 5)
  --seed N          seed of the base model and the shuffles (default 0)
  --batch-size N    batch size (default the trial's, 64)
  --lr X            Adam learning rate (default the trial's, 0.001)
  --backend NAME    auto | wasm | webgpu | tensorflow | cpu (default: $SQUISH_BACKEND or auto)
                    (on wasm, stride-1 3×3 and 5×5 convolutions train and predict by Winograd;
                    SQUISH_WINOGRAD=0: directly; SQUISH_STOCK_INFERENCE=1: predict on stock XNNPACK)
  --speedup         remove the pruned channels (channel pruners, dependency-aware) and export the
                    smaller model; reports parameters, FLOPs and inference samples/s before and after
  --json            print accuracy before/after, sparsity, sizes and paths as JSON on stdout
  -h, --help        show this help`,
  options: {
    algorithm: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
    epochs: { type: 'string' },
    distill: { type: 'boolean' },
    seed: { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
    speedup: { type: 'boolean' },
    ...USER_TRIAL_OPTIONS,
  },
  schema,
  async run(args, io) {
    const trial = resolveTrial(args._[0]!, args);
    const configList = readConfigList(args.config);
    if (args.distill && trial.loss !== 'softmax-cross-entropy') {
      throw new InputError('--distill needs a model that outputs logits (loss softmax-cross-entropy)');
    }
    const backend = await initBackend(resolveBackendName(args.backend));
    const seed = args.seed ?? 0;
    const epochs = args.epochs ?? 1;
    const batchSize = args.batchSize ?? trial.training.batchSize;
    const learningRate = args.lr ?? trial.training.learningRate;
    // Check the config list against the architecture before the base model is (perhaps) trained.
    const architecture = await trial.buildModel(seed);
    const options = { dependencyAware: args.speedup === true };
    try {
      const probe = createCompressor(args.algorithm, architecture, configList, options);
      probe.dispose();
      if (args.speedup && !(probe instanceof MetricPruner && probe.prunesChannels)) {
        throw new InputError(`--speedup needs a pruner that removes whole channels (a filter pruner or slim), but got '${args.algorithm}'`);
      }
    } finally {
      architecture.dispose();
    }
    const data = await trial.loadData();
    const base = await getBaseModel(trial, data, { seed });
    const compressor = createCompressor(args.algorithm, base.model, configList, options);
    const before = await evaluateModel(base.model, data.test, trial.loss);
    const compressed = compressor.compress();
    const progress = trainingProgress({ epochs, samples: data.train.count, batchSize, io });
    const started = performance.now();
    if (epochs > 0 && args.distill) {
      const { xs, ys } = toTensors(data.train);
      try {
        await new Distiller(base.model).fit(compressed, xs, ys, {
          epochs, batchSize, seed, optimizer: createAdam(learningRate), compressors: [compressor],
          onEpochEnd: (epoch, loss) => void io.stderr.write(`epoch ${epoch + 1}/${epochs} distillation loss ${loss.toFixed(4)}\n`),
        });
      } finally {
        tf.dispose([xs, ys]);
      }
    } else if (epochs > 0) {
      await fitModel(compressed, data.train, { epochs, batchSize, learningRate, seed, loss: trial.loss, callbacks: [compressor.callbacks(), progress.callback] });
    }
    const trainSeconds = (performance.now() - started) / 1000;
    const after = await evaluateModel(compressed, data.test, trial.loss);

    const modelDir = join(args.out, 'model');
    const extra = compressor instanceof Quantizer ? { calibration: join(args.out, 'calibration.json') } : { masks: join(args.out, 'masks.json') };
    if (compressor instanceof Quantizer) await compressor.exportModel({ modelPath: modelDir, calibrationPath: extra.calibration });
    else await compressor.exportModel({ modelPath: modelDir, maskPath: extra.masks });
    const sped = args.speedup ? await exportSpedUp(compressed, data.test, modelDir) : undefined;
    // Measured on the export as a browser would load it.
    const exported = await loadModel(modelDir);
    const reloaded = await evaluateModel(exported, data.test, trial.loss);
    const layers = compressor.selected.map((r) => r.layer.name);
    const sparsity = { overall: (await modelStats(exported, kernelWeights(base.model))).sparsity, layers: await layerSparsity(exported, base.model, layers) };
    exported.dispose();
    compressed.dispose();
    compressor.dispose();
    base.model.dispose();
    const dense = directoryBytes(base.dir), size = directoryBytes(modelDir);
    const result = {
      trial: trial.name, algorithm: args.algorithm, backend, seed, epochs, distill: args.distill === true,
      accuracy: { before: before.accuracy, after: after.accuracy, exported: reloaded.accuracy },
      loss: { before: before.loss, after: after.loss },
      sparsity,
      size: { dense, compressed: size, ratio: dense.bytes / size.bytes, gzipRatio: dense.gzipBytes / size.gzipBytes },
      ...(sped !== undefined ? { speedup: sped } : {}),
      trainSeconds,
      paths: { model: modelDir, ...extra },
    };
    if (args.json) {
      io.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
      io.stdout.write(`${trial.name} with ${args.algorithm}: accuracy ${before.accuracy.toFixed(4)} → ${after.accuracy.toFixed(4)} ` +
        `(exported ${reloaded.accuracy.toFixed(4)}), sparsity ${(sparsity.overall * 100).toFixed(1)} %, ` +
        `size ${kb(dense.bytes)} → ${kb(size.bytes)}, gzipped ${kb(dense.gzipBytes)} → ${kb(size.gzipBytes)} (${result.size.gzipRatio.toFixed(2)}× smaller); ` +
        (sped !== undefined ? `sped up: ${sped.params.before} → ${sped.params.after} params, ${sped.samplesPerSec.before.toFixed(0)} → ${sped.samplesPerSec.after.toFixed(0)} samples/s; ` : '') +
        `exported to ${modelDir}\n`);
    }
    return 0;
  },
};

/**
 * Sensitivity analysis of a trained model (NNI's SensitivityAnalysis): each layer alone is pruned by
 * weight magnitude to each of a few sparsities and the model is evaluated without fine-tuning, on the
 * first test samples. It runs once per search, in a worker, and costs a few dozen evaluations; the
 * search reads the table (`sensitivity-table.ts`) to warm-start and to repair candidates.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import type { LossName } from '../../trials/definition.js';
import { evaluateModel } from '../../trials/training.js';
import { kernelSizes } from './model-stats.js';
import type { SensitivityPoint, SensitivityTable } from './sensitivity-table.js';

/** Where the costs are measured; between them they are interpolated. Dense enough near 1, where they rise. */
export const SENSITIVITY_SPARSITIES: readonly number[] = [0.5, 0.7, 0.8, 0.9, 0.95, 0.99];
/** Test samples per evaluation: enough to rank layers by loss, at a fraction of a full evaluation. */
export const SENSITIVITY_SAMPLES = 500;

function firstSamples(data: Dataset, n: number): Dataset {
  const count = Math.min(n, data.count);
  const pixels = data.height * data.width * data.channels;
  return { ...data, count, images: data.images.subarray(0, count * pixels), labels: data.labels.subarray(0, count) };
}

/** Analyses `layers` of `model` (left unchanged). */
export async function analyzeSensitivity(model: tf.LayersModel, test: Dataset, loss: LossName, layers: readonly string[]): Promise<SensitivityTable> {
  const data = firstSamples(test, SENSITIVITY_SAMPLES);
  const base = await evaluateModel(model, data, loss);
  const table: Record<string, SensitivityPoint[]> = {};
  // A name that is no layer fails its trials with a clear error; here it is only left out.
  for (const name of layers.filter((n) => model.layers.some((l) => l.name === n))) {
    const layer = model.getLayer(name);
    // Copies: getWeights returns the variables' current tensors, which setWeights overwrites.
    const original = layer.getWeights().map((w) => w.clone());
    try {
      const kernel = (await original[0]!.data()) as Float32Array;
      const order = Array.from(kernel.keys()).sort((a, b) => Math.abs(kernel[a]!) - Math.abs(kernel[b]!));
      const points: SensitivityPoint[] = [];
      for (const sparsity of SENSITIVITY_SPARSITIES) {
        const pruned = Float32Array.from(kernel);
        // ⌊n·s⌋ smallest magnitudes, as the level pruner counts them.
        for (let i = 0; i < Math.floor(kernel.length * sparsity); i++) pruned[order[i]!] = 0;
        const masked = tf.tensor(pruned, original[0]!.shape);
        layer.setWeights([masked, ...original.slice(1)]);
        masked.dispose();
        points.push({ sparsity, ...(await evaluateModel(model, data, loss)) });
      }
      table[name] = points;
    } finally {
      layer.setWeights(original);
      tf.dispose(original);
    }
  }
  return { samples: data.count, base, kernels: kernelSizes(model), layers: table };
}

/**
 * Before/after figures of a speedup: parameters, FLOPs and inference throughput, measured side by side
 * (the runs of the models interleave, so a noisy shared machine slows them alike).
 */
import * as tf from '@tensorflow/tfjs';
import { modelStats } from '../../experiment/model-stats.js';
import { unwrapModel } from '../model.js';
import { speedup } from './speedup.js';

export interface ModelFigures {
  readonly params: number;
  /** Per sample, multiply-adds × 2 of the conv and dense layers. */
  readonly flops: number;
  /** Median over the runs of one pass over the images, in batches. */
  readonly samplesPerSec: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/** Samples per second of one pass of `model` over `images` in batches of `batchSize`. */
async function throughput(model: tf.LayersModel, images: tf.Tensor, batchSize: number): Promise<number> {
  const n = images.shape[0]!;
  const t0 = performance.now();
  for (let start = 0; start < n; start += batchSize) {
    const y = tf.tidy(() => model.predict(images.slice(start, Math.min(batchSize, n - start))) as tf.Tensor);
    await y.data();
    y.dispose();
  }
  return n / ((performance.now() - t0) / 1000);
}

/** Figures for each model: one warm-up pass each, then `runs` interleaved passes over `images`. */
export async function compareModels(models: readonly tf.LayersModel[], images: tf.Tensor, { runs = 5, batchSize = 256 } = {}): Promise<ModelFigures[]> {
  for (const m of models) await throughput(m, images, batchSize); // the first pass compiles kernels
  const rates: number[][] = models.map(() => []);
  for (let r = 0; r < runs; r++) for (const [i, m] of models.entries()) rates[i]!.push(await throughput(m, images, batchSize));
  return Promise.all(models.map(async (m, i) => {
    const { params, flops } = await modelStats(m);
    return { params, flops, samplesPerSec: median(rates[i]!) };
  }));
}

export interface SpeedupComparison {
  /** The sped-up model; the caller owns it. */
  readonly model: tf.LayersModel;
  readonly before: ModelFigures;
  readonly after: ModelFigures;
}

/** Speeds up a pruner's compressed model and measures the masked and the smaller model side by side. */
export async function speedupAndCompare(compressed: tf.LayersModel, images: tf.Tensor, options: { runs?: number; batchSize?: number } = {}): Promise<SpeedupComparison> {
  const masked = unwrapModel(compressed);
  try {
    const model = await speedup(compressed);
    const [before, after] = await compareModels([masked, model], images, options);
    return { model, before: before!, after: after! };
  } finally {
    masked.dispose();
  }
}

/**
 * The trained dense base model of a trial definition, cached on disk so that a search trains it
 * once. The key covers the definition, seed and training settings, not the backend: a model trained
 * on wasm serves a run on tensorflow too.
 */
import type * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveCacheRoot } from '../src/cache-root.js';
import { loadModel, MODEL_JSON, saveModel } from '../src/engine/model-io.js';
import type { DataSplit } from '../src/data/dataset.js';
import type { TrialDefinition } from './definition.js';
import { fitModel } from './training.js';

export interface BaseModelOptions {
  readonly seed: number;
  /** Training epochs. Defaults to the definition's. */
  readonly epochs?: number;
  /** Directory of the model cache. Defaults to `<cache root>/models`. */
  readonly cacheDir?: string;
  /** Callbacks while training (progress display); unused on a cache hit. */
  readonly callbacks?: tf.CustomCallbackArgs[];
}

export interface BaseModel {
  readonly model: tf.LayersModel;
  /** Where the trained model is cached. */
  readonly dir: string;
  /** False when it came from the cache. */
  readonly trained: boolean;
}

export function baseModelDir(def: TrialDefinition, opts: BaseModelOptions): string {
  const epochs = opts.epochs ?? def.training.epochs;
  const key = JSON.stringify({ def: def.cacheKey, seed: opts.seed, epochs, batchSize: def.training.batchSize, learningRate: def.training.learningRate });
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return join(opts.cacheDir ?? join(resolveCacheRoot(), 'models'), `${def.name.replace(/[^\w.-]+/g, '_')}-${hash}`);
}

/** Loads the cached base model, or builds, trains and caches it. */
export async function getBaseModel(def: TrialDefinition, data: DataSplit, opts: BaseModelOptions): Promise<BaseModel> {
  const dir = baseModelDir(def, opts);
  if (existsSync(join(dir, MODEL_JSON))) return { model: await loadModel(dir), dir, trained: false };
  const model = await def.buildModel(opts.seed);
  const epochs = opts.epochs ?? def.training.epochs;
  if (epochs > 0) {
    await fitModel(model, data.train, { ...def.training, epochs, seed: opts.seed, loss: def.loss, callbacks: opts.callbacks });
  }
  // Write beside, then rename: concurrent workers either see a complete model or none.
  const tmp = `${dir}.${process.pid}.tmp`;
  await saveModel(model, tmp);
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process cached it first; theirs is as good
  }
  return { model, dir, trained: true };
}

/**
 * A user's own trial: a TF.js LayersModel directory (`model.json` + weights, already trained) with
 * IDX data for training and test. The model is the dense base as it is, so its training epochs are 0.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadIdxDataset, type IdxDatasetFiles } from '../src/data/idx.js';
import { loadModel, MODEL_JSON } from '../src/engine/model-io.js';
import { InputError } from '../src/errors.js';
import type { LossName, TrialDefinition } from './definition.js';

export interface UserModelOptions {
  /** Directory holding `model.json` and its weight files. */
  readonly modelDir: string;
  readonly train: IdxDatasetFiles;
  readonly test: IdxDatasetFiles;
  readonly loss: LossName;
  /** Fine-tuning batch size. Defaults to 64. */
  readonly batchSize?: number;
  /** Fine-tuning learning rate (Adam). Defaults to 1e-3. */
  readonly learningRate?: number;
}

export function userModelTrial(opts: UserModelOptions): TrialDefinition {
  let modelJson: string;
  try {
    modelJson = readFileSync(join(opts.modelDir, MODEL_JSON), 'utf8');
  } catch {
    throw new InputError(`model directory ${opts.modelDir} has no readable ${MODEL_JSON}`);
  }
  return {
    name: `model:${opts.modelDir}`,
    description: `user model ${opts.modelDir}`,
    loss: opts.loss,
    training: { epochs: 0, batchSize: opts.batchSize ?? 64, learningRate: opts.learningRate ?? 1e-3 },
    cacheKey: createHash('sha256').update(modelJson).digest('hex').slice(0, 16),
    async loadData() {
      const [train, test] = await Promise.all([loadIdxDataset(opts.train), loadIdxDataset(opts.test)]);
      return { train, test };
    },
    buildModel: () => loadModel(opts.modelDir),
  };
}

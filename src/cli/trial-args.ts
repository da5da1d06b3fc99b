/** The `<trial>` argument shared by commands: a built-in trial name, or a model directory plus IDX data flags. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { MODEL_JSON } from '../engine/model-io.js';
import { LOSSES, type TrialDefinition } from '../../trials/definition.js';
import { getTrial } from '../../trials/registry.js';
import { userModelTrial } from '../../trials/user-model.js';

export const USER_TRIAL_OPTIONS = {
  'train-images': { type: 'string' },
  'train-labels': { type: 'string' },
  'test-images': { type: 'string' },
  'test-labels': { type: 'string' },
  loss: { type: 'string' },
} as const;

export const userTrialFlags = {
  trainImages: z.string().optional(),
  trainLabels: z.string().optional(),
  testImages: z.string().optional(),
  testLabels: z.string().optional(),
  loss: z.enum(LOSSES, { error: (issue) => `must be one of ${LOSSES.join(', ')}, but got '${String(issue.input)}'` }).optional(),
};

type UserTrialFlags = { [K in keyof typeof userTrialFlags]?: z.output<(typeof userTrialFlags)[K]> };

export function resolveTrial(arg: string, flags: UserTrialFlags): TrialDefinition {
  const isModelDir = existsSync(arg) && statSync(arg).isDirectory();
  if (!isModelDir) return getTrial(arg);
  if (!existsSync(join(arg, MODEL_JSON))) throw new InputError(`${arg} is a directory without ${MODEL_JSON}: not a TF.js model`);
  const missing = (['trainImages', 'trainLabels', 'testImages', 'testLabels', 'loss'] as const).filter((k) => flags[k] === undefined);
  if (missing.length > 0) {
    const names = missing.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new InputError(`a model directory needs its data and loss: missing ${names.join(', ')}`);
  }
  return userModelTrial({
    modelDir: arg,
    train: { images: flags.trainImages!, labels: flags.trainLabels! },
    test: { images: flags.testImages!, labels: flags.testLabels! },
    loss: flags.loss!,
  });
}

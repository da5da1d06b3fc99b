/** The built-in trial definitions, by name. */
import { InputError } from '../src/errors.js';
import type { TrialDefinition } from './definition.js';
import { mnistCnn, mnistLenet } from './mnist.js';
import { mnistConcatNet, mnistMobileNet, mnistResNet } from './mnist-nets.js';
import { userModelTrial, type UserModelOptions } from './user-model.js';

export const BUILTIN_TRIALS: ReadonlyMap<string, TrialDefinition> = new Map([mnistLenet, mnistCnn, mnistResNet, mnistMobileNet, mnistConcatNet].map((t) => [t.name, t]));

export function getTrial(name: string): TrialDefinition {
  const trial = BUILTIN_TRIALS.get(name);
  if (trial === undefined) {
    throw new InputError(`trial must be one of ${[...BUILTIN_TRIALS.keys()].join(', ')}, but got '${name}'`);
  }
  return trial;
}

/** A built-in trial by name, or the user's model when `model` is given. */
export function resolveTrialDefinition(name: string, model?: UserModelOptions): TrialDefinition {
  return model === undefined ? getTrial(name) : userModelTrial(model);
}

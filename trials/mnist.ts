/** The built-in trials: LeNet-5 and BigCNN on the built-in 8000/2000 MNIST split (peers.md recipe). */
import type * as tf from '@tensorflow/tfjs';
import { loadMnist10k } from '../src/data/mnist10k.js';
import type { TrialDefinition } from './definition.js';
import { buildBigCnn, buildLenet5 } from './models.js';

const RECIPE = { batchSize: 64, learningRate: 1e-3 } as const;

export function mnistTrial(name: string, description: string, epochs: number, build: (seed: number) => tf.LayersModel): TrialDefinition {
  return {
    name,
    description,
    loss: 'softmax-cross-entropy',
    training: { ...RECIPE, epochs },
    // Bump the version when the architecture or the split changes, so stale cached models are not reused.
    cacheKey: `${name}@1`,
    loadData: () => loadMnist10k(),
    buildModel: async (seed) => build(seed),
  };
}

export const mnistLenet = mnistTrial('mnist-lenet', 'LeNet-5 (61,706 params) on the built-in MNIST split', 3, (seed) => buildLenet5({ seed }));
export const mnistCnn = mnistTrial('mnist-cnn', 'BigCNN (454,922 params) on the built-in MNIST split', 1, (seed) => buildBigCnn({ seed }));

/**
 * A trial definition bundles what one compression trial needs: data, a model builder, fine-tuning
 * with the hooks compression algorithms use (`step()` per batch, `updateEpoch()` per epoch), and
 * evaluation. The built-in ones are in `mnist.ts`; users bring theirs through `user-model.ts`.
 */
import type * as tf from '@tensorflow/tfjs';
import type { DataSplit } from '../src/data/dataset.js';

export const LOSSES = ['softmax-cross-entropy', 'categorical-crossentropy'] as const;
/** `softmax-cross-entropy` for models that output logits, `categorical-crossentropy` for softmax outputs. */
export type LossName = (typeof LOSSES)[number];

export interface TrainingOptions {
  /** Passes over the training data. */
  readonly epochs: number;
  readonly batchSize: number;
  /** Adam's learning rate. */
  readonly learningRate: number;
  /** Seeds the per-epoch shuffles. */
  readonly seed: number;
}

export interface TrialDefinition {
  /** The name users type: `squish train <name>`. */
  readonly name: string;
  readonly description: string;
  readonly loss: LossName;
  /** Training settings of the dense base model; fine-tuning reuses batch size and learning rate. */
  readonly training: Omit<TrainingOptions, 'seed'>;
  /** A key that changes whenever the data or the architecture does, for the base-model cache. */
  readonly cacheKey: string;
  loadData(): Promise<DataSplit>;
  /** A fresh, untrained model; the seed fixes its initial weights. */
  buildModel(seed: number): Promise<tf.LayersModel>;
}

export interface Evaluation {
  readonly accuracy: number;
  readonly loss: number;
}

/**
 * Training and evaluation shared by every trial definition. Each epoch is shuffled with a seeded
 * permutation (tfjs's own `shuffle` uses Math.random), so a seed reproduces a run exactly.
 */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../src/data/dataset.js';
import { epochPermutation } from '../src/data/random.js';
import { createAdam } from '../src/engine/adam.js';
import type { Evaluation, LossName, TrainingOptions } from './definition.js';

const EVAL_BATCH = 256;

export function lossFunction(loss: LossName): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  switch (loss) {
    case 'softmax-cross-entropy':
      return (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred);
    case 'categorical-crossentropy':
      return (yTrue, yPred) => tf.metrics.categoricalCrossentropy(yTrue, yPred).mean();
  }
}

/** Images as an NHWC tensor and labels one-hot. */
export function toTensors(data: Dataset): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  return tf.tidy(() => ({
    xs: tf.tensor4d(data.images, [data.count, data.height, data.width, data.channels]),
    ys: tf.oneHot(tf.tensor1d(data.labels, 'int32'), data.numClasses).toFloat() as tf.Tensor2D,
  }));
}

export interface FitOptions extends TrainingOptions {
  readonly loss: LossName;
  /** Reused across calls to keep Adam's moments (e.g. a lottery-ticket rewind restores it). Defaults to a new Adam. */
  readonly optimizer?: tf.Optimizer;
  /** tfjs callbacks: compression hooks (step per batch, updateEpoch per epoch), progress display. */
  readonly callbacks?: tf.CustomCallbackArgs[];
  /** Epoch number of the first epoch, for callbacks (fine-tuning after a schedule). Defaults to 0. */
  readonly initialEpoch?: number;
}

/** Trains `model` in place; returns the mean training loss of each epoch. */
export async function fitModel(model: tf.LayersModel, data: Dataset, opts: FitOptions): Promise<number[]> {
  model.compile({ optimizer: opts.optimizer ?? createAdam(opts.learningRate), loss: lossFunction(opts.loss) });
  const { xs, ys } = toTensors(data);
  const first = opts.initialEpoch ?? 0;
  const losses: number[] = [];
  try {
    for (let epoch = first; epoch < first + opts.epochs; epoch++) {
      const perm = epochPermutation(data.count, opts.seed, epoch);
      const [ex, ey] = tf.tidy(() => {
        const idx = tf.tensor1d(Int32Array.from(perm), 'int32');
        return [tf.gather(xs, idx), tf.gather(ys, idx)];
      });
      try {
        const history = await model.fit(ex, ey, { epochs: epoch + 1, initialEpoch: epoch, batchSize: opts.batchSize, shuffle: false, verbose: 0, callbacks: opts.callbacks ?? [] });
        losses.push(history.history.loss![0] as number);
      } finally {
        tf.dispose([ex, ey]);
      }
    }
  } finally {
    tf.dispose([xs, ys]);
  }
  return losses;
}

/**
 * Top-1 accuracy and mean loss on `data`, in batches so memory stays bounded. Reads asynchronously:
 * the webgpu backend has no synchronous read in Node.
 */
export async function evaluateModel(model: tf.LayersModel, data: Dataset, loss: LossName): Promise<Evaluation> {
  const lossFn = lossFunction(loss);
  let correct = 0;
  let lossSum = 0;
  const pixels = data.height * data.width * data.channels;
  for (let start = 0; start < data.count; start += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, data.count - start);
    const [hits, batchLoss] = tf.tidy(() => {
      const x = tf.tensor4d(data.images.subarray(start * pixels, (start + n) * pixels), [n, data.height, data.width, data.channels]);
      const labels = tf.tensor1d(data.labels.subarray(start, start + n), 'int32');
      const logits = model.predict(x) as tf.Tensor2D;
      const y = tf.oneHot(labels, data.numClasses).toFloat();
      return [tf.sum(tf.equal(tf.argMax(logits, 1), labels)), lossFn(y, logits)];
    });
    const [h, l] = await Promise.all([hits.data(), batchLoss.data()]);
    tf.dispose([hits, batchLoss]);
    correct += h[0]!;
    lossSum += l[0]! * n;
  }
  return { accuracy: correct / data.count, loss: lossSum / data.count };
}

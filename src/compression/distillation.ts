/**
 * Knowledge distillation (Hinton et al. 2015, https://arxiv.org/abs/1503.02531): a compressed student
 * fine-tunes against its uncompressed teacher's logits softened by a temperature T,
 *
 *   loss = α·CE(labels, s) + β·T²·KL(softmax(t/T) ‖ softmax(s/T))     (KL averaged over the batch)
 *
 * NNI v1's example omits the T² factor, which makes the soft term's gradients shrink as 1/T²; Hinton et
 * al. scale by T² so that α and β keep their meaning at any temperature. Defaults follow NNI's docs
 * (α = 1, β = 0.8, T = 5). Both models output logits.
 *
 * `model.fit` checks that targets have the output's shape, so the teacher's logits cannot ride along in
 * them; `Distiller.fit` is the fine-tuning loop instead, and drives the compressors' hooks itself.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';
import { epochPermutation } from '../data/random.js';
import type { Compressor } from './compressor.js';

export interface DistillationOptions {
  /** Softening temperature T > 0. Defaults to 5. */
  readonly temperature?: number;
  /** Weight α of the cross-entropy with the labels. Defaults to 1. */
  readonly alpha?: number;
  /** Weight β of the distillation term. Defaults to 0.8. */
  readonly beta?: number;
}

export interface DistillationFitOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: tf.Optimizer;
  /** Seeds each epoch's shuffle. */
  readonly seed: number;
  /** Compressors of the student: `updateEpoch` at each epoch's start, `step` after each batch. */
  readonly compressors?: readonly Compressor[];
  /** Called after each epoch with its mean loss; return false to stop. */
  readonly onEpochEnd?: (epoch: number, loss: number) => Promise<boolean | void> | boolean | void;
}

export const DISTILLATION_DEFAULTS: Required<DistillationOptions> = Object.freeze({ temperature: 5, alpha: 1, beta: 0.8 });

/** The distillation loss of a batch: one-hot `labels`, student and teacher logits, all `[n, classes]`. */
export function distillationLoss(labels: tf.Tensor, studentLogits: tf.Tensor, teacherLogits: tf.Tensor, opts: DistillationOptions = {}): tf.Scalar {
  const { temperature: T, alpha, beta } = { ...DISTILLATION_DEFAULTS, ...opts };
  return tf.tidy(() => {
    const ce = tf.losses.softmaxCrossEntropy(labels, studentLogits);
    const logPt = tf.logSoftmax(tf.div(teacherLogits, T));
    const logPs = tf.logSoftmax(tf.div(studentLogits, T));
    const kl = tf.mean(tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), -1));
    return tf.add(tf.mul(ce, alpha), tf.mul(kl, beta * T * T)) as tf.Scalar;
  });
}

export class Distiller {
  readonly options: Required<DistillationOptions>;

  constructor(readonly teacher: tf.LayersModel, opts: DistillationOptions = {}) {
    this.options = { ...DISTILLATION_DEFAULTS, ...opts };
    for (const key of ['temperature', 'alpha', 'beta'] as const) {
      const v = this.options[key];
      if (!Number.isFinite(v) || v < 0 || (key === 'temperature' && v === 0)) {
        throw new InputError(`Distiller: options.${key} must be a ${key === 'temperature' ? 'positive' : 'non-negative'} number, but got ${v}`);
      }
    }
  }

  /**
   * Fine-tunes `student` on `x` and one-hot `labels` against the teacher's logits (computed once).
   * Returns each epoch's mean loss.
   */
  async fit(student: tf.LayersModel, x: tf.Tensor, labels: tf.Tensor, opts: DistillationFitOptions): Promise<number[]> {
    const n = x.shape[0]!;
    const teacherLogits = tf.tidy(() => this.teacher.predict(x, { batchSize: 256 }) as tf.Tensor);
    const compressors = opts.compressors ?? [];
    const losses: number[] = [];
    try {
      for (let epoch = 0; epoch < opts.epochs; epoch++) {
        for (const c of compressors) c.updateEpoch(epoch);
        const perm = epochPermutation(n, opts.seed, epoch);
        let sum = 0;
        for (let start = 0; start < n; start += opts.batchSize) {
          const idx = tf.tensor1d(Int32Array.from(perm.subarray(start, start + opts.batchSize)), 'int32');
          // Read per batch: a quantizer's or pruner's hooks may change which variables are trainable.
          const vars = student.trainableWeights.map((w) => w.read() as tf.Variable);
          const loss = opts.optimizer.minimize(() => tf.tidy(() => {
            const logits = student.apply(tf.gather(x, idx), { training: true }) as tf.Tensor;
            return distillationLoss(tf.gather(labels, idx), logits, tf.gather(teacherLogits, idx), this.options);
          }), true, vars)!;
          sum += (await loss.data())[0]! * idx.size;
          tf.dispose([idx, loss]);
          for (const c of compressors) c.step();
        }
        losses.push(sum / n);
        if ((await opts.onEpochEnd?.(epoch, sum / n)) === false) break;
      }
    } finally {
      teacherLogits.dispose();
    }
    return losses;
  }
}

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
 * A Keras loss sees only `(yTrue, yPred)`, so the teacher's logits travel in the targets: `targets(x,
 * labels)` puts them beside the one-hot labels, and `loss` splits them again.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';

export interface DistillationOptions {
  /** Softening temperature T > 0. Defaults to 5. */
  readonly temperature?: number;
  /** Weight α of the cross-entropy with the labels. Defaults to 1. */
  readonly alpha?: number;
  /** Weight β of the distillation term. Defaults to 0.8. */
  readonly beta?: number;
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

  /** Fit targets: the one-hot labels `[n, c]` and the teacher's logits for `x`, side by side `[n, 2c]`. */
  targets(x: tf.Tensor, labels: tf.Tensor, batchSize = 256): tf.Tensor2D {
    return tf.tidy(() => tf.concat([labels, this.teacher.predict(x, { batchSize }) as tf.Tensor], 1) as tf.Tensor2D);
  }

  /** A loss for `compile`/`fit` over `targets(...)`. */
  readonly loss = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar =>
    tf.tidy(() => {
      const [labels, teacherLogits] = tf.split(yTrue, 2, -1);
      return distillationLoss(labels!, yPred, teacherLogits!, this.options);
    });
}

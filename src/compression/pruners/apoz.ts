/**
 * ActivationAPoZRankFilterPruner (Hu et al. 2016, "Network Trimming", https://arxiv.org/abs/1607.03250):
 * APoZ_c = #(a_c == 0) / (N·H·W), the average percentage of zeros of channel c after the activation;
 * the channels with the highest APoZ are pruned. See activation-filter.ts for when.
 */
import * as tf from '@tensorflow/tfjs';
import { ActivationFilterPruner, activationSpec, type ActivationPrunerOptions } from './activation-filter.js';

export class ActivationAPoZRankFilterPruner extends ActivationFilterPruner {
  constructor(model: tf.LayersModel, configList: unknown, options: ActivationPrunerOptions = {}) {
    super(model, configList, activationSpec('ActivationAPoZRankFilterPruner'), options);
  }

  protected statistic(activation: tf.Tensor): tf.Tensor {
    // Selected into a float32 buffer rather than cast: webgpu's cast from bool keeps the integer buffer,
    // which its per-channel sum (a transpose inside the reduction) misreads as float, giving zeros.
    return tf.where(tf.equal(activation, 0), tf.onesLike(activation), tf.zerosLike(activation));
  }

  /** 1 − APoZ, so that the lowest score (most zeros) goes first. */
  protected calculateMetric(apoz: tf.Tensor): tf.Tensor {
    return tf.sub(1, apoz);
  }
}

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
    return tf.cast(tf.equal(activation, 0), 'float32');
  }

  /** 1 − APoZ, so that the lowest score (most zeros) goes first. */
  protected calculateMetric(apoz: tf.Tensor): tf.Tensor {
    return tf.sub(1, apoz);
  }
}

/**
 * ActivationMeanRankFilterPruner (Molchanov et al. 2017, https://arxiv.org/abs/1611.06440): the channels
 * with the smallest mean activation over N·H·W are pruned. See activation-filter.ts for when.
 */
import * as tf from '@tensorflow/tfjs';
import { ActivationFilterPruner, activationSpec, type ActivationPrunerOptions } from './activation-filter.js';

export class ActivationMeanRankFilterPruner extends ActivationFilterPruner {
  constructor(model: tf.LayersModel, configList: unknown, options: ActivationPrunerOptions = {}) {
    super(model, configList, activationSpec('ActivationMeanRankFilterPruner'), options);
  }

  protected statistic(activation: tf.Tensor): tf.Tensor {
    return activation;
  }

  protected calculateMetric(mean: tf.Tensor): tf.Tensor {
    return mean.clone();
  }
}

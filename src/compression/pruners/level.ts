/**
 * LevelPruner (NNI v1): element-wise magnitude pruning. In each selected layer the ⌊n·sparsity⌋ weights
 * with the smallest |w| are pruned, once, at `compress()`. Unlike NNI, ties at the threshold are not all
 * pruned, so the sparsity is exactly the one asked for.
 */
import * as tf from '@tensorflow/tfjs';
import { defineSpec } from '../config.js';
import { MetricPruner } from '../pruner.js';

export const LEVEL_SPEC = defineSpec({ algorithm: 'LevelPruner', keys: ['sparsity'], required: ['sparsity'] });

export class LevelPruner extends MetricPruner {
  protected readonly granularity = 'element';

  constructor(model: tf.LayersModel, configList: unknown) {
    super(model, configList, LEVEL_SPEC);
  }

  protected calculateMetric(data: tf.Tensor): tf.Tensor {
    return tf.abs(data);
  }
}

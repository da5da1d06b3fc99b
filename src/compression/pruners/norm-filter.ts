/**
 * The shared step of L1FilterPruner and L2FilterPruner (Li et al. 2017, "Pruning Filters for Efficient
 * ConvNets", https://arxiv.org/abs/1608.08710): score each output filter by the Lp norm of its weights
 * and prune the ⌊filters·sparsity⌋ smallest, with their biases, once at `compress()`.
 */
import * as tf from '@tensorflow/tfjs';
import { defineSpec, type ConfigSpec } from '../config.js';
import { MetricPruner, perChannel } from '../pruner.js';
import type { PruningTarget } from '../target-space.js';

/** The layer classes filter pruners work on (NNI v1: Conv1d, Conv2d). */
export const FILTER_OP_TYPES = Object.freeze(['Conv1D', 'Conv2D']);

export function filterSpec(algorithm: string): ConfigSpec {
  return defineSpec({ algorithm, keys: ['sparsity'], required: ['sparsity'], opTypes: FILTER_OP_TYPES });
}

export abstract class NormFilterPruner extends MetricPruner {
  protected readonly granularity = 'channel';
  /** The norm's order. */
  protected abstract readonly p: 1 | 2;

  protected calculateMetric(data: tf.Tensor, target: PruningTarget): tf.Tensor {
    const axis = target.channelAxis!;
    return this.p === 1 ? perChannel(tf.abs(data), axis) : tf.sqrt(perChannel(tf.square(data), axis));
  }
}

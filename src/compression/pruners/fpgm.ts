/**
 * FPGMPruner: filter pruning via geometric median (He et al. 2019, https://arxiv.org/abs/1811.00250),
 * NNI v1 semantics. A filter f scores d(f) = Σ_g ‖W_f − W_g‖₂ over all filters g of its layer; the
 * ⌊filters·sparsity⌋ filters with the smallest sum (closest to the geometric median, hence the most
 * replaceable) are pruned with their biases. Masks are recomputed at the start of every epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { MetricPruner } from '../pruner.js';
import type { PruningTarget } from '../target-space.js';
import type { DependencyAwareOptions } from '../speedup/dependency-aware.js';
import { filterSpec } from './norm-filter.js';

/** d(f) = Σ_g ‖W_f − W_g‖₂ for every row f of a [filters, n] matrix, one row at a time (memory F·n). */
export function distanceSums(rows: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const sums = Array.from({ length: rows.shape[0] }, (_, f) =>
      tf.sum(tf.sqrt(tf.sum(tf.square(tf.sub(rows, tf.gather(rows, [f]))), 1))),
    );
    return tf.stack(sums) as tf.Tensor1D;
  });
}

export class FPGMPruner extends MetricPruner {
  protected readonly granularity = 'channel';

  constructor(model: tf.LayersModel, configList: unknown, options: DependencyAwareOptions = {}) {
    super(model, configList, filterSpec('FPGMPruner'), options);
  }

  protected calculateMetric(data: tf.Tensor, target: PruningTarget): tf.Tensor {
    const axis = target.channelAxis!;
    const filters = data.shape[axis];
    // One row per filter: move the filter axis first, then flatten the rest.
    const order = [axis, ...data.shape.map((_, i) => i).filter((i) => i !== axis)];
    return distanceSums(tf.transpose(data, order).reshape([filters, -1]));
  }

  protected override onEpoch(): void {
    this.updateMasks();
  }
}

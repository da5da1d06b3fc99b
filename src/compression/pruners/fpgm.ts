/**
 * FPGMPruner: filter pruning via geometric median (He et al. 2019, https://arxiv.org/abs/1811.00250),
 * NNI v1 semantics. A filter f scores d(f) = Σ_g ‖W_f − W_g‖₂ over all filters g of its layer; the
 * ⌊filters·sparsity⌋ filters with the smallest sum (closest to the geometric median, hence the most
 * replaceable) are pruned with their biases. Masks are recomputed at the start of every epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { MetricPruner } from '../pruner.js';
import type { PruningTarget } from '../target-space.js';
import { filterSpec } from './norm-filter.js';

/** d(f) for every row f of a [filters, n] matrix, in float64 so equal filters score exactly alike. */
export function distanceSums(rows: Float32Array, filters: number): Float64Array {
  const n = rows.length / filters;
  const sums = new Float64Array(filters);
  for (let f = 0; f < filters; f++) {
    for (let g = f + 1; g < filters; g++) {
      let d2 = 0;
      for (let j = 0; j < n; j++) {
        const d = rows[f * n + j] - rows[g * n + j];
        d2 += d * d;
      }
      const d = Math.sqrt(d2);
      sums[f] += d;
      sums[g] += d;
    }
  }
  return sums;
}

export class FPGMPruner extends MetricPruner {
  protected readonly granularity = 'channel';

  constructor(model: tf.LayersModel, configList: unknown) {
    super(model, configList, filterSpec('FPGMPruner'));
  }

  protected calculateMetric(data: tf.Tensor, target: PruningTarget): tf.Tensor {
    const axis = target.channelAxis!;
    const filters = data.shape[axis];
    // One row per filter: move the filter axis first, then flatten the rest.
    const order = [axis, ...data.shape.map((_, i) => i).filter((i) => i !== axis)];
    const rows = tf.transpose(data, order).reshape([filters, -1]).dataSync() as Float32Array;
    return tf.tensor1d(Float32Array.from(distanceSums(rows, filters)));
  }

  protected override onEpoch(): void {
    this.updateMasks();
  }
}

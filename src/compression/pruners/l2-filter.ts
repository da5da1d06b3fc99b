/** L2FilterPruner (NNI v1): prunes the output filters with the smallest ‖w‖₂. See norm-filter.ts. */
import type * as tf from '@tensorflow/tfjs';
import type { DependencyAwareOptions } from '../speedup/dependency-aware.js';
import { filterSpec, NormFilterPruner } from './norm-filter.js';

export class L2FilterPruner extends NormFilterPruner {
  protected readonly p = 2;

  constructor(model: tf.LayersModel, configList: unknown, options: DependencyAwareOptions = {}) {
    super(model, configList, filterSpec('L2FilterPruner'), options);
  }
}

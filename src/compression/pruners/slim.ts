/**
 * SlimPruner: network slimming (Liu et al. 2017, https://arxiv.org/abs/1708.06519), NNI v1 semantics.
 * Channels are ranked by |γ| of their BatchNormalization across all selected BN layers together, and the
 * ⌊total·sparsity⌋ smallest are pruned (γ and β masked). With `trainingEpochs > 0`, the paper's
 * sparsity training comes first: an L1 penalty `scale·Σ|γ|` joins the loss until that epoch starts,
 * and the channels are pruned then (NNI v1 leaves the penalty to the user; v2 names it `scale`).
 * NNI v1 silently uses only the first dict; here every dict must give the same sparsity.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../errors.js';
import { defineSpec, type LayerConfig } from '../config.js';
import { keepAllButLowest, MetricPruner } from '../pruner.js';
import type { DependencyAwareOptions } from '../speedup/dependency-aware.js';

export const SLIM_SPEC = defineSpec({
  algorithm: 'SlimPruner',
  keys: ['sparsity'],
  required: ['sparsity'],
  opTypes: ['BatchNormalization'],
  check: (configs: readonly LayerConfig[]) => {
    const first = configs.findIndex((c) => !c.exclude);
    return configs.flatMap((c, i) =>
      first >= 0 && !c.exclude && c.sparsity !== configs[first].sparsity
        ? [`configList[${i}].sparsity must equal configList[${first}].sparsity (${configs[first].sparsity}), ` +
            `because SlimPruner ranks all BatchNormalization channels together, but got ${c.sparsity}`]
        : [],
    );
  },
});

export interface SlimPrunerOptions extends DependencyAwareOptions {
  /** Coefficient of the L1 penalty on γ during sparsity training. Defaults to 1e-4 (the paper, NNI v2). */
  readonly scale?: number;
  /** Epochs of sparsity training before pruning. Defaults to 0: prune at `compress()`, as NNI v1. */
  readonly trainingEpochs?: number;
}

export class SlimPruner extends MetricPruner {
  protected readonly granularity = 'channel';
  protected override readonly ranksAcrossLayers = true;
  readonly #scale: number;
  readonly #trainingEpochs: number;
  #pruned = false;

  constructor(model: tf.LayersModel, configList: unknown, options: SlimPrunerOptions = {}) {
    super(model, configList, SLIM_SPEC, options);
    const { scale = 1e-4, trainingEpochs = 0 } = options;
    if (!(scale >= 0)) throw new InputError(`options.scale must be a number ≥ 0, but got ${scale}`);
    if (!Number.isInteger(trainingEpochs) || trainingEpochs < 0) throw new InputError(`options.trainingEpochs must be an integer ≥ 0, but got ${trainingEpochs}`);
    this.#scale = scale;
    this.#trainingEpochs = trainingEpochs;
  }

  protected calculateMetric(gamma: tf.Tensor): tf.Tensor {
    return tf.abs(gamma);
  }

  /** One ranking over the channels of every target. */
  protected override selectPruned(metrics: readonly tf.Tensor1D[], sparsities: readonly number[]): tf.Tensor1D[] {
    const all = tf.concat(metrics as tf.Tensor1D[]);
    const keep = keepAllButLowest(all, Math.floor(all.size * (sparsities[0] ?? 0)));
    return tf.split(keep, metrics.map((m) => m.size));
  }

  protected override initialMasks(): void {
    if (this.#trainingEpochs === 0) return this.prune();
    for (const target of this.targets) {
      target.wrapper.addLoss(() =>
        tf.tidy(() => (this.#pruned ? tf.scalar(0) : tf.mul(this.#scale, tf.sum(tf.abs(target.weight))))),
      );
    }
  }

  protected override onEpoch(epoch: number): void {
    if (!this.#pruned && epoch >= this.#trainingEpochs) this.prune();
  }

  private prune(): void {
    this.updateMasks();
    this.#pruned = true;
  }
}

/**
 * The shared steps of the activation-based filter pruners (NNI v1's ActivationRankFilterPruner): after
 * `compress()`, every forward pass through a selected layer (training or `predict`) records a statistic
 * of its activated output per channel, for `statisticsBatchNum` batches. At the next `step()` after
 * all layers have enough, the ⌊filters·sparsity⌋ channels with the lowest score are pruned with their
 * biases, once. Until then the masks stay at ones.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../errors.js';
import { defineSpec, type ConfigSpec } from '../config.js';
import { MetricPruner, perChannel } from '../pruner.js';
import type { DependencyAwareOptions } from '../speedup/dependency-aware.js';
import type { PruningTarget } from '../target-space.js';

export interface ActivationPrunerOptions extends DependencyAwareOptions {
  /** Applied to the layer's output before the statistic (NNI: `relu` or `relu6`). Defaults to `relu`. */
  readonly activation?: 'relu' | 'relu6';
  /** Batches to collect before pruning. Defaults to 1. */
  readonly statisticsBatchNum?: number;
}

export function activationSpec(algorithm: string): ConfigSpec {
  return defineSpec({ algorithm, keys: ['sparsity'], required: ['sparsity'], opTypes: ['Conv1D', 'Conv2D'] });
}

interface Statistics {
  /** Per channel, kept on the backend: no read-back in the forward pass. */
  sums: tf.Tensor1D;
  /** Output entries seen per channel (batch × spatial positions). */
  count: number;
  batches: number;
}

export abstract class ActivationFilterPruner extends MetricPruner {
  protected readonly granularity = 'channel';
  readonly #activation: (x: tf.Tensor) => tf.Tensor;
  readonly #batchesNeeded: number;
  #stats = new Map<PruningTarget, Statistics>();
  #pruned = false;

  constructor(model: tf.LayersModel, configList: unknown, spec: ConfigSpec, options: ActivationPrunerOptions) {
    super(model, configList, spec, options);
    const { activation = 'relu', statisticsBatchNum = 1 } = options;
    if (activation !== 'relu' && activation !== 'relu6') throw new InputError(`options.activation must be 'relu' or 'relu6', but got ${JSON.stringify(activation)}`);
    if (!Number.isInteger(statisticsBatchNum) || statisticsBatchNum < 1) {
      throw new InputError(`options.statisticsBatchNum must be an integer ≥ 1, but got ${statisticsBatchNum}`);
    }
    this.#activation = activation === 'relu6' ? tf.relu6 : tf.relu;
    this.#batchesNeeded = statisticsBatchNum;
  }

  /** Per output entry, the quantity whose per-channel mean is scored (e.g. `a == 0` for APoZ). */
  protected abstract statistic(activation: tf.Tensor): tf.Tensor;

  /** Whether every selected layer has seen `statisticsBatchNum` batches. */
  get statisticsReady(): boolean {
    return [...this.#stats.values()].every((s) => s.batches >= this.#batchesNeeded);
  }

  protected override initialMasks(): void {
    for (const target of this.targets) {
      const channels = target.weight.shape[target.channelAxis!];
      const stats: Statistics = { sums: tf.zeros([channels]), count: 0, batches: 0 };
      this.#stats.set(target, stats);
      target.wrapper.outputHook = (output) => {
        if (stats.batches < this.#batchesNeeded) {
          const sums = tf.keep(tf.add(stats.sums, perChannel(this.statistic(this.#activation(output)), output.rank - 1)) as tf.Tensor1D);
          stats.sums.dispose();
          stats.sums = sums;
          stats.count += output.size / channels;
          stats.batches++;
        }
        return output;
      };
    }
  }

  /** Nothing to rank before a layer has its batches (its statistics would be 0/0). */
  protected override targetSparsity(target: PruningTarget): number | undefined {
    return this.#stats.get(target)!.batches >= this.#batchesNeeded ? target.config.sparsity : undefined;
  }

  /** The per-channel mean of the statistic. */
  protected override collectData(target: PruningTarget): tf.Tensor {
    const { sums, count } = this.#stats.get(target)!;
    return tf.div(sums, count);
  }

  protected override onStep(): void {
    if (!this.#pruned && this.statisticsReady) {
      this.updateMasks();
      this.#pruned = true;
      for (const target of this.targets) target.wrapper.outputHook = undefined;
    }
    super.onStep();
  }

  override dispose(): void {
    for (const target of this.targets) target.wrapper.outputHook = undefined;
    for (const { sums } of this.#stats.values()) sums.dispose();
    this.#stats.clear();
  }
}

/**
 * AGPPruner: automated gradual pruning (Zhu & Gupta 2017, "To prune, or not to prune",
 * https://arxiv.org/abs/1710.01878), NNI v1 semantics. Element-wise magnitude pruning whose sparsity
 * follows a cubic schedule over epochs:
 *
 *   s(t) = s_f + (s_i − s_f)·(1 − (t − t0)/span)³,   span = ⌊(end − start − 1)/freq⌋·freq
 *
 * recomputed at the start of every `frequency`-th epoch from `startEpoch`, ranking only weights still
 * alive (|w ⊙ mask|). Fixes on purpose: `updateEpoch(0)` counts (NNI ignores it), and a span of 0
 * (e.g. the defaults startEpoch 0, endEpoch 1, on which NNI's assert fails) prunes to s_f at once.
 */
import * as tf from '@tensorflow/tfjs';
import { defineSpec, type LayerConfig } from '../config.js';
import { MetricPruner } from '../pruner.js';
import type { PruningTarget } from '../target-space.js';

/** NNI v1's defaults for the keys a dict leaves out. */
export const AGP_DEFAULTS = Object.freeze({ initialSparsity: 0, startEpoch: 0, endEpoch: 1, frequency: 1 });

export const AGP_SPEC = defineSpec({
  algorithm: 'AGPPruner',
  keys: ['initialSparsity', 'finalSparsity', 'startEpoch', 'endEpoch', 'frequency'],
  required: ['finalSparsity'],
  check: (configs: readonly LayerConfig[]) =>
    configs.flatMap((c, i) => {
      const s = { ...AGP_DEFAULTS, ...definedKeys(c) };
      const errors: string[] = [];
      if (c.exclude) return errors;
      if (s.endEpoch <= s.startEpoch) errors.push(`configList[${i}].endEpoch must be greater than startEpoch (${s.startEpoch}), but got ${s.endEpoch}`);
      if (s.initialSparsity > c.finalSparsity!) {
        errors.push(`configList[${i}].initialSparsity must be at most finalSparsity (${c.finalSparsity}), but got ${s.initialSparsity}`);
      }
      return errors;
    }),
});

function definedKeys(c: LayerConfig): Partial<typeof AGP_DEFAULTS> {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
}

/**
 * The sparsity AGP prunes to at the start of `epoch`, or undefined when that epoch does not recompute
 * the mask (before `startEpoch`, or off the `frequency` grid).
 */
export function agpSparsity(config: LayerConfig, epoch: number): number | undefined {
  const { initialSparsity, startEpoch, endEpoch, frequency } = { ...AGP_DEFAULTS, ...definedKeys(config) };
  const final = config.finalSparsity!;
  if (epoch < startEpoch || (epoch - startEpoch) % frequency !== 0) return undefined;
  const span = Math.floor((endEpoch - startEpoch - 1) / frequency) * frequency;
  if (epoch >= endEpoch || span <= 0) return final;
  const progress = Math.min(1, (epoch - startEpoch) / span);
  return final + (initialSparsity - final) * (1 - progress) ** 3;
}

export class AGPPruner extends MetricPruner {
  protected readonly granularity = 'element';

  constructor(model: tf.LayersModel, configList: unknown) {
    super(model, configList, AGP_SPEC);
  }

  protected calculateMetric(data: tf.Tensor): tf.Tensor {
    return tf.abs(data);
  }

  protected override targetSparsity(target: PruningTarget): number | undefined {
    return agpSparsity(target.config, this.epoch);
  }

  protected override onEpoch(): void {
    this.updateMasks();
  }
}

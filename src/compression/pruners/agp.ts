/**
 * AGPPruner: automated gradual pruning (Zhu & Gupta 2017, "To prune, or not to prune",
 * https://arxiv.org/abs/1710.01878), NNI v1 semantics. Element-wise magnitude pruning whose sparsity
 * follows a cubic schedule over epochs:
 *
 *   s(t) = s_f + (s_i − s_f)·(1 − (t − t0)/span)³,   span = ⌊(end − start − 1)/freq⌋·freq
 *
 * recomputed at the start of every `frequency`-th epoch from `startEpoch` (or, with `updatesPerEpoch`,
 * several times per epoch along the same curve), ranking only weights still alive (|w ⊙ mask|).
 * Fixes on purpose: `updateEpoch(0)` counts (NNI ignores it), and a span of 0
 * (e.g. the defaults startEpoch 0, endEpoch 1, on which NNI's assert fails) prunes to s_f at once.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../../errors.js';
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
      const errors: string[] = [];
      if (c.exclude) return errors;
      const s = settings(c);
      if (s.endEpoch <= s.startEpoch) errors.push(`configList[${i}].endEpoch must be greater than startEpoch (${s.startEpoch}), but got ${s.endEpoch}`);
      if (s.initialSparsity > s.finalSparsity) {
        errors.push(`configList[${i}].initialSparsity must be at most finalSparsity (${s.finalSparsity}), but got ${s.initialSparsity}`);
      }
      return errors;
    }),
});

function definedKeys(c: LayerConfig): Partial<typeof AGP_DEFAULTS> {
  return Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined));
}

/** A dict's AGP settings, defaults filled in. */
function settings(config: LayerConfig) {
  return { ...AGP_DEFAULTS, ...definedKeys(config), finalSparsity: config.finalSparsity! };
}

/** The cubic curve at time `t` ≥ startEpoch, in epochs (fractional between epochs). */
export function agpCurve(config: LayerConfig, t: number): number {
  const { initialSparsity, finalSparsity, startEpoch, endEpoch, frequency } = settings(config);
  const span = Math.floor((endEpoch - startEpoch - 1) / frequency) * frequency;
  if (t >= endEpoch || span <= 0) return finalSparsity;
  const progress = Math.min(1, (t - startEpoch) / span);
  return finalSparsity + (initialSparsity - finalSparsity) * (1 - progress) ** 3;
}

/**
 * The sparsity AGP prunes to at the start of `epoch`, or undefined when that epoch does not recompute
 * the mask (before `startEpoch`, or off the `frequency` grid).
 */
export function agpSparsity(config: LayerConfig, epoch: number): number | undefined {
  const { startEpoch, frequency } = settings(config);
  return epoch < startEpoch || (epoch - startEpoch) % frequency !== 0 ? undefined : agpCurve(config, epoch);
}

export interface AGPOptions {
  /**
   * Masks are recomputed this many times per epoch, evenly over its steps, following the same curve at
   * fractional epochs (from startEpoch on; `frequency` then only sets the span). Smoother than NNI v1's
   * once per epoch when there are few epochs. Defaults to 1 (NNI v1).
   */
  readonly updatesPerEpoch?: number;
  /** Optimizer steps (batches) in an epoch; needed when `updatesPerEpoch` > 1. */
  readonly stepsPerEpoch?: number;
}

export class AGPPruner extends MetricPruner {
  protected readonly granularity = 'element';
  readonly #updatesPerEpoch: number;
  readonly #stepsPerEpoch: number;
  #stepInEpoch = 0;
  /** Which of the epoch's updates the masks are at: 0 at its start. */
  #update = 0;

  constructor(model: tf.LayersModel, configList: unknown, options: AGPOptions = {}) {
    super(model, configList, AGP_SPEC);
    const { updatesPerEpoch = 1, stepsPerEpoch } = options;
    if (!Number.isInteger(updatesPerEpoch) || updatesPerEpoch < 1) {
      throw new InputError(`options.updatesPerEpoch must be an integer ≥ 1, but got ${updatesPerEpoch}`);
    }
    if (updatesPerEpoch > 1 && !(Number.isInteger(stepsPerEpoch) && stepsPerEpoch! >= updatesPerEpoch)) {
      throw new InputError(`options.stepsPerEpoch must be an integer ≥ updatesPerEpoch (${updatesPerEpoch}), but got ${stepsPerEpoch}`);
    }
    this.#updatesPerEpoch = updatesPerEpoch;
    this.#stepsPerEpoch = stepsPerEpoch ?? 1;
  }

  protected calculateMetric(data: tf.Tensor): tf.Tensor {
    return tf.abs(data);
  }

  protected override targetSparsity(target: PruningTarget): number | undefined {
    if (this.#update === 0) return agpSparsity(target.config, this.epoch);
    const t = this.epoch + this.#update / this.#updatesPerEpoch;
    return t < settings(target.config).startEpoch ? undefined : agpCurve(target.config, t);
  }

  protected override onEpoch(): void {
    this.#stepInEpoch = 0;
    this.#update = 0;
    this.updateMasks();
  }

  protected override onStep(): void {
    if (this.#updatesPerEpoch > 1) {
      this.#stepInEpoch++;
      const update = Math.floor((this.#stepInEpoch * this.#updatesPerEpoch) / this.#stepsPerEpoch);
      if (update > this.#update && update < this.#updatesPerEpoch) {
        this.#update = update;
        this.updateMasks();
      }
    }
    super.onStep();
  }
}

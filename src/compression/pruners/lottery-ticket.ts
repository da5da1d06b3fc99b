/**
 * LotteryTicketPruner (Frankle & Carbin 2019, https://arxiv.org/abs/1803.03635), NNI v1 semantics.
 * Iterative magnitude pruning with rewinding: round 0 trains dense; each later round i prunes the
 * survivors to sparsity 1 − (1 − P)^(i/n) (each round keeps (1 − P)^(1/n) of them), then resets the
 * weights to θ0, their values at `compress()`, and the optimizer to its state at round 0.
 *
 *   for (const round of pruner.getPruneIterations()) {
 *     await pruner.pruneIterationStart();
 *     await model.fit(x, y, { epochs, callbacks: pruner.callbacks() });
 *   }
 */
import * as tf from '@tensorflow/tfjs';
import { SquishError } from '../../errors.js';
import { defineSpec, type LayerConfig } from '../config.js';
import { MetricPruner } from '../pruner.js';
import type { PruningTarget } from '../target-space.js';
import type { LayerVariable } from '../wrapper.js';

export const LOTTERY_TICKET_SPEC = defineSpec({
  algorithm: 'LotteryTicketPruner',
  keys: ['sparsity', 'pruneIterations'],
  required: ['sparsity', 'pruneIterations'],
  // One round counter drives every layer, so the dicts must agree on it (NNI asserts the same).
  check: (configs: readonly LayerConfig[]) => {
    const first = configs.findIndex((c) => !c.exclude);
    return configs.flatMap((c, i) =>
      first >= 0 && !c.exclude && c.pruneIterations !== configs[first].pruneIterations
        ? [`configList[${i}].pruneIterations must equal configList[${first}].pruneIterations (${configs[first].pruneIterations}), but got ${c.pruneIterations}`]
        : [],
    );
  },
});

type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

export interface LotteryTicketOptions {
  /** The optimizer to rewind. Defaults to the compressed model's, once compiled. */
  readonly optimizer?: tf.Optimizer;
  /** Rewind weights and optimizer at each round. Defaults to true. */
  readonly resetWeights?: boolean;
}

/** The sparsity of round `round` of `n`, for a final sparsity `p`. */
export function lotterySparsity(p: number, round: number, n: number): number {
  return Math.max(1 - (1 - p) ** (round / n), 0);
}

export class LotteryTicketPruner extends MetricPruner {
  protected readonly granularity = 'element';
  readonly #options: LotteryTicketOptions;
  #round = -1;
  #weights: LayerVariable[] = [];
  #theta0: tf.Tensor[] = [];
  #optimizerState?: NamedTensor[];

  constructor(model: tf.LayersModel, configList: unknown, options: LotteryTicketOptions = {}) {
    super(model, configList, LOTTERY_TICKET_SPEC);
    this.#options = options;
  }

  /** n, the number of pruning rounds after the dense one. */
  get pruneIterations(): number {
    return this.selected[0].config.pruneIterations!;
  }

  /** The current round, −1 before the first `pruneIterationStart()`. */
  get round(): number {
    return this.#round;
  }

  /** The rounds to run: 0 (dense) … n. */
  getPruneIterations(): number[] {
    return Array.from({ length: this.pruneIterations + 1 }, (_, i) => i);
  }

  /** Starts the next round: new masks from the trained weights, then the rewind to θ0. */
  async pruneIterationStart(): Promise<void> {
    if (this.boundModel === this.originalModel) throw new SquishError('call compress() before pruneIterationStart()');
    if (this.#round >= this.pruneIterations) {
      throw new SquishError(`all ${this.pruneIterations + 1} lottery-ticket rounds have run; getPruneIterations() lists them`);
    }
    this.#round++;
    const optimizer = this.#options.optimizer ?? this.boundModel.optimizer;
    if (this.#round === 0) {
      if (optimizer !== undefined) this.#optimizerState = await snapshot(optimizer);
      return;
    }
    this.updateMasks();
    if (this.#options.resetWeights === false) return;
    this.#weights.forEach((v, i) => v.write(this.#theta0[i]));
    this.project();
    if (optimizer !== undefined && this.#optimizerState !== undefined) {
      const current = await optimizer.getWeights();
      await optimizer.setWeights(this.#optimizerState);
      tf.dispose(current.map((w) => w.tensor));
    }
  }

  protected calculateMetric(data: tf.Tensor): tf.Tensor {
    return tf.abs(data);
  }

  protected override targetSparsity(target: PruningTarget): number | undefined {
    return this.#round < 1 ? undefined : lotterySparsity(target.config.sparsity!, this.#round, this.pruneIterations);
  }

  /** Masks stay at ones until round 1; θ0 is recorded now. */
  protected override initialMasks(): void {
    const masks = new Set(this.wrappers.flatMap((w) => w.maskedWeights.map((n) => w.maskOf(n)!)));
    this.#weights = this.boundModel.weights.filter((v) => !masks.has(v));
    this.#theta0 = this.#weights.map((v) => v.read().clone());
  }

  override dispose(): void {
    tf.dispose(this.#theta0);
    tf.dispose(this.#optimizerState?.map((w) => w.tensor) ?? []);
    this.#theta0 = [];
    this.#optimizerState = undefined;
  }
}

/** Copies an optimizer's state; `getWeights` hands out its live variables plus a fresh iteration scalar. */
async function snapshot(optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  const [iterations, ...state] = await optimizer.getWeights();
  return [iterations, ...state.map(({ name, tensor }) => ({ name, tensor: tensor.clone() }))];
}

/**
 * The compressor lifecycle shared by pruners (and, later, quantizers), after NNI v1's `Compressor`:
 *
 *   const pruner = new LevelPruner(model, configList);   // validates the config list against the model
 *   const compressed = pruner.compress();                 // a copy whose selected layers are wrapped
 *   compressed.compile(...);                               // (kept from `model` when it was compiled)
 *   await compressed.fit(x, y, { callbacks: pruner.callbacks() });
 *
 * In a custom loop call `updateEpoch(epoch)` at the start of each epoch and `step()` after each
 * optimizer step; both are harmless for algorithms that do not need them.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError, SquishError } from '../errors.js';
import { resolveConfigList, type ConfigSpec, type ResolvedLayer } from './config.js';
import { wrapModel } from './model.js';
import { CompressionWrapper } from './wrapper.js';

export abstract class Compressor {
  /** The model given to the constructor; never modified. */
  readonly originalModel: tf.LayersModel;
  /** The layers the config list selects, each with its winning dict. */
  readonly selected: readonly ResolvedLayer[];
  #compressed?: tf.LayersModel;
  #epoch = 0;
  #steps = 0;

  constructor(model: tf.LayersModel, configList: unknown, spec: ConfigSpec) {
    this.originalModel = model;
    this.selected = resolveConfigList(model, configList, spec);
  }

  /** The model being compressed: the compressed copy once `compress()` ran, the original before. */
  get boundModel(): tf.LayersModel {
    return this.#compressed ?? this.originalModel;
  }

  /** The current epoch, as last given to `updateEpoch`. */
  get epoch(): number {
    return this.#epoch;
  }

  /** How many times `step()` was called. */
  get steps(): number {
    return this.#steps;
  }

  /** The wrappers of the compressed model, in model order. */
  protected get wrappers(): CompressionWrapper[] {
    return this.boundModel.layers.filter((l): l is CompressionWrapper => l instanceof CompressionWrapper);
  }

  /**
   * Returns a copy of the model whose selected layers compute with compressed weights. The copy keeps
   * the original's compile settings (optimizer, loss, metrics) when it had them.
   */
  compress(): tf.LayersModel {
    return Compressor.compressTogether([this]);
  }

  /**
   * Compresses one model with several compressors at once (a pruner and a quantizer, say): every layer
   * any of them selects is wrapped once, each binds to the same copy, and one fine-tune with all their
   * callbacks trains them together. A wrapper applies the mask first, then the quantization. All must
   * have been constructed on the same model.
   */
  static compressTogether(compressors: readonly Compressor[]): tf.LayersModel {
    const model = compressors[0]?.originalModel;
    if (model === undefined) throw new InputError('compressTogether(compressors): give at least one compressor');
    for (const c of compressors) {
      if (c.#compressed !== undefined) throw new SquishError('compress() was already called; a compressor compresses its model once');
      if (c.originalModel !== model) throw new InputError('compressTogether(compressors): every compressor must be constructed on the same model');
    }
    const plan = new Map<string, string[]>();
    for (const c of compressors) {
      for (const r of c.selected) plan.set(r.layer.name, [...new Set([...(plan.get(r.layer.name) ?? []), ...c.wrappedWeights(r)])]);
    }
    const compressed = wrapModel(model, plan);
    for (const c of compressors) {
      c.#compressed = compressed;
      c.onCompress();
    }
    return compressed;
  }

  /** Call at the start of each epoch (0-based). */
  updateEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0) throw new InputError(`updateEpoch(epoch): epoch must be an integer ≥ 0, but got ${epoch}`);
    this.#epoch = epoch;
    if (this.#compressed !== undefined) this.onEpoch(epoch);
  }

  /** Call after each optimizer step (each mini-batch). */
  step(): void {
    this.#steps++;
    if (this.#compressed !== undefined) this.onStep();
  }

  /** Callbacks for `model.fit`/`fitDataset`: `updateEpoch` at each epoch's start, `step` after each batch. */
  callbacks(): tf.CustomCallbackArgs {
    return {
      onEpochBegin: async (epoch: number) => this.updateEpoch(epoch),
      onBatchEnd: async () => this.step(),
    };
  }

  /** Frees what the compressor holds besides the model (snapshots, statistics). The model stays usable. */
  dispose(): void {}

  /** Short names of the weights of a selected layer that its wrapper must mask (none for a quantizer). */
  protected abstract wrappedWeights(layer: ResolvedLayer): string[];

  /** Runs once, right after the compressed model is built. */
  protected abstract onCompress(): void;

  protected onEpoch(_epoch: number): void {}

  protected onStep(): void {}
}

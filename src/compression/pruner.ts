/**
 * Pruners. `Pruner` is the extension point (NNI v1's `calc_mask`): subclass it and return masks for a
 * target. The built-in algorithms extend `MetricPruner`, a template method (NNI v3's `generate_masks`):
 *
 *   collectData (the weight, or statistics) → calculateMetric (one score per entry or channel)
 *     → targetSparsity (what to reach now) → selectPruned (exactly ⌊n·s⌋ lowest scores) → masks
 *
 * Exactly `k` units are pruned: ties are broken by position, never by pruning every tied value as NNI's
 * `weight > threshold` does (which overshoots the sparsity).
 */
import * as tf from '@tensorflow/tfjs';
import { Compressor } from './compressor.js';
import type { ConfigSpec, LayerConfig, ResolvedLayer } from './config.js';
import { saveModel } from '../engine/model-io.js';
import { saveMasks } from './masks.js';
import { exportOnnx } from './onnx/export.js';
import { unwrapModel } from './model.js';
import { layerSetting } from './settings.js';
import { PruningTarget, type MaskSet } from './target-space.js';
import { shortWeightName } from './wrapper.js';
import { coupledConfig, selectCoupled, type Coupling, type DependencyAwareOptions } from './speedup/dependency-aware.js';

export interface ExportOptions {
  /** Directory for the TF.js model (`model.json` + weights), masks baked in, stock layers only. */
  readonly modelPath: string;
  /** File for the masks (see `loadMasks`). */
  readonly maskPath?: string;
  /** File for the same stock model as ONNX (see `exportOnnx`). */
  readonly onnxPath?: string;
}

/** The spec a custom pruner gets when it gives none: it reads `sparsity` on any compressible layer. */
export function customPrunerSpec(algorithm: string): ConfigSpec {
  return { algorithm, keys: ['sparsity'], required: [] };
}

function applyMasks(target: PruningTarget, masks: MaskSet): void {
  target.setMasks(masks);
  tf.dispose([masks.weight, ...(masks.bias !== undefined ? [masks.bias] : [])]);
}

export abstract class Pruner extends Compressor {
  #targets: PruningTarget[] = [];

  constructor(model: tf.LayersModel, configList: unknown, spec?: ConfigSpec) {
    super(model, configList, spec ?? customPrunerSpec(new.target.name));
  }

  /** One target per pruned weight of each selected layer, in model order. */
  get targets(): readonly PruningTarget[] {
    return this.#targets;
  }

  /**
   * The masks for one target given its dict, each with its weight's shape; `bias` is optional. Return
   * undefined to leave the current masks as they are. The caller disposes the returned tensors.
   */
  abstract calcMask(target: PruningTarget, config: LayerConfig): MaskSet | undefined;

  /** Recomputes and applies every target's masks. Built-ins call it when their schedule says so. */
  updateMasks(): void {
    for (const target of this.#targets) {
      const masks = this.calcMask(target, target.config);
      if (masks !== undefined) applyMasks(target, masks);
    }
  }

  /** Copies of all masks, keyed `layer/weight` (biases included). The caller owns the tensors. */
  getMasks(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const wrapper of this.wrappers) {
      for (const name of wrapper.maskedWeights) out[`${wrapper.name}/${name}`] = wrapper.maskOf(name)!.read().clone();
    }
    return out;
  }

  /** Writes the compressed model as a stock TF.js model (masks baked in) and, optionally, the masks and an ONNX file. */
  async exportModel({ modelPath, maskPath, onnxPath }: ExportOptions): Promise<void> {
    const stock = unwrapModel(this.boundModel);
    try {
      await saveModel(stock, modelPath);
      if (onnxPath !== undefined) await exportOnnx(stock, onnxPath);
    } finally {
      stock.dispose();
    }
    if (maskPath !== undefined) {
      const masks = this.getMasks();
      try {
        await saveMasks(maskPath, masks);
      } finally {
        tf.dispose(Object.values(masks));
      }
    }
  }

  protected wrappedWeights({ layer }: ResolvedLayer): string[] {
    const setting = layerSetting(layer.getClassName())!;
    const has = new Set(layer.weights.map(shortWeightName));
    return [...setting.weights, ...(setting.bias !== undefined && has.has(setting.bias) ? [setting.bias] : [])];
  }

  protected onCompress(): void {
    const byName = new Map(this.wrappers.map((w) => [w.name, w]));
    this.#targets = this.selected.flatMap(({ layer, config, configIndex }) => {
      const setting = layerSetting(layer.getClassName())!;
      return setting.weights.map((w) => new PruningTarget(byName.get(layer.name)!, w, config, configIndex, setting));
    });
    this.initialMasks();
  }

  /** Masks at `compress()` time. NNI v1 computes them once and caches them; schedules override. */
  protected initialMasks(): void {
    this.updateMasks();
  }

  /** After each optimizer step: re-project, so masked weights stay exactly zero under any optimizer. */
  protected override onStep(): void {
    this.project();
  }

  /** Zeroes every raw weight its mask removes (see `PruningTarget.project`). */
  protected project(): void {
    for (const target of this.#targets) target.project();
  }
}

export type Granularity = 'element' | 'channel';

/**
 * Keep-flags (1 keep, 0 prune) that prune exactly `k` entries of `scores`: the lowest, and among the
 * scores equal to the k-th lowest, the first by position. Computed on the backend, without reading
 * tensors back (webgpu in Node cannot read synchronously). Counts are float32: exact below 2^24 entries.
 */
export function keepAllButLowest(scores: tf.Tensor1D, k: number): tf.Tensor1D {
  return tf.tidy((): tf.Tensor1D => {
    if (k <= 0) return tf.onesLike(scores);
    const threshold = tf.neg(tf.topk(tf.neg(scores), k).values.slice([k - 1], [1]));
    const below = tf.less(scores, threshold);
    const tied = tf.cast(tf.equal(scores, threshold), 'float32');
    const tiesToPrune = tf.sub(k, tf.sum(tf.cast(below, 'float32')));
    const prunedTies = tf.logicalAnd(tf.cast(tied, 'bool'), tf.lessEqual(tf.cumsum(tied), tiesToPrune));
    return tf.cast(tf.logicalNot(tf.logicalOr(below, prunedTies)), 'float32') as tf.Tensor1D;
  });
}

/** Sums `x` over every axis but `axis`: one value per channel. */
export function perChannel(x: tf.Tensor, axis: number): tf.Tensor {
  return tf.sum(x, x.shape.map((_, i) => i).filter((i) => i !== axis));
}

export abstract class MetricPruner extends Pruner {
  /** What one score ranks: a weight entry, or an output channel (with its bias). */
  protected abstract readonly granularity: Granularity;
  /** Whether one ranking spans all targets (SlimPruner) rather than each layer (or coupled group). */
  protected readonly ranksAcrossLayers: boolean = false;
  readonly #coupling?: Coupling;

  constructor(model: tf.LayersModel, configList: unknown, spec: ConfigSpec, options: DependencyAwareOptions = {}) {
    const coupled = coupledConfig(model, configList, spec, options);
    super(model, coupled?.configList ?? configList, coupled?.spec ?? spec);
    this.#coupling = coupled?.coupling;
  }

  /** Whether whole output channels are pruned (filter pruners), which `speedup` can then remove. */
  get prunesChannels(): boolean {
    return this.granularity === 'channel';
  }

  /** Element-wise pruners leave biases alone, so only channel pruners pay for a bias mask. */
  protected override wrappedWeights(layer: ResolvedLayer): string[] {
    const weights = super.wrappedWeights(layer);
    return this.granularity === 'channel' ? weights : weights.filter((w) => w !== layerSetting(layer.layer.getClassName())!.bias);
  }

  /** Step 1: what the metric is computed from. Defaults to the effective weight `mask ⊙ w`. */
  protected collectData(target: PruningTarget): tf.Tensor {
    return tf.mul(target.weight, target.mask);
  }

  /** Step 2: one score per entry (weight-shaped) or per channel (`[channels]`); lowest is pruned first. */
  protected abstract calculateMetric(data: tf.Tensor, target: PruningTarget): tf.Tensor;

  /** Step 3: the sparsity to reach now, or undefined to keep the target's masks as they are. */
  protected targetSparsity(target: PruningTarget): number | undefined {
    return target.config.sparsity;
  }

  /**
   * Step 4: keep-flags per target from its flattened scores, inside a tidy. Per layer by default;
   * Slim ranks all targets together.
   */
  protected selectPruned(metrics: readonly tf.Tensor1D[], sparsities: readonly number[]): tf.Tensor1D[] {
    return metrics.map((m, i) => keepAllButLowest(m, Math.floor(m.size * sparsities[i])));
  }

  override calcMask(target: PruningTarget, _config: LayerConfig): MaskSet | undefined {
    return this.computeMasks([target]).get(target);
  }

  override updateMasks(): void {
    for (const [target, masks] of this.computeMasks(this.targets)) applyMasks(target, masks);
  }

  private computeMasks(targets: readonly PruningTarget[]): Map<PruningTarget, MaskSet> {
    const due: PruningTarget[] = [];
    const sparsities: number[] = [];
    for (const target of targets) {
      const s = this.targetSparsity(target);
      if (s !== undefined) {
        due.push(target);
        sparsities.push(s);
      }
    }
    const masks = new Map<PruningTarget, MaskSet>();
    tf.tidy(() => {
      const metrics = due.map((t) => tf.reshape(this.calculateMetric(this.collectData(t), t), [-1]) as tf.Tensor1D);
      const keeps = this.#coupling === undefined ? this.selectPruned(metrics, sparsities) : selectCoupled(this.#coupling, due, metrics, sparsities, this.ranksAcrossLayers);
      due.forEach((t, i) => masks.set(t, this.masksFromKeep(t, keeps[i])));
    });
    return masks;
  }

  /** Masks from keep-flags, kept out of the caller's tidy (the caller disposes them). */
  private masksFromKeep(target: PruningTarget, keep: tf.Tensor1D): MaskSet {
    const shape = target.weight.shape;
    if (this.granularity === 'element') return { weight: tf.keep(tf.reshape(keep, shape)) };
    const axis = target.channelAxis!;
    const broadcastShape = shape.map((d, i) => (i === axis ? d : 1));
    return { weight: tf.keep(tf.broadcastTo(keep.reshape(broadcastShape), shape)), bias: tf.keep(keep.clone()) };
  }
}

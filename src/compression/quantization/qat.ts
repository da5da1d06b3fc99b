/**
 * QAT_Quantizer (NNI v1; Jacob et al. 2018, https://arxiv.org/abs/1712.05877): asymmetric per-tensor
 * quantization on `q ∈ [0, 2^b − 1]`. The range is widened to contain 0 and the zero point rounded to an
 * integer, so 0 is exactly representable (pruned weights stay exactly 0):
 *
 *   scale = (max(rmax, 0) − min(rmin, 0)) / (2^b − 1),   zeroPoint = round(−min(rmin, 0) / scale)
 *
 * Weights use their current min/max. Inputs and outputs use an exponential moving average of each
 * training batch's min/max (decay 0.99), bias-corrected by `1 − 0.99^n` after n updates. Nothing is
 * quantized before `quantStartStep` optimizer steps (counted by `step()`), though ranges are tracked.
 *
 * Fixed on purpose: NNI v1 keeps one scale/zero-point buffer per layer that weights and outputs
 * overwrite in turn (here each has its own), updates the EMA in evaluation too and bias-corrects with
 * the global step count (here only training batches count).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerConfig, QuantType } from '../config.js';
import { fakeQuantize, Quantizer, quantizerSpec, type QuantizationTarget } from './quantizer.js';

export const QAT_SPEC = quantizerSpec('QAT_Quantizer', ['weight', 'input', 'output'], { extraKeys: ['quantStartStep'] });
export const QAT_EMA_DECAY = 0.99;

/** Scale and zero point (scalars) of the affine grid over [min(rmin, 0), max(rmax, 0)] with `bits`. */
export function affineGrid(rmin: tf.Tensor, rmax: tf.Tensor, bits: number): { scale: tf.Scalar; zeroPoint: tf.Scalar } {
  return tf.tidy(() => {
    const qmax = 2 ** bits - 1;
    const lo = tf.minimum(rmin, 0), hi = tf.maximum(rmax, 0);
    // A constant zero tensor has no range; the floor keeps it at zero without dividing by zero.
    const scale = tf.div(tf.maximum(tf.sub(hi, lo), 1e-30), qmax);
    const zeroPoint = tf.clipByValue(tf.round(tf.neg(tf.div(lo, scale))), 0, qmax);
    return { scale: tf.reshape(scale, []) as tf.Scalar, zeroPoint: tf.reshape(zeroPoint, []) as tf.Scalar };
  });
}

interface TrackedRange {
  readonly min: tf.Variable;
  readonly max: tf.Variable;
  /** Training batches averaged so far, for the bias correction. */
  updates: number;
}

export class QAT_Quantizer extends Quantizer {
  readonly #ranges = new Map<string, TrackedRange>();

  constructor(model: tf.LayersModel, configList: unknown) {
    super(model, configList, QAT_SPEC);
  }

  #started(config: LayerConfig): boolean {
    return this.steps >= (config.quantStartStep ?? 0);
  }

  override quantizeWeight(weight: tf.Tensor, config: LayerConfig, target: QuantizationTarget): tf.Tensor {
    if (!this.#started(config)) return weight;
    const { scale, zeroPoint } = affineGrid(tf.min(weight), tf.max(weight), target.bits);
    const qmax = 2 ** target.bits - 1;
    this.recordGrid(target, scale, zeroPoint, qmax);
    return fakeQuantize(weight, scale, zeroPoint, qmax);
  }

  override quantizeInput(input: tf.Tensor, config: LayerConfig, target: QuantizationTarget): tf.Tensor {
    return this.#quantizeActivation(input, config, target);
  }

  override quantizeOutput(output: tf.Tensor, config: LayerConfig, target: QuantizationTarget): tf.Tensor {
    return this.#quantizeActivation(output, config, target);
  }

  #quantizeActivation(x: tf.Tensor, config: LayerConfig, target: QuantizationTarget): tf.Tensor {
    const key = `${target.layerName}/${target.quantType}`;
    let tracked = this.#ranges.get(key);
    if (target.training) {
      if (tracked === undefined) {
        tracked = { min: tf.variable(tf.scalar(0), false), max: tf.variable(tf.scalar(0), false), updates: 0 };
        this.#ranges.set(key, tracked);
      }
      const t = tracked;
      tf.tidy(() => {
        t.min.assign(tf.add(tf.mul(t.min, QAT_EMA_DECAY), tf.mul(tf.min(x), 1 - QAT_EMA_DECAY)));
        t.max.assign(tf.add(tf.mul(t.max, QAT_EMA_DECAY), tf.mul(tf.max(x), 1 - QAT_EMA_DECAY)));
      });
      t.updates++;
    }
    // Until a training batch was seen there is no range to quantize on.
    if (tracked === undefined || !this.#started(config)) return x;
    const correction = 1 - QAT_EMA_DECAY ** tracked.updates;
    const { scale, zeroPoint } = affineGrid(tf.div(tracked.min, correction), tf.div(tracked.max, correction), target.bits);
    return fakeQuantize(x, scale, zeroPoint, 2 ** target.bits - 1);
  }

  /** The bias-corrected tracked range of a layer's input or output, or undefined before any training batch. */
  async trackedRange(layerName: string, quantType: Exclude<QuantType, 'weight'>): Promise<{ min: number; max: number } | undefined> {
    const t = this.#ranges.get(`${layerName}/${quantType}`);
    if (t === undefined) return undefined;
    const correction = 1 - QAT_EMA_DECAY ** t.updates;
    return { min: (await t.min.data())[0]! / correction, max: (await t.max.data())[0]! / correction };
  }

  protected override async trackedRanges(layerName: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const type of ['input', 'output'] as const) {
      const range = await this.trackedRange(layerName, type);
      if (range !== undefined) Object.assign(out, { [`tracked_min_${type}`]: range.min, [`tracked_max_${type}`]: range.max });
    }
    return out;
  }

  override dispose(): void {
    for (const t of this.#ranges.values()) tf.dispose([t.min, t.max]);
    this.#ranges.clear();
    super.dispose();
  }
}

/**
 * NaiveQuantizer (NNI v1): symmetric weights, `scale = max(previous scale, max|w| / (2^(b−1) − 1))` (a
 * running maximum), `w_q = round(w / scale)·scale`. 8 bits unless `quantBits` says otherwise. NNI casts
 * with `.type(int8)`, which truncates toward zero; we round to nearest, as quantization means.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerConfig } from '../config.js';
import { fakeQuantize, Quantizer, quantizerSpec, type QuantizationTarget } from './quantizer.js';

export const NAIVE_SPEC = quantizerSpec('NaiveQuantizer', ['weight'], { minBits: 2 });

export class NaiveQuantizer extends Quantizer {
  readonly #scales = new Map<string, tf.Variable>();

  constructor(model: tf.LayersModel, configList: unknown) {
    super(model, configList, NAIVE_SPEC);
  }

  override quantizeWeight(weight: tf.Tensor, _config: LayerConfig, target: QuantizationTarget): tf.Tensor {
    const levels = 2 ** (target.bits - 1) - 1;
    const key = `${target.layerName}/${target.weightName}`;
    const current = tf.div(tf.max(tf.abs(weight)), levels);
    const previous = this.#scales.get(key);
    // An all-zero weight has no scale of its own; 1 keeps it at zero without dividing by zero.
    const scale = tf.where(tf.greater(current, 0), current, tf.onesLike(current));
    const running = previous === undefined ? scale : tf.maximum(previous, scale);
    if (previous === undefined) this.#scales.set(key, tf.variable(running, false));
    else previous.assign(running);
    // The integers −levels…levels, stored shifted by `levels` so they start at 0.
    this.recordGrid(target, running, levels, 2 * levels);
    return fakeQuantize(weight, running, levels, 2 * levels);
  }

  override dispose(): void {
    tf.dispose([...this.#scales.values()]);
    this.#scales.clear();
    super.dispose();
  }
}

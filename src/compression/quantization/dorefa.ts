/**
 * DoReFaQuantizer (NNI v1; Zhou et al. 2016, https://arxiv.org/abs/1606.06160), weights only:
 * `w' = tanh(w) / (2·max|tanh(w)|) + ½`, `q = round(w'·n)` with `n = 2^k − 1`, `w_q = 2q/n − 1`.
 * Computed as `(q − n/2)·fround(2/n)` so that the export's `min + scale·q` reproduces it exactly.
 * (The paper also quantizes activations and gradients; NNI does not, nor do we.)
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerConfig } from '../config.js';
import { Quantizer, quantizerSpec, type QuantizationTarget } from './quantizer.js';

export const DOREFA_SPEC = quantizerSpec('DoReFaQuantizer', ['weight']);

export class DoReFaQuantizer extends Quantizer {
  constructor(model: tf.LayersModel, configList: unknown) {
    super(model, configList, DOREFA_SPEC);
  }

  override quantizeWeight(weight: tf.Tensor, _config: LayerConfig, target: QuantizationTarget): tf.Tensor {
    const n = 2 ** target.bits - 1;
    const scale = Math.fround(2 / n);
    this.recordGrid(target, scale, n / 2, n);
    return tf.tidy(() => {
      const t = tf.tanh(weight);
      // An all-zero weight would divide 0 by 0.
      const peak = tf.maximum(tf.mul(tf.max(tf.abs(t)), 2), 1e-12);
      const q = tf.round(tf.mul(tf.add(tf.div(t, peak), 0.5), n));
      return tf.mul(tf.sub(q, n / 2), scale);
    });
  }
}

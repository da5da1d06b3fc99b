/**
 * BNNQuantizer (NNI v1; Courbariaux et al. 2016, https://arxiv.org/abs/1602.02830): weights and outputs
 * become `sign(x)` with 0 → +1. Outputs take the clipped straight-through gradient (zero where |x| > 1);
 * weights the plain one. After each step the latent weights are clipped to [−1, 1], as NNI's example
 * loop does by hand.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerConfig } from '../config.js';
import { layerSetting } from '../settings.js';
import type { CompressionWrapper } from '../wrapper.js';
import { Quantizer, quantizerSpec, type QuantGrad, type QuantizationTarget } from './quantizer.js';

export const BNN_SPEC = quantizerSpec('BNNQuantizer', ['weight', 'output'], { bits: false });

/** sign with sign(0) = +1. */
export function binarize(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(tf.cast(tf.greaterEqual(x, 0), 'float32'), 2), 1));
}

/** NNI's ClipGrad: the straight-through gradient, zeroed where an output's |x| > 1. */
export const CLIPPED_STRAIGHT_THROUGH: QuantGrad = Object.freeze({
  quantBackward: (x: tf.Tensor, dy: tf.Tensor, quantType: string) =>
    quantType === 'output' ? tf.tidy(() => tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(x), 1), 'float32'))) : dy,
});

export class BNNQuantizer extends Quantizer {
  constructor(model: tf.LayersModel, configList: unknown) {
    super(model, configList, BNN_SPEC);
    this.quantGrad = CLIPPED_STRAIGHT_THROUGH;
  }

  override quantizeWeight(weight: tf.Tensor, _config: LayerConfig, target: QuantizationTarget): tf.Tensor {
    // ±1 = (q − ½)·2 for q ∈ {0, 1}.
    this.recordGrid(target, 2, 0.5, 1);
    return binarize(weight);
  }

  override quantizeOutput(output: tf.Tensor): tf.Tensor {
    return binarize(output);
  }

  protected override onStep(): void {
    tf.tidy(() => {
      for (const { layer, config } of this.selected) {
        if (!config.quantTypes?.includes('weight')) continue;
        const wrapper = this.boundModel.getLayer(layer.name) as CompressionWrapper;
        for (const name of layerSetting(layer.getClassName())!.weights) {
          const v = wrapper.innerWeight(name);
          v.write(tf.clipByValue(v.read(), -1, 1));
        }
      }
    });
  }
}

/**
 * Gradient overrides that hold on every backend. tfjs-core's FusedBatchNorm gradient tiles
 * rsqrt(var+ε) to the full input shape before multiplying; broadcasting gives the same values
 * without materialising that tensor, about a third of a BatchNorm CNN's step on wasm (engine.md §2).
 */
import * as tf from '@tensorflow/tfjs';

export function registerBroadcastBatchNormGradient(): void {
  const stock = tf.getGradient('FusedBatchNorm');
  if (stock === undefined) throw new Error('tfjs-core registers no FusedBatchNorm gradient to replace');
  tf.registerGradient({
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      const grads = stock.gradFunc(dy, saved, attrs);
      const [x, , variance, scale] = saved as tf.Tensor[];
      const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
      const dyTensor = dy as tf.Tensor;
      grads.x = () => {
        const rstd = tf.rsqrt(tf.add(variance!, varianceEpsilon));
        return tf.reshape(tf.mul(tf.mul(dyTensor, rstd), scale ?? 1), x!.shape);
      };
      return grads;
    },
  });
}

/**
 * Gradient overrides. tfjs-core's FusedBatchNorm gradient tiles rsqrt(var+ε) to the full input shape
 * before multiplying; broadcasting gives the same values without materialising that tensor, about a
 * third of a BatchNorm CNN's step on wasm (engine.md §2). That one holds on every backend; the ReLU
 * one switches to our fused kernel on wasm only.
 */
import * as tf from '@tensorflow/tfjs';
import { RELU_GRAD } from './wasm/relu-grad.js';

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

export function registerFusedReluGradient(): void {
  const stock = tf.getGradient('Relu');
  if (stock === undefined) throw new Error('tfjs-core registers no Relu gradient to replace');
  tf.registerGradient({
    ...stock,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[];
      const dyTensor = dy as tf.Tensor;
      if (tf.getBackend() !== 'wasm' || x!.dtype !== 'float32' || dyTensor.dtype !== 'float32') return stock.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dyTensor, x: x! }) as tf.Tensor };
    },
  });
}

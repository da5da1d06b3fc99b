/**
 * ReLU's gradient as one native kernel on wasm. tfjs-core computes dy · cast(step(x)): three kernels
 * and two full-size intermediates per ReLU per step. `SquishReluGrad` is our kernel name; the
 * gradient override in ../gradients.ts uses it on wasm only.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelParams } from './kernel-scope.js';
import { nativeKernels, offsetOf } from './native.js';

export const RELU_GRAD = 'SquishReluGrad';

function reluGrad({ inputs, backend }: KernelParams): tf.TensorInfo {
  const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput(x.shape, 'float32');
  nativeKernels(wasm).relu_grad(offsetOf(wasm, dy), offsetOf(wasm, x), offsetOf(wasm, out), x.shape.reduce((a, b) => a * b, 1));
  return out;
}

export const reluGradConfig: tf.KernelConfig = { kernelName: RELU_GRAD, backendName: 'wasm', kernelFunc: reluGrad };

/**
 * Identity for wasm without the copy. tfjs clones every tensor a gradient saves (and Variables read
 * through it); the stock wasm kernel copies the data each time (33 copies per BigCNN step). Tensors
 * are immutable and no wasm kernel writes into its input, so sharing the data with a reference
 * count is safe; it is what the cpu backend does.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelParams } from './kernel-scope.js';

function identity({ inputs, backend }: KernelParams): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: tf.KernelConfig = { kernelName: 'Identity', backendName: 'wasm', kernelFunc: identity };

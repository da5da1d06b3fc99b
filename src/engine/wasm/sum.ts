/**
 * Sum over leading axes for wasm, as bias gradients need it (dy [B, H, W, C] → [C]). The stock kernel
 * first transposes the reduced axes to the end, copying the whole tensor; ours (native/kernels.c)
 * adds rows in place, 16 columns per pass. Other reductions go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelParams } from './kernel-scope.js';
import { nativeKernels, offsetOf } from './native.js';

export function leadingAxesSum(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (params: KernelParams): tf.TensorInfo => {
    const { inputs, backend, attrs } = params;
    const { x } = inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
    const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
    const k = axes.length;
    if (x.dtype !== 'float32' || k === 0 || k === x.shape.length || axes[k - 1] !== k - 1) return stock.kernelFunc(params) as tf.TensorInfo;
    const wasm = backend as BackendWasm;
    const kept = x.shape.slice(k);
    const out = wasm.makeOutput(keepDims ? [...new Array<number>(k).fill(1), ...kept] : kept, 'float32');
    const cols = tf.util.sizeFromShape(kept);
    nativeKernels(wasm).sum_rows(offsetOf(wasm, x), offsetOf(wasm, out), tf.util.sizeFromShape(x.shape) / cols, cols);
    return out;
  };
  return { ...stock, kernelFunc };
}

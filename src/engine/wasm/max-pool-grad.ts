/**
 * MaxPoolGrad for wasm. The stock kernel is a scalar loop that rescans every window for every input
 * pixel (11–18 % of a CNN training step, 17–49× the cost of MaxPool). Ours (native/kernels.c) scans
 * each window once, four channels per SIMD step, and gives dy to the window's first maximum in
 * row-major order, as the cpu backend does (the stock wasm kernel splits ties differently).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelParams } from './kernel-scope.js';
import { nativeKernels, offsetOf } from './native.js';

function maxPoolGrad({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput(input.shape, 'float32');
  nativeKernels(wasm).max_pool_grad(offsetOf(wasm, input), offsetOf(wasm, dy), offsetOf(wasm, out), info.batchSize, info.inHeight, info.inWidth,
    info.inChannels, info.outHeight, info.outWidth, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad };

/**
 * Registers Squish's wasm training kernels: the three backprop kernels tfjs-backend-wasm lacks,
 * faster replacements for slow stock ones (Conv2DBackpropInput, MaxPoolGrad, BatchMatMul, GatherV2,
 * Slice, Sum, Add, Identity, Conv2D, FusedConv2D), a fused ReLU gradient and a fused Adam step. Call after importing the
 * wasm backend and before `tf.setBackend('wasm')`, so that the kept setup functions run when the
 * backend initialises.
 */
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig, conv2DBackpropInputConfig } from './conv2d-backprop.js';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-backprop.js';
import { nativeBatchMatMul } from './batch-matmul.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { rowGather } from './gather.js';
import { inPlaceSlice } from './slice.js';
import { leadingAxesSum } from './sum.js';
import { biasAdd } from './bias-add.js';
import { identityConfig } from './identity.js';
import { reluGradConfig } from './relu-grad.js';
import { nativeConv2D, nativeFusedConv2D } from './conv2d.js';
import { adamStepConfig } from './adam-step.js';
import { registerBroadcastBatchNormGradient, registerFusedReluGradient } from '../gradients.js';

let registered = false;

function replaceKernel(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) !== undefined) {
    tf.unregisterKernel(config.kernelName, config.backendName);
  }
  tf.registerKernel(config);
}

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const stock = (name: string) => {
    const config = tf.getKernel(name, 'wasm');
    if (config === undefined) throw new Error('tfjs-backend-wasm must be imported before registering training kernels');
    return config;
  };
  for (const config of [conv2DBackpropFilterConfig, conv2DBackpropInputConfig, depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig, maxPoolGradConfig,
    identityConfig, reluGradConfig, adamStepConfig,
    nativeBatchMatMul(stock('BatchMatMul')), nativeConv2D(stock('Conv2D')), nativeFusedConv2D(stock('FusedConv2D')), rowGather(stock('GatherV2')), inPlaceSlice(stock('Slice')), leadingAxesSum(stock('Sum')), biasAdd(stock('Add'))]) {
    replaceKernel(config);
  }
  registerBroadcastBatchNormGradient();
  registerFusedReluGradient();
}

/**
 * Conv2D on wasm: which kernel computes each shape (dilated convolutions stay XNNPACK's). Winograd
 * for stride-1 3×3 and 5×5 filters unless turned off (winograd.ts);
 * the direct loops for few input channels (small-channel-conv.ts); our matrix products where the
 * output channels come in fours (conv-gemm.ts); else the stock XNNPACK kernel. The gradients follow
 * the same order (conv2d-backprop.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { KernelScope, type KernelParams } from './kernel-scope.js';
import { gemmConv, gemmConvSuits } from './conv-gemm.js';
import { isSmallChannelConv, smallChannelConv } from './small-channel-conv.js';
import { winogradApplies, winogradConv } from './winograd.js';

export function nativeConv2D(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (params: KernelParams): tf.TensorInfo => {
    const { x, filter } = params.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = params.attrs as unknown as tf.Conv2DAttrs;
    if (dataFormat !== 'NHWC') return stock.kernelFunc(params) as tf.TensorInfo;
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, dilations, pad, dimRoundingMode);
    // All our kernels assume dilation 1, as the gradients always have it (tfjs has no dilated gradient).
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return stock.kernelFunc(params) as tf.TensorInfo;
    const s = new KernelScope(params.backend);
    if (winogradApplies(info)) return s.finish(winogradConv(s, x, filter, info));
    if (isSmallChannelConv(info)) return s.finish(smallChannelConv(s, x, filter, info));
    if (gemmConvSuits(info)) return s.finish(gemmConv(s, x, filter, info));
    return stock.kernelFunc(params) as tf.TensorInfo;
  };
  return { ...stock, kernelFunc };
}

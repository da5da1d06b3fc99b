/**
 * Gradients of Conv2D for wasm (formulas verified in shared/notes/engine.md §2), in the order of
 * conv2d.ts: Winograd where it applies (winograd.ts). Otherwise the input gradient is
 * col2im(dy · Wᵀ) with our own products (conv-gemm.ts), for every shape; the filter gradient is a
 * direct loop for few input channels (small-channel-conv.ts), patchesᵀ · dy with our products where
 * the output channels come in fours, else an XNNPACK convolution of the padded input with dy used as
 * a dilated filter ("variant A"). NHWC, dilation 1.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelScope, type KernelParams } from './kernel-scope.js';
import { gemmConvFilterGrad, gemmConvInputGrad, gemmConvSuits } from './conv-gemm.js';
import { winogradApplies, winogradFilterGrad, winogradInputGrad } from './winograd.js';
import { isSmallChannelConv, smallChannelFilterGrad } from './small-channel-conv.js';

/** dW as an XNNPACK convolution of the padded x (batch and channels swapped) with dy as a dilated filter. */
function filterGradConv(s: KernelScope, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { inChannels: ci, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const xt = s.transpose(s.padSpatial(x, info.padInfo), [3, 1, 2, 0]); // [Ci, Hp, Wp, B]
  const f = s.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
  const o = s.run('Conv2D', { x: xt, filter: f }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] });
  return s.transpose(s.slice(o, [0, 0, 0, 0], [ci, kh, kw, co]), [1, 2, 0, 3]);
}

function conv2DBackpropFilter({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const s = new KernelScope(backend);
  if (winogradApplies(info)) return s.finish(winogradFilterGrad(s, x, dy, info));
  if (isSmallChannelConv(info)) return s.finish(smallChannelFilterGrad(s, x, dy, info));
  return s.finish(gemmConvSuits(info) ? gemmConvFilterGrad(s, x, dy, info) : filterGradConv(s, x, dy, info));
}

function conv2DBackpropInput({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  const s = new KernelScope(backend);
  return s.finish(winogradApplies(info) ? winogradInputGrad(s, dy, filter, info) : gemmConvInputGrad(s, dy, filter, info));
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter };
export const conv2DBackpropInputConfig: tf.KernelConfig = { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput };

/**
 * Gradients of Conv2D for wasm (formulas verified in shared/notes/engine.md §2), by Winograd where
 * the user opted in (winograd.ts). Otherwise: the input gradient
 * is col2im(dy · Wᵀ) with our own products (conv-gemm.ts), for every shape. The filter gradient is
 * patchesᵀ · dy with our products where the output channels come in fours; otherwise, as XNNPACK
 * work: im2col · dy for few input channels, else the padded input correlated with dy used as a
 * dilated filter ("variant A"). NHWC, dilation 1.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelScope, type KernelParams } from './kernel-scope.js';
import { gemmConvFilterGrad, gemmConvInputGrad, gemmConvSuits } from './conv-gemm.js';
import { winogradApplies, winogradFilterGrad, winogradInputGrad } from './winograd.js';

/**
 * dy as the input of the stride-1 "valid" convolution with the flipped filter that gives dx:
 * zero-dilated by the stride and padded to [B, H+KH-1, W+KW-1, C] (a negative pad crops).
 */
export function transposedInput(s: KernelScope, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { padInfo: p, filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w } = info;
  return s.padDilate(dy, info.strideHeight, info.strideWidth, kh - 1 - p.top, kw - 1 - p.left, h + kh - 1, w + kw - 1);
}

/** dW as one XNNPACK matrix product of the transposed im2col of x with dy. */
function filterGradIm2col(s: KernelScope, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: b, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const k = kh * kw * ci, n = b * oh * ow;
  const cols = s.scratch([1, k, n]);
  s.native.im2col_t(s.offset(x), s.offset(cols), b, h, w, ci, oh, ow, kh, kw, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
  const dw = s.run('BatchMatMul', { a: cols, b: s.reshape(dy, [1, n, co]) }, { transposeA: false, transposeB: false });
  return s.reshape(dw, [kh, kw, ci, co]);
}

/** dW as an XNNPACK convolution of the padded x (batch and channels swapped) with dy as a dilated filter. */
function filterGradConv(s: KernelScope, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { inChannels: ci, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const xt = s.transpose(s.padSpatial(x, info.padInfo), [3, 1, 2, 0]); // [Ci, Hp, Wp, B]
  const f = s.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
  const o = s.run('Conv2D', { x: xt, filter: f }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] });
  return s.transpose(s.slice(o, [0, 0, 0, 0], [ci, kh, kw, co]), [1, 2, 0, 3]);
}

/**
 * Up to this many input channels dW goes through im2col. With few channels the convolution form is a
 * 25-pixel output over a huge dilated kernel, which XNNPACK runs at ~3 GFLOP/s (BigCNN conv1 dW:
 * 25–50 ms against 4–9 ms by im2col); from Ci = 6 on the two are even, and im2col's buffer
 * (KH·KW·Ci × B·OH·OW floats) only grows.
 */
const IM2COL_MAX_IN_CHANNELS = 4;
/** Largest patch matrix (im2col or dy · Wᵀ, KH·KW·Ci × B·OH·OW) we allocate: 128 MB of heap. */
const MAX_PATCH_FLOATS = 2 ** 25;

function patchFloats(info: tf.backend_util.Conv2DInfo): number {
  return info.filterHeight * info.filterWidth * info.inChannels * info.batchSize * info.outHeight * info.outWidth;
}

function conv2DBackpropFilter({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const s = new KernelScope(backend);
  if (winogradApplies(info)) return s.finish(winogradFilterGrad(s, x, dy, info));
  if (gemmConvSuits(info)) return s.finish(gemmConvFilterGrad(s, x, dy, info));
  const im2col = info.inChannels <= IM2COL_MAX_IN_CHANNELS && patchFloats(info) <= MAX_PATCH_FLOATS;
  return s.finish(im2col ? filterGradIm2col(s, x, dy, info) : filterGradConv(s, x, dy, info));
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

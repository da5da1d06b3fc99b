/**
 * Gradients of Conv2D for wasm, as XNNPACK convolutions and products (formulas verified in
 * shared/notes/engine.md §2): the filter gradient correlates the padded input with dy used as a
 * dilated filter ("variant A"), or for few input channels is a direct native loop
 * (small-channel-conv.ts: with few channels the convolution form is a 25-pixel output over a huge
 * dilated kernel, which XNNPACK runs at ~3 GFLOP/s); the input gradient
 * convolves the zero-dilated, padded dy with the flipped filter ("variant X", 4–10× faster than the
 * stock scalar loop), or for valid or strided convolutions is col2im(dy · Wᵀ). NHWC, dilation 1.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelScope, type KernelParams } from './kernel-scope.js';
import { isSmallChannelConv, smallChannelFilterGrad } from './small-channel-conv.js';

/**
 * dy as the input of the stride-1 "valid" convolution with the flipped filter that gives dx:
 * zero-dilated by the stride and padded to [B, H+KH-1, W+KW-1, C] (a negative pad crops).
 */
export function transposedInput(s: KernelScope, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { padInfo: p, filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w } = info;
  return s.padDilate(dy, info.strideHeight, info.strideWidth, kh - 1 - p.top, kw - 1 - p.left, h + kh - 1, w + kw - 1);
}

/** dW as an XNNPACK convolution of the padded x (batch and channels swapped) with dy as a dilated filter. */
function filterGradConv(s: KernelScope, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { inChannels: ci, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const xt = s.transpose(s.padSpatial(x, info.padInfo), [3, 1, 2, 0]); // [Ci, Hp, Wp, B]
  const f = s.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
  const o = s.run('Conv2D', { x: xt, filter: f }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] });
  return s.transpose(s.slice(o, [0, 0, 0, 0], [ci, kh, kw, co]), [1, 2, 0, 3]);
}

/** Largest patch matrix (dy · Wᵀ, KH·KW·Ci × B·OH·OW) we allocate: 128 MB of heap. */
const MAX_PATCH_FLOATS = 2 ** 25;

function patchFloats(info: tf.backend_util.Conv2DInfo): number {
  return info.filterHeight * info.filterWidth * info.inChannels * info.batchSize * info.outHeight * info.outWidth;
}

function conv2DBackpropFilter({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const s = new KernelScope(backend);
  return s.finish(isSmallChannelConv(info) ? smallChannelFilterGrad(s, x, dy, info) : filterGradConv(s, x, dy, info));
}

/** dx as col2im(dy · Wᵀ): work only at real output positions. */
function inputGradCol2im(s: KernelScope, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: b, inHeight: h, inWidth: w, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const k = kh * kw * ci, n = b * oh * ow;
  const cols = s.run('BatchMatMul', { a: s.reshape(dy, [1, n, co]), b: s.reshape(filter, [1, k, co]) }, { transposeA: false, transposeB: true });
  const dx = s.scratch([b, h, w, ci]);
  s.native.col2im(s.offset(cols), s.offset(dx), b, h, w, ci, oh, ow, kh, kw, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
  return dx;
}

/** dx as an XNNPACK convolution of the zero-dilated, padded dy with the flipped filter. */
function inputGradConv(s: KernelScope, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const flipped = s.transpose(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]); // [KH, KW, Co, Ci]
  return s.run('Conv2D', { x: transposedInput(s, dy, info), filter: flipped }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] });
}

/**
 * The convolution form of dx multiplies every input position (H·W) by the whole filter, the
 * inserted zeros included; col2im only real output positions (OH·OW). When those differ enough
 * (valid padding, strides) col2im's extra pass pays for itself: LeNet conv2's dx 3.3 → 2.2 ms, a
 * stride-2 3×3 convolution's [64,28,28,16] dx 17 → 5 ms (CPU time, medians of 5). For stride-1
 * 'same' convolutions the two are even (BigCNN conv2: 39 and 40 ms), so the convolution stays.
 */
const COL2IM_MIN_AREA_RATIO = 1.5;

function conv2DBackpropInput({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  const s = new KernelScope(backend);
  const col2im = info.inHeight * info.inWidth >= COL2IM_MIN_AREA_RATIO * info.outHeight * info.outWidth && patchFloats(info) <= MAX_PATCH_FLOATS;
  return s.finish(col2im ? inputGradCol2im(s, dy, filter, info) : inputGradConv(s, dy, filter, info));
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter };
export const conv2DBackpropInputConfig: tf.KernelConfig = { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput };

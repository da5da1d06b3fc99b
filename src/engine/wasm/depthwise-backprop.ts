/**
 * Gradients of DepthwiseConv2dNative for wasm (not registered in tfjs-backend-wasm 4.22), composed
 * of stride-1 depthwise convolutions as in shared/notes/engine.md §2. Batch and channels are folded
 * into one channel axis so that one depthwise call computes every per-channel correlation.
 * NHWC; tfjs only asks for these with dilation 1.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelScope, type KernelParams } from './kernel-scope.js';

/**
 * dy as the input of the stride-1 "valid" convolution with the flipped filter that gives dx:
 * zero-dilated by the stride and padded to [B, H+KH-1, W+KW-1, C] (a negative pad crops).
 */
function transposedInput(s: KernelScope, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { padInfo: p, filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w } = info;
  return s.padDilate(dy, info.strideHeight, info.strideWidth, kh - 1 - p.top, kw - 1 - p.left, h + kh - 1, w + kw - 1);
}

function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, true);
  const [b] = x.shape;
  const [kh, kw, c, m] = filterShape;
  const s = new KernelScope(backend);
  const xp = s.padSpatial(x, info.padInfo);
  const [, hp, wp] = xp.shape;
  const xt = s.reshape(s.transpose(xp, [1, 2, 0, 3]), [1, hp, wp, b * c]);
  const f = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [info.outHeight, info.outWidth, b * c, m]);
  const o = s.run('DepthwiseConv2dNative', { x: xt, filter: f }, { strides: [1, 1], pad: 'valid', dilations: [info.strideHeight, info.strideWidth] });
  const perBatch = s.reshape(s.slice(o, [0, 0, 0, 0], [1, kh, kw, b * c * m]), [kh, kw, b, c * m]);
  const dw = s.reshape(s.run('Sum', { x: perBatch }, { axis: [2], keepDims: false }), [kh, kw, c, m]);
  return s.finish(dw);
}

function depthwiseBackpropInput({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const [kh, kw, c, m] = filter.shape;
  const info = tf.backend_util.computeConv2DInfo(inputShape, [kh, kw, c, m], strides, 1, pad, dimRoundingMode, true);
  const s = new KernelScope(backend);
  const dyp = transposedInput(s, dy, info);
  const flipped = s.reshape(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [kh, kw, c * m, 1]);
  const o = s.run('DepthwiseConv2dNative', { x: dyp, filter: flipped }, { strides: [1, 1], pad: 'valid', dilations: [1, 1] });
  const [b, h, w] = inputShape;
  const dx = m === 1 ? s.reshape(o, [b, h, w, c]) : s.run('Sum', { x: s.reshape(o, [b, h, w, c, m]) }, { axis: [4], keepDims: false });
  return s.finish(dx);
}

export const depthwiseBackpropFilterConfig: tf.KernelConfig = { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'wasm', kernelFunc: depthwiseBackpropFilter };
export const depthwiseBackpropInputConfig: tf.KernelConfig = { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: depthwiseBackpropInput };

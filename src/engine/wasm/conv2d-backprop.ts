/**
 * Gradients of Conv2D for wasm, as stride-1 XNNPACK convolutions (formulas verified in
 * shared/notes/engine.md §2): the filter gradient correlates the padded input with dy used as a
 * dilated filter ("variant A"); the input gradient convolves the zero-dilated, padded dy with the
 * flipped filter ("variant X", 4–10× faster than the stock scalar loop). NHWC, dilation 1.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelScope, type KernelParams } from './kernel-scope.js';

type Pad = tf.backend_util.PadInfo;

/** The padding of the transposed convolution that maps dy [OH] back to x [H]. */
export function transposedPadding(info: tf.backend_util.Conv2DInfo): [number, number, number, number] {
  const { padInfo: p, filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  // dilate() already appended sh-1 zero rows (sw-1 columns) after the last one; they count toward bottom/right.
  return [kh - 1 - p.top, h - 1 - (oh - 1) * sh + p.top - (sh - 1), kw - 1 - p.left, w - 1 - (ow - 1) * sw + p.left - (sw - 1)];
}

export function paddingOf(p: Pad): Array<[number, number]> {
  return [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]];
}

function conv2DBackpropFilter({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const s = new KernelScope(backend);
  const [kh, kw, ci, co] = filterShape;
  const xt = s.transpose(s.pad(x, paddingOf(info.padInfo)), [3, 1, 2, 0]); // [Ci, Hp, Wp, B]
  const f = s.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
  const o = s.run('Conv2D', { x: xt, filter: f }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] });
  const dw = s.transpose(s.slice(o, [0, 0, 0, 0], [ci, kh, kw, co]), [1, 2, 0, 3]);
  return s.finish(dw);
}

function conv2DBackpropInput({ inputs, backend, attrs }: KernelParams): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
  const s = new KernelScope(backend);
  const dyp = s.padOrCrop(s.dilate(dy, info.strideHeight, info.strideWidth), transposedPadding(info));
  const flipped = s.transpose(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]); // [KH, KW, Co, Ci]
  const dx = s.run('Conv2D', { x: dyp, filter: flipped }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] });
  return s.finish(dx);
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter };
export const conv2DBackpropInputConfig: tf.KernelConfig = { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput };

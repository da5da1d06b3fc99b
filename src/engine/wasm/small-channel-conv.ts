/**
 * Convolutions over few input channels (an image model's first layers) as direct native SIMD loops
 * (native/small-conv.c) on the zero-padded input: Conv2D and the filter gradient. With one input
 * channel XNNPACK runs LeNet's conv1 at ~12 GFLOP/s and im2col · dy its dW at ~4; the direct loops,
 * 8 accumulators in registers, run at 25–40.
 *
 * FusedConv2D (what tfjs-layers runs in predict) uses the same loops, with the bias and ReLU applied
 * as each output is stored (conv2d.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import type { KernelScope } from './kernel-scope.js';
import { epilogueArgs, NO_EPILOGUE, type ConvEpilogue } from './conv-epilogue.js';

/**
 * Up to this many input channels. Measured against XNNPACK's forward and the
 * convolution-form dW (CPU ms per batch of 64): Ci = 6 (LeNet conv2) forward 1.0 → 0.9, dW 2.0 → 0.8;
 * Ci = 16, 3×3 forward 1.7 → 1.4 (stride 2: 1.07 → 1.10, even), dW 4.3 → 1.5. Many channels are
 * left to the many-channel kernels (XNNPACK, the convolution form, Winograd).
 */
const MAX_IN_CHANNELS = 16;

export function isSmallChannelConv(info: tf.backend_util.Conv2DInfo): boolean {
  return info.inChannels <= MAX_IN_CHANNELS;
}

/** dW [KH, KW, Ci, Co] for NHWC x and dy. */
export function smallChannelFilterGrad(s: KernelScope, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: b, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const xp = s.padSpatial(x, info.padInfo);
  const slots = s.scratch([kh * kw * ci * Math.ceil(co / 4) * 4]);
  const dw = s.scratch([kh, kw, ci, co]);
  s.native.small_conv2d_filter_grad(s.offset(xp), s.offset(dy), s.offset(slots), s.offset(dw), b, xp.shape[1]!, xp.shape[2]!, ci, oh, ow, co, kh, kw,
    info.strideHeight, info.strideWidth);
  return dw;
}

/** y = conv(x, filter) (+ bias, ReLU), [B, OH, OW, Co]. */
export function smallChannelConv(s: KernelScope, x: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo,
  epilogue: ConvEpilogue = NO_EPILOGUE): tf.TensorInfo {
  const { batchSize: b, inChannels: ci, outHeight: oh, outWidth: ow, outChannels: co, filterHeight: kh, filterWidth: kw } = info;
  const xp = s.padSpatial(x, info.padInfo);
  const out = s.scratch([b, oh, ow, co]);
  s.native.small_conv2d(s.offset(xp), s.offset(filter), ...epilogueArgs(s, epilogue), s.offset(out), b, xp.shape[1]!, xp.shape[2]!, ci, oh, ow, co, kh, kw, info.strideHeight, info.strideWidth);
  return out;
}

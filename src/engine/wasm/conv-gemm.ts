/**
 * Convolutions as our own matrix products over patch rows (native/conv-gemm.c): forward, filter
 * gradient and input gradient, for any stride and padding. Same sums as a direct convolution, in
 * the same float32, so the numerics match the cpu backend as XNNPACK's do.
 */
import type * as tf from '@tensorflow/tfjs';
import type { KernelScope } from './kernel-scope.js';

/**
 * Whether our products beat XNNPACK on this convolution's forward pass and filter gradient: they
 * work in register tiles of 8 (and 4) output channels, so other counts fall to scalar loops
 * (conv 6@5×5 over 6 channels: forward 12.8 ms against 8.9, dW 17 against 9).
 */
export function gemmConvSuits(info: tf.backend_util.Conv2DInfo): boolean {
  return info.outChannels % 4 === 0;
}

/** Floats of patch matrix per chunk of output pixels: 256 KB, which stays in L2 next to the filter. */
const PATCH_CHUNK_FLOATS = 1 << 16;

/**
 * The patch length k (KH·KW·Ci), the native kernels' shape arguments ending with the chunk (output
 * pixels per patch matrix), and the patch matrix's scratch (chunk · k floats).
 */
function patchLayout(s: KernelScope, info: tf.backend_util.Conv2DInfo): { k: number; args: number[]; patches: number } {
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  // A multiple of 4: the products' register tiles take 4 rows, and a leftover row runs 3–4× slower.
  const chunk = Math.min(info.outHeight * info.outWidth, Math.max(4, 4 * Math.floor(PATCH_CHUNK_FLOATS / k / 4)));
  const args = [info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels, info.filterHeight, info.filterWidth,
    info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left, chunk];
  return { k, args, patches: s.offset(s.scratch([chunk * k])) };
}

export function gemmConv(s: KernelScope, x: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { args, patches } = patchLayout(s, info);
  const y = s.scratch([info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  s.native.conv_gemm_forward(s.offset(x), s.offset(filter), s.offset(y), patches, info.batchSize, ...args);
  return y;
}

export function gemmConvFilterGrad(s: KernelScope, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { args, patches } = patchLayout(s, info);
  const dw = s.scratch([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels]);
  s.native.conv_gemm_filter_grad(s.offset(x), s.offset(dy), s.offset(dw), patches, info.batchSize, ...args);
  return dw;
}

export function gemmConvInputGrad(s: KernelScope, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { k, args, patches } = patchLayout(s, info);
  const filterT = s.transpose(s.reshape(filter, [k, info.outChannels]), [1, 0]);
  const dx = s.scratch([info.batchSize, info.inHeight, info.inWidth, info.inChannels]);
  s.native.conv_gemm_input_grad(s.offset(dy), s.offset(filterT), s.offset(dx), patches, info.batchSize, ...args);
  return dx;
}

/**
 * Conv2D and FusedConv2D on wasm: which kernel computes each shape (dilated convolutions stay
 * XNNPACK's). Winograd for stride-1 3×3 and 5×5 filters unless turned off (winograd.ts); the direct
 * loops for few input channels (small-channel-conv.ts); for Conv2D, our matrix products where the
 * output channels come in fours (conv-gemm.ts); else the stock XNNPACK kernel. The gradients follow
 * the same order (conv2d-backprop.ts).
 *
 * FusedConv2D is what tfjs-layers runs in predict (and for layers without activation in training):
 * conv + bias + activation. Winograd and the direct loops add the bias and apply ReLU as they store
 * each output; other activations, PReLU weights and other shapes go to XNNPACK. BigCNN predicts
 * 2.7× faster so (bench/engine-results.md). Our sums run in another order than XNNPACK's, so
 * predictions differ from stock tfjs's by float32 rounding (≤ 1e-5 relative, as every kernel here);
 * `useStockInference(true)` gives XNNPACK's bit for bit, as stock tfjs computes them.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelScope, type KernelParams } from './kernel-scope.js';
import { gemmConv, gemmConvSuits } from './conv-gemm.js';
import { isSmallChannelConv, smallChannelConv } from './small-channel-conv.js';
import { winogradApplies, winogradConv } from './winograd.js';
import type { ConvEpilogue } from './conv-epilogue.js';

/** The convolution's shape, when our kernels may compute it: NHWC and dilation 1 (the gradients always have it, tfjs has no dilated one). */
function ourConvInfo(params: KernelParams): tf.backend_util.Conv2DInfo | undefined {
  const { x, filter } = params.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = params.attrs as unknown as tf.Conv2DAttrs;
  if (dataFormat !== 'NHWC') return undefined;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    strides, dilations, pad, dimRoundingMode);
  return info.dilationHeight === 1 && info.dilationWidth === 1 ? info : undefined;
}

/** y by Winograd or the direct loops, through the epilogue; undefined when neither computes this shape. */
function fusingConv(s: KernelScope, x: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo,
  epilogue?: ConvEpilogue): tf.TensorInfo | undefined {
  if (winogradApplies(info)) return winogradConv(s, x, filter, info, epilogue);
  if (isSmallChannelConv(info)) return smallChannelConv(s, x, filter, info, epilogue);
  return undefined;
}

export function nativeConv2D(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (params: KernelParams): tf.TensorInfo => {
    const { x, filter } = params.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const info = ourConvInfo(params);
    if (info === undefined) return stock.kernelFunc(params) as tf.TensorInfo;
    const s = new KernelScope(params.backend);
    const y = fusingConv(s, x, filter, info) ?? (gemmConvSuits(info) ? gemmConv(s, x, filter, info) : undefined);
    return y === undefined ? stock.kernelFunc(params) as tf.TensorInfo : s.finish(y);
  };
  return { ...stock, kernelFunc };
}

let stockInference = process.env.SQUISH_STOCK_INFERENCE === '1';

/** FusedConv2D on XNNPACK (true: predictions bit for bit as stock tfjs-backend-wasm's) or on our kernels (false, the default). */
export function useStockInference(on: boolean): void {
  stockInference = on;
}

/** Runs `work` with `useStockInference(true)`, then puts the previous choice back. */
export async function withStockInference<T>(work: () => Promise<T>): Promise<T> {
  const previous = stockInference;
  stockInference = true;
  try {
    return await work();
  } finally {
    stockInference = previous;
  }
}

export function nativeFusedConv2D(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (params: KernelParams): tf.TensorInfo => {
    const { x, filter, bias, preluActivationWeights } = params.inputs as Record<string, tf.TensorInfo | undefined>;
    const { activation } = params.attrs as unknown as tf.FusedConv2DAttrs;
    const info = stockInference || preluActivationWeights !== undefined || (activation !== 'linear' && activation !== 'relu') ? undefined : ourConvInfo(params);
    // A bias that is not one value per output channel goes to XNNPACK, which refuses it.
    if (info === undefined || (bias !== undefined && tf.util.sizeFromShape(bias.shape) !== info.outChannels)) return stock.kernelFunc(params) as tf.TensorInfo;
    const s = new KernelScope(params.backend);
    const y = fusingConv(s, x!, filter!, info, { bias, relu: activation === 'relu' });
    return y === undefined ? stock.kernelFunc(params) as tf.TensorInfo : s.finish(y);
  };
  return { ...stock, kernelFunc };
}

/** FusedConv2D's epilogue, which our forward convolutions apply as they store each output. */
import type * as tf from '@tensorflow/tfjs';
import type { KernelScope } from './kernel-scope.js';

/** y + bias (per output channel), then max(y, 0) when `relu`. */
export interface ConvEpilogue {
  readonly bias?: tf.TensorInfo;
  readonly relu: boolean;
}

export const NO_EPILOGUE: ConvEpilogue = { relu: false };

/** The native kernels' (bias, relu) arguments: a null bias pointer adds nothing. */
export function epilogueArgs(s: KernelScope, epilogue: ConvEpilogue): [number, number] {
  return [epilogue.bias === undefined ? 0 : s.offset(epilogue.bias), epilogue.relu ? 1 : 0];
}

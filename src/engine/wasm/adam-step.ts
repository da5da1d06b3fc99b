/**
 * One variable's Adam update as one native call (native/adam.c) instead of tfjs's ~13 kernels.
 * `SquishAdamStep` takes the variable, its moments and its gradient and returns the new variable and
 * moments in fresh buffers, for ../adam.ts to assign. Not in place: XNNPACK caches a Conv2D filter or
 * MatMul weight packed, keyed by tensor, so a weight overwritten where it lies would be used stale.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelParams } from './kernel-scope.js';
import { nativeKernels, offsetOf } from './native.js';

export const ADAM_STEP = 'SquishAdamStep';

/** The step's float32 constants, named and rounded as in native/adam.c. */
export interface AdamScalars {
  readonly b1: number;
  readonly c1: number;
  readonly b2: number;
  readonly c2: number;
  readonly oma1: number;
  readonly oma2: number;
  readonly eps: number;
  readonly negLr: number;
}

function adamStep({ inputs, backend, attrs }: KernelParams): tf.TensorInfo[] {
  const { x, m, v, g } = inputs as { x: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo; g: tf.TensorInfo };
  const s = attrs as unknown as AdamScalars;
  const wasm = backend as BackendWasm;
  const [xOut, mOut, vOut] = [x, m, v].map((t) => wasm.makeOutput(t.shape, 'float32')) as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  const at = (t: tf.TensorInfo) => offsetOf(wasm, t);
  nativeKernels(wasm).adam_step(at(x), at(m), at(v), at(g), at(xOut), at(mOut), at(vOut), tf.util.sizeFromShape(x.shape),
    s.b1, s.c1, s.b2, s.c2, s.oma1, s.oma2, s.eps, s.negLr);
  return [xOut, mOut, vOut];
}

export const adamStepConfig: tf.KernelConfig = { kernelName: ADAM_STEP, backendName: 'wasm', kernelFunc: adamStep };

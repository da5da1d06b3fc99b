/**
 * GatherV2 along axis 0 for wasm: whole rows copied with one `memory.copy` each (native/kernels.c).
 * tfjs-layers' `fit` gathers every batch this way (and our epoch shuffle the whole set); the stock
 * kernel walks the output element by element, ~10 % of a LeNet-5 step. Other axes go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelParams } from './kernel-scope.js';
import { nativeKernels, offsetOf } from './native.js';

const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

export function rowGather(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (params: KernelParams): tf.TensorInfo => {
    const { inputs, backend, attrs } = params;
    const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = attrs as unknown as tf.GatherV2Attrs;
    const bytes = BYTES[x.dtype];
    if (tf.util.parseAxisParam(axis, x.shape)[0] !== 0 || batchDims !== 0 || bytes === undefined || indices.dtype !== 'int32') {
      return stock.kernelFunc(params) as tf.TensorInfo;
    }
    const wasm = backend as BackendWasm;
    const [rows, ...rest] = x.shape;
    const idx = wasm.typedArrayFromHeap(indices);
    for (const row of idx) {
      if (!(row >= 0 && row < rows!)) throw new Error(`GatherV2: the index value ${row} is not in [0, ${rows! - 1}]`);
    }
    const count = idx.length;
    // makeOutput may grow the wasm heap, which detaches `idx` (its length then reads 0): count first.
    const out = wasm.makeOutput([...indices.shape, ...rest], x.dtype);
    nativeKernels(wasm).gather_rows(offsetOf(wasm, x), offsetOf(wasm, indices), offsetOf(wasm, out), count, tf.util.sizeFromShape(rest) * bytes);
    return out;
  };
  return { ...stock, kernelFunc };
}

/**
 * GatherV2 along axis 0 for wasm: whole rows copied with one `copyWithin` each. tfjs-layers' `fit`
 * gathers every batch this way (and our epoch shuffle the whole set); the stock kernel walks the
 * output element by element, ~10 % of a LeNet-5 step. Other axes go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelParams } from './kernel-scope.js';

const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

export function rowGather(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (params: KernelParams): tf.TensorInfo => {
    const { inputs, backend, attrs } = params;
    const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = attrs as unknown as tf.GatherV2Attrs;
    const bytes = BYTES[x.dtype];
    if (tf.util.parseAxisParam(axis, x.shape)[0] !== 0 || batchDims !== 0 || bytes === undefined) {
      return stock.kernelFunc(params) as tf.TensorInfo;
    }
    const wasm = backend as BackendWasm;
    const [rows, ...rest] = x.shape;
    const rowBytes = tf.util.sizeFromShape(rest) * bytes;
    const out = wasm.makeOutput([...indices.shape, ...rest], x.dtype);
    const idx = wasm.typedArrayFromHeap(indices);
    const heap = new Uint8Array(idx.buffer); // the whole wasm heap
    const src = wasm.getMemoryOffset(x.dataId);
    let dst = wasm.getMemoryOffset(out.dataId);
    for (let i = 0; i < idx.length; i++, dst += rowBytes) {
      const row = idx[i]!;
      if (!(row >= 0 && row < rows!)) {
        wasm.disposeData(out.dataId);
        throw new Error(`GatherV2: the index value ${row} is not in [0, ${rows! - 1}]`);
      }
      heap.copyWithin(dst, src + row * rowBytes, src + (row + 1) * rowBytes);
    }
    return out;
  };
  return { ...stock, kernelFunc };
}

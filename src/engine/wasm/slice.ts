/**
 * Slice for wasm that reads the input in place. The stock kernel first copies the *whole* input out
 * of the heap (`readSync`), so `predict` and `evaluate`, which slice each batch off the full set,
 * spent ~60 % of LeNet-5 inference copying. Here contiguous runs are copied heap to heap.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelParams } from './kernel-scope.js';

export function inPlaceSlice(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (params: KernelParams): tf.TensorInfo => {
    const { inputs, backend, attrs } = params;
    const { x } = inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string' || x.dtype === 'complex64') return stock.kernelFunc(params) as tf.TensorInfo;
    const { begin, size } = attrs as unknown as tf.SliceAttrs;
    const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const wasm = backend as BackendWasm;
    const out = wasm.makeOutput(extent, x.dtype);
    if (tf.util.sizeFromShape(extent) === 0) return out;
    const src = wasm.typedArrayFromHeap(x);
    const dst = wasm.typedArrayFromHeap(out);
    // Axes after `k` are whole, so each step of the odometer over the axes before `k` copies one
    // contiguous run (a batch slice is a single run).
    const rank = x.shape.length;
    let k = rank - 1;
    while (k > 0 && extent[k] === x.shape[k]) k--;
    const strides = [...tf.util.computeStrides(x.shape), 1];
    const run = extent[k]! * strides[k]!; // tfjs never slices scalars, so k ≥ 0
    let base = 0;
    for (let d = 0; d <= k; d++) base += start[d]! * strides[d]!;
    const at = new Array<number>(k).fill(0);
    for (let o = 0; o < dst.length; o += run) {
      let offset = base;
      for (let d = 0; d < k; d++) offset += at[d]! * strides[d]!;
      dst.set(src.subarray(offset, offset + run), o);
      for (let d = k - 1; d >= 0 && ++at[d]! === extent[d]; d--) at[d] = 0;
    }
    return out;
  };
  return { ...stock, kernelFunc };
}

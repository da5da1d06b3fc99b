/**
 * The stock wasm BatchMatMul uses XNNPACK only without transposes; with `transposeA/B` (every
 * dense-layer gradient: xᵀ·dy and dy·Wᵀ) it falls back to a scalar triple loop. Transposing
 * explicitly first and calling the stock kernel is bit-identical and ~5× faster (engine.md §2).
 */
import * as tf from '@tensorflow/tfjs';
import { KernelScope, type KernelParams } from './kernel-scope.js';

function swapLastTwo(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return perm;
}

export function transposeFreeBatchMatMul(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: KernelParams): tf.TensorInfo => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return stock.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
    const s = new KernelScope(backend);
    const at = transposeA ? s.transpose(a, swapLastTwo(a.shape.length)) : a;
    const bt = transposeB ? s.transpose(b, swapLastTwo(b.shape.length)) : b;
    const out = stock.kernelFunc({ inputs: { a: at, b: bt }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as tf.TensorInfo;
    return s.finish(out);
  };
  return { ...stock, kernelFunc };
}

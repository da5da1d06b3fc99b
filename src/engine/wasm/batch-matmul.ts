/**
 * BatchMatMul on wasm as our own SIMD products (native/gemm.c), which run dense layers' products at
 * 30–45 GFLOP/s where XNNPACK's ran at ~13 (LeNet-5 fc1, [64,400]·[400,120]) and where, with
 * `transposeA/B` (every dense-layer gradient: xᵀ·dy and dy·Wᵀ), the stock kernel falls back to a
 * scalar triple loop. aᵀ·b is a product of its own; b is transposed first when `transposeB`.
 * Other dtypes go to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { KernelScope, type KernelParams } from './kernel-scope.js';

function swapLastTwo(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return perm;
}

export function nativeBatchMatMul(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (params: KernelParams): tf.TensorInfo => {
    const { inputs, backend, attrs } = params;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock.kernelFunc(params) as tf.TensorInfo;
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    const rankA = a.shape.length, rankB = b.shape.length;
    const [m, k] = transposeA ? [a.shape[rankA - 1]!, a.shape[rankA - 2]!] : [a.shape[rankA - 2]!, a.shape[rankA - 1]!];
    const n = transposeB ? b.shape[rankB - 2]! : b.shape[rankB - 1]!;
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2)), batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    // tfjs broadcasts the batch dimensions; one side's single matrix is reused, anything else goes to the stock kernel.
    if (batchA !== batchB && batchA !== 1 && batchB !== 1) return stock.kernelFunc(params) as tf.TensorInfo;
    const batchShape = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const s = new KernelScope(backend);
    const bn = transposeB ? s.transpose(b, swapLastTwo(rankB)) : b;
    const out = s.scratch([...batchShape, m, n]);
    s.native.batch_matmul(s.offset(a), s.offset(bn), s.offset(out), Math.max(batchA, batchB), batchA > 1 ? 1 : 0, batchB > 1 ? 1 : 0, m, k, n,
      transposeA ? 1 : 0);
    return s.finish(out);
  };
  return { ...stock, kernelFunc };
}

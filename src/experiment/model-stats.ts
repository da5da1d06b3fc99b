/**
 * What a compressed model costs: parameters (all and non-zero), FLOPs (dense, and what a sparse kernel
 * would do), the exported directory's bytes raw and gzipped (what a browser downloads), and latency.
 */
import * as tf from '@tensorflow/tfjs';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface ModelStats {
  readonly params: number;
  readonly nonzeroParams: number;
  /** Multiply-adds × 2 of conv and dense layers for one sample. */
  readonly flops: number;
  /** The same with each layer's FLOPs scaled by its kernel's density. */
  readonly sparseFlops: number;
  /**
   * Zero fraction of all conv and dense kernels (biases excluded), as pruning targets count it; given
   * the uncompressed model's kernel weights, the weights a sped-up model removed count as zeros.
   */
  readonly sparsity: number;
}

function countNonzero(values: ArrayLike<number>): number {
  let nz = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) nz++;
  return nz;
}

/** Per-sample FLOPs of a layer with a kernel, from its output shape. */
function layerFlops(layer: tf.layers.Layer): number {
  const kernel = layer.getWeights()[0];
  if (kernel === undefined) return 0;
  const out = layer.outputShape as number[];
  const spatial = out.slice(1, -1).reduce((a, b) => a * (b ?? 1), 1);
  const className = layer.getClassName();
  if (className === 'Dense') return 2 * kernel.size;
  if (className === 'Conv2D') return 2 * spatial * kernel.size;
  if (className === 'DepthwiseConv2D') return 2 * spatial * kernel.size;
  if (className === 'SeparableConv2D') return 2 * spatial * (kernel.size + layer.getWeights()[1]!.size);
  return 0;
}

/** Kernel size of every conv and dense layer, by name: the weights `sparsity` counts. */
export function kernelSizes(model: tf.LayersModel): Record<string, number> {
  return Object.fromEntries(model.layers.filter((l) => layerFlops(l) > 0).map((l) => [l.name, l.getWeights()[0]!.size]));
}

/** Weights of all conv and dense kernels: what `sparsity` counts. */
export function kernelWeights(model: tf.LayersModel): number {
  return Object.values(kernelSizes(model)).reduce((a, b) => a + b, 0);
}

/**
 * Reads weights asynchronously: the webgpu backend has no synchronous read in Node. `denseKernelWeights`
 * (kernelWeights of the model before compression) makes `sparsity` count channels removed by speedup.
 */
export async function modelStats(model: tf.LayersModel, denseKernelWeights?: number): Promise<ModelStats> {
  let params = 0, nonzeroParams = 0, flops = 0, sparseFlops = 0, kernelSize = 0, kernelNonzero = 0;
  for (const layer of model.layers) {
    for (const w of layer.weights) {
      const values = await w.read().data();
      params += values.length;
      nonzeroParams += countNonzero(values);
    }
    const f = layerFlops(layer);
    if (f === 0) continue;
    const kernel = await layer.weights[0]!.read().data();
    const nz = countNonzero(kernel);
    flops += f;
    sparseFlops += (f * nz) / kernel.length;
    kernelSize += kernel.length;
    kernelNonzero += nz;
  }
  const counted = denseKernelWeights ?? kernelSize;
  return { params, nonzeroParams, flops, sparseFlops, sparsity: counted === 0 ? 0 : 1 - kernelNonzero / counted };
}

/** Bytes of every file in an exported model directory, as stored and as gzip would send them. */
export function directoryBytes(dir: string): { bytes: number; gzipBytes: number } {
  let bytes = 0, gzipBytes = 0;
  for (const file of readdirSync(dir)) {
    const data = readFileSync(join(dir, file));
    bytes += data.length;
    gzipBytes += gzipSync(data, { level: 9 }).length;
  }
  return { bytes, gzipBytes };
}

/** Median milliseconds of one `predict` on `batch` (after a warm-up), over `runs` passes. */
export async function latencyMs(model: tf.LayersModel, batch: tf.Tensor, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const out = model.predict(batch) as tf.Tensor;
    await out.data();
    out.dispose();
    if (i > 0) times.push(performance.now() - t0); // the first pass compiles kernels
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

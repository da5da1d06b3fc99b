/**
 * Composing wasm kernels inside a kernel. Our training kernels are built from the fast stock wasm
 * kernels (XNNPACK convolutions, transposes) and our native ones; a `KernelScope` calls them and frees
 * every intermediate it made, so `tf.memory()` stays flat across training steps.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels, offsetOf, type NativeKernels } from './native.js';

type TensorInfo = tf.TensorInfo;
/** What tfjs passes to a kernel function. */
export type KernelParams = Parameters<tf.KernelFunc>[0];
type Attrs = Record<string, unknown>;

export class KernelScope {
  readonly #backend: BackendWasm;
  readonly #intermediates: TensorInfo[] = [];

  constructor(backend: KernelParams['backend']) {
    this.#backend = backend as BackendWasm;
  }

  /** Runs the stock wasm kernel `name` and remembers its output for disposal. */
  run(name: string, inputs: Record<string, TensorInfo>, attrs: Attrs = {}): TensorInfo {
    const kernel = tf.getKernel(name, 'wasm');
    if (kernel === undefined) throw new Error(`wasm kernel ${name} is not registered`);
    const out = kernel.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend: this.#backend }) as TensorInfo;
    this.#intermediates.push(out);
    return out;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Slices `[begin, begin + size)`; skips the copy when the slice is the whole tensor. */
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  /**
   * NHWC spatial zero-insertion and padding in one native copy: row i of the result is row
   * (i - top) / sh of x where that is exact and in range, else zeros (likewise columns); the
   * result is [B, dh, dw, C]. Negative top/left crop. With sh = sw = 1 it is a plain pad.
   */
  padDilate(x: TensorInfo, sh: number, sw: number, top: number, left: number, dh: number, dw: number): TensorInfo {
    const [b, h, w, c] = x.shape as [number, number, number, number];
    if (sh === 1 && sw === 1 && top === 0 && left === 0 && dh === h && dw === w) return x;
    const out = this.#backend.makeOutput([b, dh, dw, c], 'float32');
    this.native.pad_dilate(this.offset(x), this.offset(out), b, h, w, c, sh, sw, top, left, dh, dw);
    this.#intermediates.push(out);
    return out;
  }

  /** Zero-pads axes 1 and 2 of an NHWC tensor. */
  padSpatial(x: TensorInfo, p: tf.backend_util.PadInfo): TensorInfo {
    return this.padDilate(x, 1, 1, p.top, p.left, x.shape[1]! + p.top + p.bottom, x.shape[2]! + p.left + p.right);
  }

  /** Our SIMD kernels, on this backend's heap. */
  get native(): NativeKernels {
    return nativeKernels(this.#backend);
  }

  /** Byte offset of a tensor in the heap, for native kernels. */
  offset(t: TensorInfo): number {
    return offsetOf(this.#backend, t);
  }

  /** A float32 output for a native kernel to fill, freed with the other intermediates. */
  scratch(shape: number[]): TensorInfo {
    const out = this.#backend.makeOutput(shape, 'float32');
    this.#intermediates.push(out);
    return out;
  }

  /** A float32 intermediate holding `values` (small constants a native kernel reads, e.g. transform matrices). */
  constant(values: Float32Array): TensorInfo {
    const out = this.scratch([values.length]);
    (this.#backend.typedArrayFromHeap(out) as Float32Array).set(values);
    return out;
  }

  /** Frees every intermediate except `result`, which the caller hands back to the engine. */
  finish(result: TensorInfo): TensorInfo {
    for (const t of this.#intermediates) {
      if (t !== result) this.#backend.disposeData(t.dataId);
    }
    return result;
  }
}

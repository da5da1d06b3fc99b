/**
 * Composing wasm kernels inside a kernel. Our training kernels are built from the fast stock wasm
 * kernels (XNNPACK convolutions, transposes, pads); a `KernelScope` calls them by name and frees
 * every intermediate it made, so `tf.memory()` stays flat across training steps.
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;
/** What tfjs passes to a kernel function. */
export type KernelParams = Parameters<tf.KernelFunc>[0];
type Attrs = Record<string, unknown>;

export class KernelScope {
  readonly #backend: tf.KernelBackend;
  readonly #intermediates: TensorInfo[] = [];

  constructor(backend: KernelParams['backend']) {
    this.#backend = backend as tf.KernelBackend;
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

  /** Zero-pads; `paddings` is [before, after] per axis. Skips the copy when nothing is padded. */
  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  /** Slices `[begin, begin + size)`; skips the copy when the slice is the whole tensor. */
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    return this.run('Slice', { x }, { begin, size });
  }

  /**
   * Pads (positive) or crops (negative) axes 1 and 2 of an NHWC tensor by [top, bottom, left, right].
   * Needed because the transposed convolution's implicit padding can be negative for large explicit pads.
   */
  padOrCrop(x: TensorInfo, [top, bottom, left, right]: [number, number, number, number]): TensorInfo {
    const [b, h, w, c] = x.shape;
    const cropT = Math.max(0, -top), cropB = Math.max(0, -bottom), cropL = Math.max(0, -left), cropR = Math.max(0, -right);
    const cropped = this.slice(x, [0, cropT, cropL, 0], [b, h - cropT - cropB, w - cropL - cropR, c]);
    return this.pad(cropped, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]);
  }

  /**
   * Inserts `sh-1` zero rows after every row and `sw-1` zero columns after every column of an NHWC
   * tensor, giving [B, OH·sh, OW·sw, C]: the input of a stride-1 convolution that computes the
   * gradient of a strided one. Built from reshapes and pads because wasm has no strided scatter.
   */
  dilate(x: TensorInfo, sh: number, sw: number): TensorInfo {
    if (sh === 1 && sw === 1) return x;
    const [b, oh, ow, c] = x.shape;
    const rows = this.pad(this.reshape(x, [b * oh, 1, ow, c]), [[0, 0], [0, sh - 1], [0, 0], [0, 0]]);
    const cols = this.pad(this.reshape(rows, [b * oh * sh * ow, 1, 1, c]), [[0, 0], [0, sw - 1], [0, 0], [0, 0]]);
    return this.reshape(cols, [b, oh * sh, ow * sw, c]);
  }

  /** Frees every intermediate except `result`, which the caller hands back to the engine. */
  finish(result: TensorInfo): TensorInfo {
    for (const t of this.#intermediates) {
      if (t !== result) this.#backend.disposeData(t.dataId);
    }
    return result;
  }
}

/**
 * Loads our SIMD kernels (native/*.c) onto the tfjs-backend-wasm heap: the module imports the
 * backend's own WebAssembly.Memory, so kernels read and write tensors where they lie, by offset,
 * with no copies. Instantiated once per backend memory (synchronously: the module is ~20 KB).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KERNELS_WASM_BASE64 } from './native/binary.js';

/** The exports of native/*.c; pointers are byte offsets into the wasm heap. */
export interface NativeKernels {
  max_pool_grad(x: number, dy: number, dx: number, batch: number, h: number, w: number, c: number, oh: number, ow: number,
    fh: number, fw: number, sh: number, sw: number, top: number, left: number): void;
  pad_dilate(src: number, dst: number, batch: number, h: number, w: number, c: number, sh: number, sw: number, top: number, left: number,
    dh: number, dw: number): void;
  sum_rows(x: number, out: number, rows: number, cols: number): void;
  gather_rows(src: number, idx: number, dst: number, n: number, rowBytes: number): void;
  add_bias(x: number, bias: number, out: number, rows: number, cols: number): void;
  relu_grad(dy: number, x: number, dx: number, n: number): void;
  winograd_tiles_in(src: number, dst: number, tmp: number, l: number, batch: number, h: number, w: number, c: number, nIn: number, nOut: number,
    step: number, tilesH: number, tilesW: number, top: number, left: number): void;
  winograd_tiles_out(src: number, dst: number, tmp: number, l: number, batch: number, h: number, w: number, c: number, n: number,
    m: number, tilesH: number, tilesW: number): void;
  conv_gemm_forward(x: number, filter: number, y: number, patches: number, batch: number, ...shapeAndChunk: number[]): void;
  conv_gemm_filter_grad(x: number, dy: number, dw: number, patches: number, batch: number, ...shapeAndChunk: number[]): void;
  conv_gemm_input_grad(dy: number, filterT: number, dx: number, patches: number, batch: number, ...shapeAndChunk: number[]): void;
  winograd_conv(x: number, u: number, bias: number, relu: number, y: number, ...buffersMatricesShapeAndBlock: number[]): void;
  winograd_filter_grad(x: number, dy: number, du: number, ...buffersMatricesShapeAndBlock: number[]): void;
  batch_matmul(a: number, b: number, c: number, batch: number, aBatched: number, bBatched: number, m: number, k: number, n: number,
    transposeA: number): void;
  adam_step(x: number, m: number, v: number, g: number, xOut: number, mOut: number, vOut: number, n: number,
    b1: number, c1: number, b2: number, c2: number, oma1: number, oma2: number, eps: number, negLr: number): void;
  small_conv2d(x: number, w: number, bias: number, relu: number, out: number, batch: number, hp: number, wp: number, ci: number, oh: number, ow: number, co: number,
    kh: number, kw: number, sh: number, sw: number): void;
  small_conv2d_filter_grad(x: number, dy: number, slots: number, dw: number, batch: number, hp: number, wp: number, ci: number, oh: number, ow: number,
    co: number, kh: number, kw: number, sh: number, sw: number): void;
}

/** The part of the WebAssembly JS API used here (tsconfig's lib has no DOM, which declares it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

let loaded: { memory: WasmMemory; kernels: NativeKernels } | undefined;

export function nativeKernels(backend: BackendWasm): NativeKernels {
  // The single-threaded tfjs wasm module exports its memory; emscripten keeps the exports in `asm`.
  const memory = (backend.wasm as unknown as { asm: { memory: WasmMemory } }).asm.memory;
  if (loaded === undefined || loaded.memory !== memory) {
    const module = new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    loaded = { memory, kernels: instance.exports as NativeKernels };
  }
  return loaded.kernels;
}

/** A tensor's byte offset in the wasm heap. */
export function offsetOf(backend: BackendWasm, t: { dataId: object }): number {
  return backend.getMemoryOffset(t.dataId);
}

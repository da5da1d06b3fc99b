/**
 * Winograd convolution F(m×m, r×r) for stride-1 square convolutions on wasm: forward, input gradient
 * and filter gradient (native/winograd.c). A 5×5 convolution with F(3×3, 5×5) needs 49 products per
 * 3×3 output tile instead of 225, and the products become n² = (m+r-1)² matrix products over
 * channels (gemm.c). XNNPACK has no Winograd path.
 *
 * On by default; `useWinograd(false)` or SQUISH_WINOGRAD=0 turns it off. The transforms cost some
 * float32 accuracy but stay inside our kernels' bar of 1e-5: against the cpu backend, BigCNN conv2's
 * training shape (batch 64) gives relative errors (max |diff| / max |cpu|) of 3.1e-6 forward, 6.8e-6
 * dx and 3.5e-6 dW, where the direct sums give 4e-7, 2.5e-7 and 7e-7; the largest measured, 7.7e-6,
 * was a 128 → 64-channel forward (test/engine/winograd.test.ts).
 * The filter gradient stays inside only because gemm_tn_add sums each block of tiles from zero.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelScope } from './kernel-scope.js';
import { epilogueArgs, NO_EPILOGUE, type ConvEpilogue } from './conv-epilogue.js';

/** The transform matrices of F(m, r), row-major float32; n = m + r - 1. */
export interface WinogradTransforms {
  readonly m: number;
  readonly r: number;
  readonly n: number;
  /** Aᵀ (m × n): tile products → outputs. */
  readonly at: Float32Array;
  /** A (n × m): output gradients → product gradients. */
  readonly a: Float32Array;
  /** Bᵀ (n × n): input tiles → transformed tiles. */
  readonly bt: Float32Array;
  /** G (n × r): filter → transformed filter. */
  readonly g: Float32Array;
  /** G with its columns reversed: transforms the spatially flipped filter (the input gradient's). */
  readonly gFlipped: Float32Array;
  /** Gᵀ (r × n): transformed-filter gradients → filter gradient. */
  readonly gt: Float32Array;
}

/**
 * Interpolation points, the first n − 1 taken (the last point is infinity). Chosen for float32
 * error: n = 6 on 1, −1, 2, ½, −½ measured 1.7× below the usual 0, ±1, ±2 against the cpu backend;
 * for n = 8, F(4×4, 5×5) on 0, ±½, ±1, ±2 gave 2.7e-6 forward in a float32 simulation, where sets
 * with ¼, ¾ or 3/2 in place of one point gave 1e-5 to 7e-5.
 */
const POINTS = [1, -1, 2, 1 / 2, -1 / 2, 0, -2, 3, -3];

/** Inverse of a small square matrix (Gauss–Jordan, partial pivoting, float64). */
function invert(matrix: number[][]): number[][] {
  const n = matrix.length;
  const rows = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let i = col + 1; i < n; i++) if (Math.abs(rows[i]![col]!) > Math.abs(rows[pivot]![col]!)) pivot = i;
    [rows[col], rows[pivot]] = [rows[pivot]!, rows[col]!];
    const p = rows[col]!;
    const scale = p[col]!;
    for (let j = 0; j < 2 * n; j++) p[j]! /= scale;
    for (let i = 0; i < n; i++) {
      if (i === col) continue;
      const factor = rows[i]![col]!;
      for (let j = 0; j < 2 * n; j++) rows[i]![j]! -= factor * p[j]!;
    }
  }
  return rows.map((row) => row.slice(n));
}

const flat = (rows: number[][]) => Float32Array.from(rows.flat());
const transpose = (rows: number[][]) => rows[0]!.map((_, j) => rows.map((row) => row[j]!));

const cache = new Map<string, WinogradTransforms>();

/**
 * Toom–Cook with the point at infinity: with E_k the n × k matrix evaluating a polynomial of k
 * coefficients at the points (its last row takes the leading coefficient), a correlation of m outputs
 * with an r-tap filter is y = E_mᵀ · ((E_r g) ⊙ (E_n⁻ᵀ d)). Row j of E_n⁻ᵀ is scaled by
 * f_j = Π(p_j − p_l) and row j of E_r by 1/f_j, which keeps Bᵀ's entries small integers.
 */
export function winogradTransforms(m: number, r: number): WinogradTransforms {
  const key = `${m},${r}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const n = m + r - 1;
  if (n - 1 > POINTS.length) throw new Error(`Winograd F(${m}, ${r}) needs more interpolation points than ${POINTS.length}`);
  const points = POINTS.slice(0, n - 1);
  const evaluation = (k: number) => [...points.map((p) => Array.from({ length: k }, (_, i) => p ** i)), Array.from({ length: k }, (_, i) => (i === k - 1 ? 1 : 0))];
  const f = [...points.map((p, j) => points.reduce((prod, q, l) => (l === j ? prod : prod * (p - q)), 1)), 1];
  const at = transpose(evaluation(m));
  const inverse = invert(evaluation(n));
  const bt = inverse.map((_, j) => inverse.map((row) => f[j]! * row[j]!));
  const g = evaluation(r).map((row, j) => row.map((v) => v / f[j]!));
  const transforms: WinogradTransforms = {
    m, r, n, at: flat(at), a: flat(transpose(at)), bt: flat(bt), g: flat(g), gFlipped: flat(g.map((row) => [...row].reverse())), gt: flat(transpose(g)),
  };
  cache.set(key, transforms);
  return transforms;
}

/** Winograd computes convolutions of at most this many channels each way (the errors below were measured up to it). */
const MAX_CHANNELS = 512;

/**
 * Output tile size m of F(m×m, r×r) for an r×r filter whose products sum over `channels` (Ci forward
 * and for dW, Co for dx): the largest tile whose float32 error against the cpu backend stayed under
 * 8e-6 (the bar is 1e-5) on zero-mean and positive data. Larger tiles and longer sums cost accuracy:
 * F(3×3, 5×5), 1.24× faster than F(2×2, 5×5) on BigCNN, measured up to 7.8e-6 at 64–128 channels and
 * 1.2e-5 at 256; F(4×4, 3×3) 7.9e-6 at 256 and 1.1e-5 at 512; F(2×2, 5×5) 7.4e-6 at 512. F(4×4, 5×5),
 * no faster on BigCNN's 14×14 images, reached 1.04e-5 at 8 channels, and F(6×6, 3×3) 1e-5 at 64.
 */
function outputTile(r: number, channels: number): number {
  if (r === 5) return channels <= 64 ? 3 : 2;
  return channels <= 256 ? 4 : 2;
}

interface ConvShape {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  /** Rows and columns of zeros before the input (the convolution's top and left padding). */
  top: number;
  left: number;
}

/** Floats of transformed tiles per block (inputs and products together): 512 KB, which stays in L2. */
const BLOCK_FLOATS = 1 << 17;

function tileBlock(t: WinogradTransforms, c: ConvShape): number {
  return Math.max(4, 4 * Math.floor(BLOCK_FLOATS / (t.n * t.n * (c.inChannels + c.outChannels)) / 4)); // whole 4-row register tiles
}

/** The native drivers' shape arguments: batch, h, w, ci, oh, ow, co, n, m, top, left, block. */
function driverArgs(t: WinogradTransforms, c: ConvShape): number[] {
  return [c.batch, c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth, c.outChannels, t.n, t.m, c.top, c.left, tileBlock(t, c)];
}

/** Scratch for one block's transformed inputs and outputs, and for one tile's transform. */
function blockBuffers(s: KernelScope, t: WinogradTransforms, c: ConvShape): number[] {
  const block = tileBlock(t, c), planes = t.n * t.n;
  return [s.scratch([planes * block * c.inChannels]), s.scratch([planes * block * c.outChannels]), s.scratch([2 * planes * Math.max(c.inChannels, c.outChannels)])]
    .map((b) => s.offset(b));
}

/** Transformed filter U, [n²][Ci][Co], from an [r, r, Ci, Co] filter (`flipped`: of its 180° rotation). */
function filterTiles(s: KernelScope, filter: tf.TensorInfo, t: WinogradTransforms, flipped: boolean): tf.TensorInfo {
  const [, , ci, co] = filter.shape as [number, number, number, number];
  const u = s.scratch([t.n * t.n * ci * co]);
  const tmp = s.scratch([2 * t.n * t.r * ci * co]);
  s.native.winograd_tiles_in(s.offset(filter), s.offset(u), s.offset(tmp), s.offset(s.constant(flipped ? t.gFlipped : t.g)), 1, t.r, t.r, ci * co,
    t.r, t.n, t.r, 1, 1, 0, 0);
  return u;
}

/** The stride-1 convolution of x with the transformed filter u ([n²][Ci][Co]), then the epilogue, as an [B, OH, OW, Co] output. */
function convolveTransformed(s: KernelScope, x: tf.TensorInfo, u: tf.TensorInfo, t: WinogradTransforms, c: ConvShape, out: tf.TensorInfo,
  epilogue: ConvEpilogue = NO_EPILOGUE): void {
  s.native.winograd_conv(s.offset(x), s.offset(u), ...epilogueArgs(s, epilogue), s.offset(out), ...blockBuffers(s, t, c), s.offset(s.constant(t.bt)),
    s.offset(s.constant(t.at)), ...driverArgs(t, c));
}

function shapeOf(info: tf.backend_util.Conv2DInfo): ConvShape {
  return {
    batch: info.batchSize, inHeight: info.inHeight, inWidth: info.inWidth, inChannels: info.inChannels,
    outHeight: info.outHeight, outWidth: info.outWidth, outChannels: info.outChannels, top: info.padInfo.top, left: info.padInfo.left,
  };
}

let enabled = process.env.SQUISH_WINOGRAD !== '0';

/** Turns Winograd convolutions on or off for the wasm backend (on by default). */
export function useWinograd(on: boolean): void {
  enabled = on;
}

/**
 * Whether Winograd computes this convolution: when enabled, for stride 1, a square filter of 3 or 5,
 * 8 to MAX_CHANNELS channels each way and 24 together. Fewer make the products too short to pay for
 * the transforms (forward and both gradients at batch 64 on 14×14, ms, Winograd against direct:
 * 9 → 10 channels 16 against 12, 8 → 16 19 against 17, 12 → 24 27 against 29, 32 → 64 83 against 150;
 * LeNet-5's conv2, 6 → 16, ran 1.2× slower forward and 3× slower for dx).
 */
export function winogradApplies(info: tf.backend_util.Conv2DInfo): boolean {
  if (!enabled || info.strideHeight !== 1 || info.strideWidth !== 1) return false;
  const r = info.filterHeight;
  const channels = [info.inChannels, info.outChannels];
  return info.filterWidth === r && (r === 3 || r === 5) && channels.every((c) => c >= 8 && c <= MAX_CHANNELS) && info.inChannels + info.outChannels >= 24;
}

/** y = conv(x, filter) (+ bias, ReLU), [B, OH, OW, Co]. */
export function winogradConv(s: KernelScope, x: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo, epilogue?: ConvEpilogue): tf.TensorInfo {
  const t = winogradTransforms(outputTile(info.filterHeight, info.inChannels), info.filterHeight);
  const out = s.scratch([info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  convolveTransformed(s, x, filterTiles(s, filter, t, false), t, shapeOf(info), out, epilogue);
  return out;
}

/**
 * dx of a stride-1 convolution: the correlation of dy, padded by r−1−top (left likewise), with the
 * rotated filter whose channel axes are swapped.
 */
export function winogradInputGrad(s: KernelScope, dy: tf.TensorInfo, filter: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const r = info.filterHeight;
  const out = s.scratch([info.batchSize, info.inHeight, info.inWidth, info.inChannels]);
  const t = winogradTransforms(outputTile(r, info.outChannels), r);
  const rotated = filterTiles(s, filter, t, true); // [n²][Ci][Co]
  const u = s.transpose(s.reshape(rotated, [t.n * t.n, info.inChannels, info.outChannels]), [0, 2, 1]);
  convolveTransformed(s, dy, u, t, {
    batch: info.batchSize, inHeight: info.outHeight, inWidth: info.outWidth, inChannels: info.outChannels,
    outHeight: info.inHeight, outWidth: info.inWidth, outChannels: info.inChannels, top: r - 1 - info.padInfo.top, left: r - 1 - info.padInfo.left,
  }, out);
  return out;
}

/**
 * dW of a stride-1 convolution, the forward algorithm run backwards: the dy tiles' products
 * gradients A·dY·Aᵀ, their products with the input tiles summed over tiles (dU = Vᵀ·dM per plane),
 * and dW = Gᵀ·dU·G.
 */
export function winogradFilterGrad(s: KernelScope, x: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const r = info.filterHeight;
  const out = s.scratch([r, r, info.inChannels, info.outChannels]);
  const t = winogradTransforms(outputTile(r, info.inChannels), r);
  const c = shapeOf(info);
  const du = s.scratch([t.n * t.n * c.inChannels * c.outChannels]);
  s.native.winograd_filter_grad(s.offset(x), s.offset(dy), s.offset(du), ...blockBuffers(s, t, c), s.offset(s.constant(t.bt)), s.offset(s.constant(t.a)),
    ...driverArgs(t, c));
  s.native.winograd_tiles_out(s.offset(du), s.offset(out), s.offset(s.scratch([r * t.n * c.inChannels * c.outChannels])), s.offset(s.constant(t.gt)),
    1, r, r, c.inChannels * c.outChannels, t.n, r, 1, 1);
  return out;
}

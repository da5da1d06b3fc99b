/**
 * Per-layer-class channel handlers (Torch-Pruning's `PrunerBox`): how a layer's output channels relate
 * to its input channels, and how to cut channels out of its weights. Channels are always the last axis
 * (Keras/TF.js layout), and kernels are `[...spatial, in, out]`.
 *
 * A handler's `kind` says how channels flow through the layer:
 * - `fresh`: the output channels are new (Conv, Dense, SeparableConv's pointwise part); input and
 *   output channels are pruned independently (`pruneInChannels`, `pruneOutChannels`).
 * - `elementwise` / `pool`: output channel c is input channel c (BN, activations, dropout, pooling).
 * - `merge`: channel c of every input meets channel c of the output (Add, Multiply, ...).
 * - `concat`: input i's channel c is the output's channel offset_i + c.
 * - `flatten`: input channel c becomes every feature p·C + c (NHWC: p = h·W + w).
 * - `depthwise`: input channel c becomes output channels c·m … c·m + m − 1 (channel multiplier m).
 */
import type * as tf from '@tensorflow/tfjs';

export type HandlerKind = 'fresh' | 'elementwise' | 'pool' | 'merge' | 'concat' | 'flatten' | 'depthwise';

/** A layer's weights by short name (`kernel`, `bias`, `gamma`, ...), as flat float32 values with shapes. */
export type WeightMap = Map<string, { values: Float32Array; shape: number[] }>;

export interface LayerHandler {
  readonly kind: HandlerKind;
  /** For `fresh` layers: the config key holding the number of output channels. */
  readonly widthKey?: 'filters' | 'units';
  /** Why this layer cannot carry channel pruning in its current config, or undefined when it can. */
  check?(config: tf.serialization.ConfigDict, inputRanks: number[]): string | undefined;
}

const fresh = (widthKey: 'filters' | 'units'): LayerHandler => ({ kind: 'fresh', widthKey });
const elementwise: LayerHandler = { kind: 'elementwise' };
const pool: LayerHandler = { kind: 'pool' };
const merge: LayerHandler = { kind: 'merge' };

function lastAxis(config: tf.serialization.ConfigDict, key: string, rank: number): string | undefined {
  const axis = config[key] as number | number[] | undefined;
  const value = Array.isArray(axis) ? (axis.length === 1 ? axis[0] : NaN) : axis ?? -1;
  return value === -1 || value === rank - 1 ? undefined : `${key} ${JSON.stringify(axis)} is not the channel (last) axis`;
}

const HANDLERS = new Map<string, LayerHandler>([
  ['Dense', fresh('units')],
  ['Conv1D', fresh('filters')],
  ['Conv2D', fresh('filters')],
  ['Conv3D', fresh('filters')],
  ['SeparableConv2D', fresh('filters')],
  ['BatchNormalization', { kind: 'elementwise', check: (c, [rank]) => lastAxis(c, 'axis', rank!) }],
  ['Activation', elementwise],
  ['ReLU', elementwise],
  ['LeakyReLU', elementwise],
  ['ELU', elementwise],
  ['ThresholdedReLU', elementwise],
  ['Dropout', elementwise],
  ['SpatialDropout1D', elementwise],
  ['GaussianNoise', elementwise],
  ['GaussianDropout', elementwise],
  ['AlphaDropout', elementwise],
  ['MaxPooling1D', pool],
  ['MaxPooling2D', pool],
  ['MaxPooling3D', pool],
  ['AveragePooling1D', pool],
  ['AveragePooling2D', pool],
  ['AveragePooling3D', pool],
  ['GlobalAveragePooling1D', pool],
  ['GlobalAveragePooling2D', pool],
  ['GlobalMaxPooling1D', pool],
  ['GlobalMaxPooling2D', pool],
  ['ZeroPadding2D', pool],
  ['Cropping2D', pool],
  ['UpSampling2D', pool],
  ['Add', merge],
  ['Multiply', merge],
  ['Average', merge],
  ['Maximum', merge],
  ['Minimum', merge],
  ['Subtract', merge],
  ['Concatenate', { kind: 'concat', check: (c, ranks) => lastAxis(c, 'axis', ranks[0]!) }],
  ['Flatten', { kind: 'flatten', check: (c) => (c.dataFormat === 'channelsFirst' ? 'channelsFirst layout' : undefined) }],
  ['DepthwiseConv2D', { kind: 'depthwise' }],
]);

/** The handler for a layer class, or undefined (the layer is then a barrier). */
export function layerHandler(className: string): LayerHandler | undefined {
  return HANDLERS.get(className);
}

/** Channel pruning for a custom layer class, e.g. `registerChannelHandler('MyNorm', { kind: 'elementwise' })`. */
export function registerChannelHandler(className: string, handler: LayerHandler): void {
  HANDLERS.set(className, Object.freeze({ ...handler }));
}

/** The spatial window of a kernel-carrying layer when constant inputs pass through it exactly. */
export function foldsConstants(config: tf.serialization.ConfigDict, kernelShape: readonly number[]): boolean {
  // Zero padding makes a constant input channel non-constant at the borders: only windows that stay
  // inside the input (valid padding, or 1×1 kernels) see a constant channel as a constant.
  return config.padding === 'valid' || kernelShape.slice(0, -2).every((d) => d === 1);
}

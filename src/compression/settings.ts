/**
 * Per-layer-class compression settings: which weights a compressor targets, which weight follows a
 * target's output channels, and where those channels lie. Keyed by the tfjs class name
 * (`layer.getClassName()`); custom layers join with `registerLayerSetting()`.
 */
import { InputError } from '../errors.js';

export interface LayerSetting {
  /** Weights that pruning (and weight quantization) target, by the name `addWeight` gave them. */
  readonly weights: readonly string[];
  /** The weight masked together with a target's output channels (a conv's bias, a BN's beta). */
  readonly bias?: string;
  /**
   * Axis of a target weight that holds output channels (filters, units). Keras layout puts them last:
   * Conv2D `[kh, kw, in, out]`, Dense `[in, out]`. Absent when channels cannot be pruned one by one.
   */
  readonly channelAxis?: number;
  /** Whether `opTypes: 'default'` selects this class ("every layer with a kernel"). */
  readonly isDefault: boolean;
}

const kernelLayer: LayerSetting = Object.freeze({ weights: ['kernel'], bias: 'bias', channelAxis: -1, isDefault: true });

const registry = new Map<string, LayerSetting>([
  ['Dense', kernelLayer],
  ['Conv1D', kernelLayer],
  ['Conv2D', kernelLayer],
  ['Conv3D', kernelLayer],
  // Transposed kernels are [kh, kw, out, in].
  ['Conv2DTranspose', Object.freeze({ weights: ['kernel'], bias: 'bias', channelAxis: -2, isDefault: true })],
  // A depthwise output channel spans two axes (in × multiplier), so there is no single channel axis.
  ['DepthwiseConv2D', Object.freeze({ weights: ['depthwise_kernel'], bias: 'bias', isDefault: true })],
  ['SeparableConv2D', Object.freeze({ weights: ['depthwise_kernel', 'pointwise_kernel'], bias: 'bias', isDefault: true })],
  ['Embedding', Object.freeze({ weights: ['embeddings'], isDefault: true })],
  ['BatchNormalization', Object.freeze({ weights: ['gamma'], bias: 'beta', channelAxis: -1, isDefault: false })],
]);

/** The setting for a layer class, or undefined when none is registered. */
export function layerSetting(className: string): LayerSetting | undefined {
  return registry.get(className);
}

/** Every class with a setting, in registration order. */
export function registeredLayerClasses(): string[] {
  return [...registry.keys()];
}

/** The classes `opTypes: 'default'` stands for. */
export function defaultLayerClasses(): string[] {
  return [...registry].filter(([, s]) => s.isDefault).map(([name]) => name);
}

/**
 * Makes a custom layer class compressible, e.g.
 * `registerLayerSetting('MyConv', { weights: ['kernel'], bias: 'bias', channelAxis: -1, isDefault: true })`.
 */
export function registerLayerSetting(className: string, setting: LayerSetting): void {
  if (setting.weights.length === 0) {
    throw new InputError(`registerLayerSetting('${className}'): setting.weights must name at least one weight`);
  }
  registry.set(className, Object.freeze({ ...setting, weights: Object.freeze([...setting.weights]) }));
}

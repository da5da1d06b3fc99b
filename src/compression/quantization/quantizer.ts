/**
 * Quantizers, after NNI v1's `Quantizer`: subclass and override `quantizeWeight`, `quantizeInput` and/or
 * `quantizeOutput` (each defaults to the identity). The config list's `quantTypes` says which of them run
 * on a layer, `quantBits` with how many bits. Each quantization runs inside `tf.customGrad`; its backward
 * is `quantGrad.quantBackward(x, dy, quantType)`, the straight-through estimator (`dy`) by default, and a
 * quantizer replaces it by assigning its own `quantGrad`.
 *
 * A quantized weight lies on an integer grid, `value = (q − zeroPoint)·scale` with `q ∈ [0, qmax]`. A
 * quantizer that records that grid (`recordGrid`) gets its weights exported as uint8/uint16 in the TF.js
 * weights manifest, bit for bit what the model computed with (see `export.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Compressor } from '../compressor.js';
import { QUANT_TYPES, defineSpec, type AlgorithmKey, type ConfigSpec, type LayerConfig, type QuantType } from '../config.js';
import { unwrapModel } from '../model.js';
import { layerSetting } from '../settings.js';
import type { CompressionWrapper } from '../wrapper.js';
import { saveQuantizedModel, type WeightGrid } from './export.js';

/** The backward pass of a quantization. */
export interface QuantGrad {
  /** The gradient reaching `x` (what was quantized) given `dy`, the gradient of the quantized value. */
  quantBackward(x: tf.Tensor, dy: tf.Tensor, quantType: QuantType): tf.Tensor;
}

/** The straight-through estimator: the gradient passes through the rounding unchanged. */
export const STRAIGHT_THROUGH: QuantGrad = Object.freeze({ quantBackward: (_x: tf.Tensor, dy: tf.Tensor) => dy });

/** What is being quantized, as the quantize methods see it. */
export interface QuantizationTarget {
  readonly wrapper: CompressionWrapper;
  readonly layerName: string;
  readonly quantType: QuantType;
  /** The weight's short name (`kernel`) for weight targets. */
  readonly weightName?: string;
  /** `quantBits` for this quant type (8 when the config gives none). */
  readonly bits: number;
  /** True inside `fit` (statistics such as QAT's output ranges are updated only then). */
  readonly training: boolean;
}

export interface QuantizerExportOptions {
  /** Directory for the TF.js model; quantized weights are stored as uint8/uint16 in its manifest. */
  readonly modelPath: string;
  /** JSON file for the calibration: per layer, bits, scale, zero point and tracked ranges. */
  readonly calibrationPath?: string;
}

/** Per layer: `weight_bits`/`input_bits`/`output_bits`, `weight_scale`, `weight_zero_point` (first quantized weight), tracked ranges. */
export type Calibration = Record<string, Record<string, number>>;

export const DEFAULT_QUANT_BITS = 8;

/** The bits a config gives a quant type: `quantBits` as a number, or its entry in the per-type map. */
export function quantBitsOf(config: LayerConfig, type: QuantType): number {
  const bits = config.quantBits;
  return typeof bits === 'number' ? bits : bits?.[type] ?? DEFAULT_QUANT_BITS;
}

/** `(clip(round(x/scale + zeroPoint), 0, qmax) − zeroPoint)·scale`: the grid's value nearest to x. */
export function fakeQuantize(x: tf.Tensor, scale: tf.Tensor | number, zeroPoint: tf.Tensor | number, qmax: number): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sub(tf.clipByValue(tf.round(tf.add(tf.div(x, scale), zeroPoint)), 0, qmax), zeroPoint), scale));
}

/**
 * The spec of a quantizer: `quantTypes` is required and limited to `types`; `quantBits` (a number or a
 * map over the configured types) must be at least `minBits`.
 */
export function quantizerSpec(algorithm: string, types: readonly QuantType[], opts: { extraKeys?: AlgorithmKey[]; minBits?: number; bits?: boolean } = {}): ConfigSpec {
  const minBits = opts.minBits ?? 1;
  return defineSpec({
    algorithm,
    keys: ['quantTypes', ...(opts.bits === false ? [] : (['quantBits'] as const)), ...(opts.extraKeys ?? [])],
    required: ['quantTypes'],
    check: (configs) =>
      configs.flatMap((c, i) => {
        const errors: string[] = [];
        c.quantTypes?.forEach((t, j) => {
          if (!types.includes(t)) errors.push(`configList[${i}].quantTypes[${j}] ${algorithm} cannot quantize '${t}'; it quantizes ${types.join(', ')}`);
        });
        const bits = c.quantBits;
        const entries = typeof bits === 'number' ? [['', bits] as const] : Object.entries(bits ?? {});
        for (const [type, b] of entries) {
          const path = `configList[${i}].quantBits${type === '' ? '' : `.${type}`}`;
          if (type !== '' && !c.quantTypes?.includes(type as QuantType)) errors.push(`${path} is given, but quantTypes does not include '${type}'`);
          if (b !== undefined && b < minBits) errors.push(`${path} must be at least ${minBits} for ${algorithm}, but got ${b}`);
        }
        return errors;
      }),
  });
}

interface GridVariables {
  readonly scale: tf.Variable;
  readonly zeroPoint: tf.Variable;
  qmax: number;
}

export abstract class Quantizer extends Compressor {
  /** The backward of every quantization this quantizer runs. */
  protected quantGrad: QuantGrad = STRAIGHT_THROUGH;
  readonly #grids = new Map<string, GridVariables>();

  constructor(model: tf.LayersModel, configList: unknown, spec?: ConfigSpec) {
    super(model, configList, spec ?? quantizerSpec(new.target.name, QUANT_TYPES));
  }

  /** The quantized weight (same shape). Defaults to the identity. */
  quantizeWeight(weight: tf.Tensor, _config: LayerConfig, _target: QuantizationTarget): tf.Tensor {
    return weight;
  }

  /** The quantized input of a layer. Defaults to the identity. */
  quantizeInput(input: tf.Tensor, _config: LayerConfig, _target: QuantizationTarget): tf.Tensor {
    return input;
  }

  /** The quantized output of a layer. Defaults to the identity. */
  quantizeOutput(output: tf.Tensor, _config: LayerConfig, _target: QuantizationTarget): tf.Tensor {
    return output;
  }

  /**
   * Records the grid a weight target was just quantized on, for the export. Call it from
   * `quantizeWeight`; weights without a recorded grid are exported as float32.
   */
  protected recordGrid(target: QuantizationTarget, scale: tf.Tensor | number, zeroPoint: tf.Tensor | number, qmax: number): void {
    // Only `weightGrids` reads grids, and it re-runs the hooks first: training steps need not pay for this.
    if (target.training) return;
    const key = `${target.layerName}/${target.weightName}`;
    tf.tidy(() => {
      const s = tf.reshape(scale, []), z = tf.reshape(zeroPoint, []);
      const grid = this.#grids.get(key);
      if (grid === undefined) {
        this.#grids.set(key, { scale: tf.variable(s, false), zeroPoint: tf.variable(z, false), qmax });
      } else {
        grid.scale.assign(s);
        grid.zeroPoint.assign(z);
        grid.qmax = qmax;
      }
    });
  }

  /** A quantizer only transforms, so its wrappers carry no masks. */
  protected wrappedWeights(): string[] {
    return [];
  }

  protected onCompress(): void {
    for (const { layer, config } of this.selected) {
      const wrapper = this.boundModel.getLayer(layer.name) as CompressionWrapper;
      const target = (quantType: QuantType, training: boolean, weightName?: string): QuantizationTarget =>
        ({ wrapper, layerName: layer.name, quantType, weightName, bits: quantBitsOf(config, quantType), training });
      const types = config.quantTypes ?? [];
      if (types.includes('weight')) {
        for (const name of layerSetting(layer.getClassName())!.weights) {
          wrapper.weightHooks.set(name, (w, training) => this.#quantize(w, (x) => this.quantizeWeight(x, config, target('weight', training, name)), 'weight'));
        }
      }
      if (types.includes('input')) {
        wrapper.inputHook = (x, training) => this.#quantize(x, (v) => this.quantizeInput(v, config, target('input', training)), 'input');
      }
      if (types.includes('output')) {
        wrapper.outputHook = (y, training) => this.#quantize(y, (v) => this.quantizeOutput(v, config, target('output', training)), 'output');
      }
    }
  }

  #quantize(x: tf.Tensor, forward: (x: tf.Tensor) => tf.Tensor, quantType: QuantType): tf.Tensor {
    const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
      save([input]);
      const value = forward(input);
      return {
        // customGrad needs a tensor of its own when a quantizer passes x through (before its start step).
        value: value === input ? input.clone() : value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => this.quantGrad.quantBackward(saved[0]!, dy, quantType),
      };
    });
    return f(x) as tf.Tensor;
  }

  /** The grids of the quantized weights as they are now, keyed `layer/weight`, read back. */
  async weightGrids(): Promise<Map<string, WeightGrid>> {
    for (const { layer } of this.selected) {
      const wrapper = this.boundModel.getLayer(layer.name) as CompressionWrapper;
      for (const name of wrapper.weightHooks.keys()) tf.dispose(wrapper.effectiveWeight(name));
    }
    const out = new Map<string, WeightGrid>();
    for (const [key, g] of this.#grids) {
      out.set(key, { scale: (await g.scale.data())[0]!, zeroPoint: (await g.zeroPoint.data())[0]!, qmax: g.qmax });
    }
    return out;
  }

  /** Per layer (NNI v2's calibration config): bits per quant type, the scale and zero point of its (first) quantized weight, tracked ranges. */
  async calibration(): Promise<Calibration> {
    const grids = await this.weightGrids();
    const out: Calibration = {};
    for (const { layer, config } of this.selected) {
      const entry: Record<string, number> = {};
      const grid = [...grids].find(([key]) => key.startsWith(`${layer.name}/`))?.[1];
      for (const type of config.quantTypes ?? []) entry[`${type}_bits`] = quantBitsOf(config, type);
      if (grid !== undefined) Object.assign(entry, { weight_scale: grid.scale, weight_zero_point: grid.zeroPoint });
      Object.assign(entry, await this.trackedRanges(layer.name));
      out[layer.name] = entry;
    }
    return out;
  }

  /** Ranges a quantizer tracks for a layer (QAT: `tracked_min_output`, …). None by default. */
  protected async trackedRanges(_layerName: string): Promise<Record<string, number>> {
    return {};
  }

  /**
   * Writes the quantized model as a stock TF.js model whose manifest stores each quantized weight as
   * uint8/uint16 (`min + scale·q`), and optionally the calibration. When a pruner was compressed
   * together with this quantizer, its masks are baked in as well.
   */
  async exportModel({ modelPath, calibrationPath }: QuantizerExportOptions): Promise<void> {
    const stock = unwrapModel(this.boundModel);
    try {
      await saveQuantizedModel(stock, modelPath, await this.weightGrids());
    } finally {
      stock.dispose();
    }
    if (calibrationPath !== undefined) {
      await mkdir(dirname(calibrationPath), { recursive: true });
      await writeFile(calibrationPath, `${JSON.stringify(await this.calibration(), null, 2)}\n`);
    }
  }

  override dispose(): void {
    for (const g of this.#grids.values()) tf.dispose([g.scale, g.zeroPoint]);
    this.#grids.clear();
  }
}

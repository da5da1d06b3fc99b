/**
 * A pruning target: one weight of one wrapped layer (NNI v3's TargetSpace), with the dict that selected
 * it. Algorithms read weights and write masks only through targets.
 */
import * as tf from '@tensorflow/tfjs';
import { SquishError } from '../errors.js';
import type { LayerConfig } from './config.js';
import type { LayerSetting } from './settings.js';
import type { CompressionWrapper, LayerVariable } from './wrapper.js';

/** Masks a pruner computes for one target, each with its weight's shape (1 keeps, 0 prunes). */
export interface MaskSet {
  readonly weight: tf.Tensor;
  /** The mask of the layer's bias (a BN's beta), for pruners that remove whole output channels. */
  readonly bias?: tf.Tensor;
}

function checkShape(what: string, mask: tf.Tensor, expected: readonly number[]): void {
  if (!tf.util.arraysEqual(mask.shape, expected as number[])) {
    throw new SquishError(`the mask for ${what} has shape [${mask.shape}], but the weight has shape [${expected}]`);
  }
}

export class PruningTarget {
  constructor(
    readonly wrapper: CompressionWrapper,
    /** The weight's short name, e.g. `kernel`. */
    readonly weightName: string,
    readonly config: LayerConfig,
    /** Index of the winning dict in the config list. */
    readonly configIndex: number,
    readonly setting: LayerSetting,
  ) {}

  get layerName(): string {
    return this.wrapper.name;
  }

  /** The wrapped layer's tfjs class name, e.g. `Conv2D`. */
  get layerType(): string {
    return this.wrapper.inner.getClassName();
  }

  /** `layer/weight`, the key masks are saved under. */
  get name(): string {
    return `${this.layerName}/${this.weightName}`;
  }

  /** The raw weight variable (masked entries are zero after each re-projection). Do not dispose. */
  get weight(): tf.Tensor {
    return this.wrapper.innerWeight(this.weightName).read();
  }

  get mask(): tf.Tensor {
    return this.maskVariable(this.weightName).read();
  }

  private get biasName(): string | undefined {
    const bias = this.setting.bias;
    return bias !== undefined && this.wrapper.maskOf(bias) !== undefined ? bias : undefined;
  }

  /** The layer's bias, when it has one that is masked with output channels. Do not dispose. */
  get bias(): tf.Tensor | undefined {
    const name = this.biasName;
    return name === undefined ? undefined : this.wrapper.innerWeight(name).read();
  }

  /** The output-channel axis of the weight (non-negative), or undefined when channels cannot be pruned. */
  get channelAxis(): number | undefined {
    const axis = this.setting.channelAxis;
    return axis === undefined ? undefined : axis < 0 ? this.weight.rank + axis : axis;
  }

  /** Fraction of the weight's entries that the mask removes. Asynchronous: webgpu in Node cannot read synchronously. */
  async sparsity(): Promise<number> {
    const mask = await this.mask.data();
    return mask.filter((m) => m === 0).length / mask.length;
  }

  private maskVariable(name: string): LayerVariable {
    const mask = this.wrapper.maskOf(name);
    if (mask === undefined) throw new SquishError(`${this.layerName}/${name} has no mask`);
    return mask;
  }

  /** Copies new masks into the mask variables (the caller still owns `masks`) and zeroes the weights they remove. */
  setMasks(masks: MaskSet): void {
    checkShape(this.name, masks.weight, this.wrapper.innerWeight(this.weightName).shape as number[]);
    const biasName = this.biasName;
    if (masks.bias !== undefined && biasName !== undefined) {
      checkShape(`${this.layerName}/${biasName}`, masks.bias, this.wrapper.innerWeight(biasName).shape as number[]);
      this.writeMask(biasName, masks.bias);
    }
    this.writeMask(this.weightName, masks.weight);
    this.project();
  }

  private writeMask(name: string, mask: tf.Tensor): void {
    // A float32 buffer of its own: a cast from bool may share the bool's bytes (cpu backend), which
    // model.save() would then write as one byte per entry, corrupting the weights file.
    tf.tidy(() => void this.maskVariable(name).write(tf.mul(mask, 1)));
  }

  /**
   * Re-projects the raw weights onto the mask (`w ← mask ⊙ w`). The forward pass already uses
   * `mask ⊙ w`; this keeps the stored weights at zero too, whatever momentum an optimizer carries.
   */
  project(): void {
    const names = [this.weightName, ...(this.biasName !== undefined ? [this.biasName] : [])];
    tf.tidy(() => {
      for (const name of names) {
        const v = this.wrapper.innerWeight(name);
        v.write(tf.mul(v.read(), this.maskVariable(name).read()));
      }
    });
  }
}

/**
 * `CompressionWrapper`: a tfjs layer that owns one stock layer and runs it on effective weights.
 *
 * Its forward pass is a fixed pipeline (NNI v3's ModuleWrapper): the input hook, then patch the inner
 * layer's parameters (`hook(mask ⊙ weight)`: pruning, then quantization), run the inner layer's own
 * `call`, then the output hook. The parameters are patched
 * by swapping the `read()` of the inner layer's weight variables for the duration of the call, so every
 * layer class is supported without re-implementing its maths, and gradients reach the raw variable through
 * the multiplication (exactly zero where the mask is zero). Masks are non-trainable weights of the
 * wrapper: optimizers never touch them and `model.save()` keeps them.
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
export type LayerVariable = tf.layers.Layer['weights'][number];
type Kwargs = Parameters<tf.layers.Layer['call']>[1];

export interface CompressionWrapperArgs extends LayerArgs {
  /** The wrapped layer, serialized: `{className, config}`. */
  layer: tf.serialization.ConfigDict;
  /** Short names of the inner weights that get a mask, e.g. `['kernel', 'bias']`. */
  maskedWeights: string[];
}

function toCamelCase(name: string): string {
  return name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
}

/** The short name `addWeight` gave a variable: `conv1/kernel` → `kernel`. */
export function shortWeightName(v: LayerVariable): string {
  return v.originalName.slice(v.originalName.lastIndexOf('/') + 1);
}

export class CompressionWrapper extends tf.layers.Layer {
  static className = 'CompressionWrapper';
  readonly inner: tf.layers.Layer;
  #maskedWeights: string[];
  /** Runs on each input in every forward pass (`training` is true inside `fit`); quantizers set it. */
  inputHook?: (input: tf.Tensor, training: boolean) => tf.Tensor;
  /** Runs on the layer's output in every forward pass; compressors set it to observe or transform it. */
  outputHook?: (output: tf.Tensor, training: boolean) => tf.Tensor;
  /** Transforms of inner weights by short name, applied after the mask (quantizers set them). */
  readonly weightHooks = new Map<string, (weight: tf.Tensor, training: boolean) => tf.Tensor>();
  readonly #masks = new Map<string, LayerVariable>();

  constructor(args: CompressionWrapperArgs) {
    super(args);
    const { className, config } = args.layer as { className: string; config: tf.serialization.ConfigDict };
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
    if (entry === undefined) throw new InputError(`CompressionWrapper: unknown layer class '${className}'`);
    const [cls, fromConfig] = entry;
    this.inner = fromConfig(cls, { ...config, name: this.name }) as tf.layers.Layer;
    this.#maskedWeights = [...args.maskedWeights];
    this.supportsMasking = this.inner.supportsMasking;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    // Called inside this layer's name scope, so the inner weights keep their names (`conv1/kernel`).
    this.inner.build(inputShape);
    this.inner.built = true;
    // A saved config comes back with its string values camel-cased (tfjs's loader converts them all):
    // `depthwise_kernel` returns as `depthwiseKernel`. Map each back to the weight's own name.
    const names = this.inner.weights.map(shortWeightName);
    this.#maskedWeights = this.#maskedWeights.map((m) => names.find((n) => n === m || toCamelCase(n) === m) ?? m);
    for (const name of this.#maskedWeights) {
      const v = this.innerWeight(name);
      this.#masks.set(name, this.addWeight(`${name}_mask`, v.shape, 'float32', tf.initializers.ones(), undefined, false));
    }
    this.built = true;
  }

  /** Short names of the inner weights that have a mask. */
  get maskedWeights(): readonly string[] {
    return this.#maskedWeights;
  }

  /** The inner layer's variable with this short name. */
  innerWeight(name: string): LayerVariable {
    const v = this.inner.weights.find((w) => shortWeightName(w) === name);
    if (v === undefined) {
      const have = this.inner.weights.map(shortWeightName).join(', ') || 'none';
      throw new InputError(`layer ${this.name} (${this.inner.getClassName()}) has no weight '${name}'; it has ${have}`);
    }
    return v;
  }

  /** The mask variable of an inner weight, or undefined when that weight is not masked. */
  maskOf(name: string): LayerVariable | undefined {
    return this.#masks.get(name);
  }

  /** What the forward pass uses for an inner weight: `hook(mask ⊙ weight)`. The caller owns the result. */
  effectiveWeight(name: string): tf.Tensor {
    return tf.tidy(() => this.#transform(name, this.innerWeight(name).read(), false).clone());
  }

  #transform(name: string, raw: tf.Tensor, training: boolean): tf.Tensor {
    const mask = this.#masks.get(name);
    const masked = mask === undefined ? raw : tf.mul(raw, mask.read());
    const hook = this.weightHooks.get(name);
    return hook === undefined ? masked : hook(masked, training);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const training = kwargs?.training === true;
      const hook = this.inputHook;
      const input = hook === undefined ? inputs : Array.isArray(inputs) ? inputs.map((x) => hook(x, training)) : hook(inputs, training);
      const patched = [...new Set([...this.#masks.keys(), ...this.weightHooks.keys()])].map((name) => {
        const v = this.innerWeight(name);
        const read = v.read;
        v.read = () => this.#transform(name, read.call(v), training);
        return v;
      });
      let output: tf.Tensor | tf.Tensor[];
      try {
        output = this.inner.call(input, kwargs);
      } finally {
        // Drop the instance property so the prototype's read() serves everyone else again.
        for (const v of patched) Reflect.deleteProperty(v, 'read');
      }
      return this.outputHook && !Array.isArray(output) ? this.outputHook(output, training) : output;
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return this.inner.computeOutputShape(inputShape);
  }

  override computeMask(inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] {
    return this.inner.computeMask(inputs, mask);
  }

  override get trainable(): boolean {
    return this.inner.trainable;
  }

  override set trainable(value: boolean) {
    // The base constructor sets this before `inner` exists.
    if (this.inner !== undefined) this.inner.trainable = value;
  }

  // The inner layer's weights come first, in its own order, so weight lists line up with the stock layer.
  override get trainableWeights(): LayerVariable[] {
    return this.inner.trainableWeights;
  }

  override get nonTrainableWeights(): LayerVariable[] {
    return [...this.inner.nonTrainableWeights, ...super.nonTrainableWeights];
  }

  override calculateLosses(): tf.Scalar[] {
    return [...super.calculateLosses(), ...this.inner.calculateLosses()];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      layer: { className: this.inner.getClassName(), config: this.inner.getConfig() },
      maskedWeights: [...this.#maskedWeights],
    };
  }
}
tf.serialization.registerClass(CompressionWrapper);

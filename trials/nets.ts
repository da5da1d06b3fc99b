/**
 * Three small architectures whose channels are coupled across layers, to prove channel pruning and
 * speedup on: residual Adds (ResNet), depthwise-separable blocks (MobileNet), and a Concatenate.
 * `width` scales every layer's channels and `size` the input, so tests can build tiny versions.
 */
import * as tf from '@tensorflow/tfjs';

export interface NetOptions {
  /** Seeds the Glorot-uniform initialisers. */
  readonly seed: number;
  /** Channel multiplier. Defaults to 1. */
  readonly width?: number;
  /** Input height and width (one channel). Defaults to 28 (MNIST). */
  readonly size?: number;
}

type Sym = tf.SymbolicTensor;

/** A factory of seeded layers: one distinct, reproducible stream per layer. */
function layers({ seed, width = 1 }: NetOptions) {
  let n = 0;
  const init = () => tf.initializers.glorotUniform({ seed: seed * 1000 + ++n });
  const ch = (c: number) => Math.max(2, Math.round(c * width));
  return {
    conv: (name: string, filters: number, kernelSize: number, x: Sym, strides = 1) =>
      tf.layers.conv2d({ name, filters: ch(filters), kernelSize, strides, padding: 'same', kernelInitializer: init() }).apply(x) as Sym,
    bnRelu: (name: string, x: Sym) => tf.layers.reLU({ name: `${name}_relu` }).apply(tf.layers.batchNormalization({ name: `${name}_bn` }).apply(x)) as Sym,
    depthwise: (name: string, x: Sym, strides = 1) =>
      tf.layers.depthwiseConv2d({ name, kernelSize: 3, strides, padding: 'same', useBias: false, depthwiseInitializer: init() }).apply(x) as Sym,
    separable: (name: string, filters: number, x: Sym) =>
      tf.layers.separableConv2d({ name, filters: ch(filters), kernelSize: 3, padding: 'same', depthwiseInitializer: init(), pointwiseInitializer: init() }).apply(x) as Sym,
    head: (x: Sym) => tf.layers.dense({ name: 'logits', units: 10, kernelInitializer: init() }).apply(x) as Sym,
  };
}

function input({ size = 28 }: NetOptions): Sym {
  return tf.input({ shape: [size, size, 1], name: 'image' });
}

/** stem conv 16 → residual block (Add with the stem) → strided block with a 1×1 projection (Add) → GAP → dense 10. */
export function buildResNet(options: NetOptions): tf.LayersModel {
  const l = layers(options);
  const x = input(options);
  const stem = l.bnRelu('stem', l.conv('stem', 16, 3, x));
  const b1 = tf.layers.batchNormalization({ name: 'b1c2_bn' }).apply(l.conv('b1c2', 16, 3, l.bnRelu('b1c1', l.conv('b1c1', 16, 3, stem)))) as Sym;
  const r1 = tf.layers.reLU({ name: 'b1_relu' }).apply(tf.layers.add({ name: 'b1_add' }).apply([stem, b1])) as Sym;
  const b2 = tf.layers.batchNormalization({ name: 'b2c2_bn' }).apply(l.conv('b2c2', 32, 3, l.bnRelu('b2c1', l.conv('b2c1', 32, 3, r1, 2)))) as Sym;
  const shortcut = tf.layers.batchNormalization({ name: 'b2p_bn' }).apply(l.conv('b2p', 32, 1, r1, 2)) as Sym;
  const r2 = tf.layers.reLU({ name: 'b2_relu' }).apply(tf.layers.add({ name: 'b2_add' }).apply([b2, shortcut])) as Sym;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(r2) as Sym;
  return tf.model({ inputs: x, outputs: l.head(pooled), name: 'resnet' });
}

/** stem conv 16 /2 → [depthwise → BN → ReLU → 1×1 conv] ×2 (the second /2) → SeparableConv2D 64 → GAP → dense 10. */
export function buildMobileNet(options: NetOptions): tf.LayersModel {
  const l = layers(options);
  const x = input(options);
  let y = l.bnRelu('stem', l.conv('stem', 16, 3, x, 2));
  y = l.bnRelu('pw1', l.conv('pw1', 32, 1, l.bnRelu('dw1', l.depthwise('dw1', y))));
  y = l.bnRelu('pw2', l.conv('pw2', 64, 1, l.bnRelu('dw2', l.depthwise('dw2', y, 2))));
  y = l.bnRelu('sep', l.separable('sep', 64, y));
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(y) as Sym;
  return tf.model({ inputs: x, outputs: l.head(pooled), name: 'mobilenet' });
}

/** stem conv 16 → two branches (1×1 and 3×3 convs, 16 each) → Concatenate → pool → conv 32 → pool → flatten → dense 10. */
export function buildConcatNet(options: NetOptions): tf.LayersModel {
  const l = layers(options);
  const x = input(options);
  const stem = l.bnRelu('stem', l.conv('stem', 16, 3, x));
  const a = tf.layers.reLU({ name: 'a_relu' }).apply(l.conv('a', 16, 1, stem)) as Sym;
  const b = tf.layers.reLU({ name: 'b_relu' }).apply(l.conv('b', 16, 3, stem)) as Sym;
  const cat = tf.layers.concatenate({ name: 'concat' }).apply([a, b]) as Sym;
  const p1 = tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }).apply(cat) as Sym;
  const c = tf.layers.reLU({ name: 'c_relu' }).apply(l.conv('c', 32, 3, p1)) as Sym;
  const p2 = tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }).apply(c) as Sym;
  const flat = tf.layers.flatten({ name: 'flatten' }).apply(p2) as Sym;
  return tf.model({ inputs: x, outputs: l.head(flat), name: 'concatnet' });
}

/**
 * The built-in architectures, exactly as `shared/benchmarks/peers.md` defines them, so that
 * accuracies and speeds compare with the PyTorch figures there.
 */
import * as tf from '@tensorflow/tfjs';

export interface ModelSeed {
  /** Seeds the Glorot-uniform initialisers, so two builds with one seed are identical. */
  readonly seed: number;
}

function glorot(seed: number, layer: number) {
  // One distinct, reproducible stream per layer.
  return tf.initializers.glorotUniform({ seed: seed * 1000 + layer });
}

/** LeNet-5: conv 6@5×5 same → pool → conv 16@5×5 valid → pool → dense 120 → 84 → 10 (61,706 params). */
export function buildLenet5({ seed }: ModelSeed): tf.LayersModel {
  return tf.sequential({
    name: 'lenet5',
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: glorot(seed, 1) }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu', kernelInitializer: glorot(seed, 2) }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc1', units: 120, activation: 'relu', kernelInitializer: glorot(seed, 3) }),
      tf.layers.dense({ name: 'fc2', units: 84, activation: 'relu', kernelInitializer: glorot(seed, 4) }),
      tf.layers.dense({ name: 'fc3', units: 10, kernelInitializer: glorot(seed, 5) }),
    ],
  });
}

/** BigCNN: conv 32@5×5 same → pool → conv 64@5×5 same → pool → dense 128 → 10 (454,922 params). */
export function buildBigCnn({ seed }: ModelSeed): tf.LayersModel {
  return tf.sequential({
    name: 'bigcnn',
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape: [28, 28, 1], filters: 32, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: glorot(seed, 1) }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: 64, kernelSize: 5, padding: 'same', activation: 'relu', kernelInitializer: glorot(seed, 2) }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc1', units: 128, activation: 'relu', kernelInitializer: glorot(seed, 3) }),
      tf.layers.dense({ name: 'fc2', units: 10, kernelInitializer: glorot(seed, 4) }),
    ],
  });
}

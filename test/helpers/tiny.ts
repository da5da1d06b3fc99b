/** Tiny synthetic data and models, so tests of the training machinery run in milliseconds. */
import * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../../src/data/dataset.js';
import { mulberry32 } from '../../src/data/random.js';

/** `count` 6×6×1 images of 3 classes: class k lights up row band k, plus seeded noise. */
export function tinyDataset(count: number, seed: number): Dataset {
  const rng = mulberry32(seed);
  const images = new Float32Array(count * 36);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const k = i % 3;
    labels[i] = k;
    for (let p = 0; p < 36; p++) images[i * 36 + p] = 0.3 * rng() + (Math.floor(p / 12) === k ? 0.7 : 0);
  }
  return { images, labels, count, height: 6, width: 6, channels: 1, numClasses: 3 };
}

export function tinyConvNet(seed: number): tf.LayersModel {
  const init = (i: number) => tf.initializers.glorotUniform({ seed: seed * 10 + i });
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ name: 'conv', inputShape: [6, 6, 1], filters: 3, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.flatten(),
      tf.layers.dense({ name: 'out', units: 3, kernelInitializer: init(2) }),
    ],
  });
}

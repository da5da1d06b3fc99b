/** Tiny synthetic data and models, so tests of the training machinery run in milliseconds. */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveModel } from '../../src/engine/model-io.js';
import { writeIdxUbyte } from './idx.js';
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

export interface TinyWorkspace {
  readonly dir: string;
  /** The saved tinyConvNet's directory. */
  readonly model: string;
  readonly trainImages: string;
  readonly trainLabels: string;
  readonly testImages: string;
  readonly testLabels: string;
  /** `<model dir>` and the data flags, as `squish train|compress` take a user model. */
  readonly cliArgs: string[];
}

/** A temp directory with a saved tinyConvNet and tinyDataset IDX files: a user's model and data. */
export async function tinyWorkspace(prefix: string, { train = 30, test = 12 } = {}): Promise<TinyWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const model = join(dir, 'model');
  await saveModel(tinyConvNet(0), model);
  const files: Record<string, string> = {};
  for (const [split, n] of [['train', train], ['test', test]] as const) {
    const data = tinyDataset(n, n);
    files[`${split}Images`] = join(dir, `${split}-images-idx3-ubyte`);
    files[`${split}Labels`] = join(dir, `${split}-labels-idx1-ubyte`);
    writeIdxUbyte(files[`${split}Images`]!, [n, 6, 6], Uint8Array.from(data.images, (v) => Math.round(v * 255)));
    writeIdxUbyte(files[`${split}Labels`]!, [n], data.labels);
  }
  const [trainImages, trainLabels, testImages, testLabels] = [files.trainImages!, files.trainLabels!, files.testImages!, files.testLabels!];
  return {
    dir, model, trainImages, trainLabels, testImages, testLabels,
    cliArgs: [model, '--train-images', trainImages, '--train-labels', trainLabels, '--test-images', testImages, '--test-labels', testLabels, '--loss', 'softmax-cross-entropy'],
  };
}

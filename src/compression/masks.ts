/**
 * The masks file: every mask of a compressed model, keyed `layer/weight`, in one JSON file (bit-packed,
 * base64), so users can load masks back (e.g. for speedup) without the compressor.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError } from '../errors.js';

const MASKS_FORMAT = 'squish-masks';

interface MasksFile {
  format: typeof MASKS_FORMAT;
  version: 1;
  /** Keyed `layer/weight`; `bits` packs the 0/1 entries, row-major, 8 per byte, least significant bit first. */
  masks: Record<string, { shape: number[]; bits: string }>;
}

/** Saves masks (0/1 tensors keyed `layer/weight`) as one JSON file. */
export async function saveMasks(path: string, masks: Readonly<Record<string, tf.Tensor>>): Promise<void> {
  const file: MasksFile = { format: MASKS_FORMAT, version: 1, masks: {} };
  for (const [name, mask] of Object.entries(masks)) {
    const values = await mask.data();
    const bits = new Uint8Array(Math.ceil(values.length / 8));
    values.forEach((v, i) => {
      if (v !== 0) bits[i >> 3] |= 1 << (i & 7);
    });
    file.masks[name] = { shape: [...mask.shape], bits: Buffer.from(bits).toString('base64') };
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(file));
}

/** Loads a masks file written by `saveMasks` (or `exportModel({maskPath})`). The caller owns the tensors. */
export async function loadMasks(path: string): Promise<Record<string, tf.Tensor>> {
  const file = JSON.parse(await readFile(path, 'utf8')) as Partial<MasksFile>;
  if (file.format !== MASKS_FORMAT || file.version !== 1 || typeof file.masks !== 'object') {
    throw new InputError(`${path} is not a Squish masks file (expected format '${MASKS_FORMAT}', version 1)`);
  }
  const out: Record<string, tf.Tensor> = {};
  for (const [name, { shape, bits }] of Object.entries(file.masks)) {
    const packed = Buffer.from(bits, 'base64');
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = (packed[i >> 3] >> (i & 7)) & 1;
    out[name] = tf.tensor(values, shape, 'float32');
  }
  return out;
}

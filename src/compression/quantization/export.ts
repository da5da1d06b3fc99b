/**
 * Writing quantized weights into a TF.js weights manifest, which tfjs's own `model.save()` cannot do
 * ("TODO: Support quantization" in its `encodeWeights`). Stock loaders decode an entry
 * `{quantization: {dtype: 'uint8'|'uint16', scale, min}}` as `Float32(q·scale + min)`, computed in doubles.
 *
 * A quantizer's grid is `(q − z)·s` with `s` a float32 and `z` a multiple of ½, computed in float32 on
 * the backend. With `min = −z·s`, `q·s + min` is exactly `(q − z)·s` in doubles (both terms and the result
 * fit in 53 bits), so the loader's one rounding to float32 gives the very value the backend's float32
 * multiplication gave: the export loses nothing. `encodeOnGrid` checks every entry anyway.
 */
import * as tf from '@tensorflow/tfjs';
import { SquishError } from '../../errors.js';
import { directoryHandler } from '../../engine/model-io.js';

/** The integer grid of a quantized weight: `value = (q − zeroPoint)·scale`, `q ∈ [0, qmax]`. */
export interface WeightGrid {
  readonly scale: number;
  readonly zeroPoint: number;
  readonly qmax: number;
}

export type ManifestQuantization = { dtype: 'uint8' | 'uint16'; scale: number; min: number };

/** The storage dtype of a grid, or undefined when its integers need more than 16 bits. */
export function gridDtype(grid: WeightGrid): 'uint8' | 'uint16' | undefined {
  return grid.qmax <= 0xff ? 'uint8' : grid.qmax <= 0xffff ? 'uint16' : undefined;
}

/**
 * The integers of `values` on `grid`, and the manifest entry that decodes them. Throws when a value is
 * not on the grid (it would not survive the round trip).
 */
export function encodeOnGrid(name: string, values: Float32Array, grid: WeightGrid): { bytes: Uint8Array; quantization: ManifestQuantization } {
  const dtype = gridDtype(grid);
  if (dtype === undefined) throw new SquishError(`${name}: a grid of ${grid.qmax + 1} levels does not fit in uint16`);
  const { scale, zeroPoint, qmax } = grid;
  const min = -zeroPoint * scale;
  const q = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const qi = Math.min(qmax, Math.max(0, Math.round(v / scale + zeroPoint)));
    if (Math.fround(qi * scale + min) !== v) {
      throw new SquishError(`${name}[${i}] = ${v} is not on its quantization grid (scale ${scale}, zero point ${zeroPoint})`);
    }
    q[i] = qi;
  }
  return { bytes: new Uint8Array(q.buffer), quantization: { dtype, scale, min } };
}

/**
 * Saves `model` (stock layers) to `dir` like `model.save()`, with each weight named in `grids`
 * (`layer/weight`, the manifest's names) stored as integers on its grid.
 */
export async function saveQuantizedModel(model: tf.LayersModel, dir: string, grids: ReadonlyMap<string, WeightGrid>): Promise<void> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
  }));
  const { weightSpecs = [], weightData } = artifacts!;
  const tensors = tf.io.decodeWeights(weightData!, weightSpecs);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  try {
    for (const spec of weightSpecs) {
      const t = tensors[spec.name]!;
      const grid = grids.get(spec.name);
      if (grid !== undefined && spec.dtype === 'float32' && gridDtype(grid) !== undefined) {
        const { bytes, quantization } = encodeOnGrid(spec.name, (await t.data()) as Float32Array, grid);
        specs.push({ ...spec, quantization });
        chunks.push(bytes);
      } else {
        const data = await t.data();
        specs.push(spec);
        chunks.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      }
    }
  } finally {
    tf.dispose(Object.values(tensors));
  }
  const weights = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    weights.set(c, offset);
    offset += c.length;
  }
  await directoryHandler(dir).save!({ ...artifacts!, weightSpecs: specs, weightData: weights.buffer });
}

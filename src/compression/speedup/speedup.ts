/**
 * `speedup(model, masks)`: NNI's ModelSpeedup for TF.js. The masked model is rebuilt with fewer
 * filters and units and sliced weights, so it is smaller and faster for real (TF.js has no sparse
 * kernels: masks alone change neither). Its outputs equal the masked model's; it is a stock
 * LayersModel that saves and loads like any other.
 */
import * as tf from '@tensorflow/tfjs';
import { fromConfig, modelConfig, unwrapModel } from '../model.js';
import { CompressionWrapper, shortWeightName } from '../wrapper.js';
import type { BuildOptions } from './graph.js';
import { keptChannels, planSpeedup, type SpeedupPlan } from './plan.js';
import { layerSurgery } from './surgery.js';

/** Per layer, the output channels it keeps (of how many): Torch-Pruning's pruning history, as data. */
export type PruningHistory = Record<string, { readonly kept: number[]; readonly of: number }>;

export interface SpeedupResult {
  readonly model: tf.LayersModel;
  /** Layers whose output channels changed. */
  readonly history: PruningHistory;
  /** Layers that stopped channel pruning, each with why. */
  readonly barriers: readonly { layer: string; reason: string }[];
}

/** A stock copy of `model` with `masks` (keyed `layer/weight`) multiplied into its weights. */
function maskedCopy(model: tf.LayersModel, masks: Readonly<Record<string, tf.Tensor>>): tf.LayersModel {
  const wrapped = model.layers.some((l) => l instanceof CompressionWrapper);
  const copy = wrapped ? unwrapModel(model) : fromConfig(model, modelConfig(model));
  for (const layer of copy.layers) {
    const source = wrapped ? layer.getWeights() : model.getLayer(layer.name).getWeights();
    const values = tf.tidy(() => source.map((w, i) => {
      const mask = masks[`${layer.name}/${shortWeightName(layer.weights[i]!)}`];
      return mask === undefined ? w.clone() : tf.mul(w, mask);
    }));
    layer.setWeights(values);
    tf.dispose(values);
  }
  return copy;
}

function history(plan: SpeedupPlan): PruningHistory {
  const out: Record<string, { kept: number[]; of: number }> = {};
  for (const node of plan.graph.nodes) {
    const kept = keptChannels(plan, node.output);
    if (kept.length < node.output.channels) out[node.name] = { kept, of: node.output.channels };
  }
  return out;
}

/**
 * Removes every channel the masks make removable and returns the smaller model with what was removed.
 * `model` is a stock model (with `masks` keyed `layer/weight`, as `Pruner.getMasks()` gives) or a
 * pruner's compressed model (its own masks apply). The caller owns the new model; `model` is untouched.
 */
export async function speedupWithHistory(model: tf.LayersModel, masks: Readonly<Record<string, tf.Tensor>> = {}, options: BuildOptions = {}): Promise<SpeedupResult> {
  const masked = maskedCopy(model, masks);
  try {
    const plan = await planSpeedup(masked, options);
    const surgery = new Map(plan.graph.nodes.map((node) => [node.name, layerSurgery(plan, node)]));
    const config = modelConfig(masked);
    for (const entry of config.layers) {
      const changes = surgery.get(entry.config.name as string)?.config;
      if (changes !== undefined) Object.assign(entry.config, changes);
    }
    const smaller = fromConfig(masked, config);
    for (const layer of smaller.layers) {
      const weights = surgery.get(layer.name)?.weights;
      if (weights === undefined) continue;
      const values = layer.weights.map((v) => {
        const w = weights.get(shortWeightName(v))!;
        return tf.tensor(w.values, w.shape);
      });
      layer.setWeights(values);
      tf.dispose(values);
    }
    return { model: smaller, history: history(plan), barriers: plan.graph.barriers };
  } finally {
    masked.dispose();
  }
}

/** `speedupWithHistory`, returning only the smaller model. */
export async function speedup(model: tf.LayersModel, masks: Readonly<Record<string, tf.Tensor>> = {}, options: BuildOptions = {}): Promise<tf.LayersModel> {
  return (await speedupWithHistory(model, masks, options)).model;
}

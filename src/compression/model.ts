/**
 * Rebuilding a LayersModel with some layers wrapped, and back to stock layers with the masks baked in.
 * Both go through the model's own config (`getConfig()` → `fromConfig`), which describes Sequential and
 * functional topologies alike, so inbound nodes, shared inputs and layer names carry over untouched.
 */
import * as tf from '@tensorflow/tfjs';
import { CompressionWrapper, shortWeightName } from './wrapper.js';

export interface LayerEntry {
  className: string;
  config: tf.serialization.ConfigDict;
}

export function modelConfig(model: tf.LayersModel): { layers: LayerEntry[] } {
  // A deep copy: fromConfig mutates what it is given.
  return structuredClone(model.getConfig()) as unknown as { layers: LayerEntry[] };
}

export function fromConfig(model: tf.LayersModel, config: { layers: LayerEntry[] }): tf.LayersModel {
  const cls = model instanceof tf.Sequential ? tf.Sequential : tf.LayersModel;
  return cls.fromConfig(cls, config as unknown as tf.serialization.ConfigDict) as tf.LayersModel;
}

/** Gives the new model the compile settings of the old one, so training continues as before. */
function copyCompile(from: tf.LayersModel, to: tf.LayersModel): void {
  if (from.optimizer !== undefined) {
    to.compile({ optimizer: from.optimizer, loss: from.loss, metrics: from.metrics });
  }
}

/**
 * A copy of `model` where each layer named in `masked` is a CompressionWrapper masking those weights.
 * Weights are copied; the source model is left as it was. Masks start at ones.
 */
export function wrapModel(model: tf.LayersModel, masked: ReadonlyMap<string, readonly string[]>): tf.LayersModel {
  const config = modelConfig(model);
  for (const entry of config.layers) {
    const weights = masked.get(entry.config.name as string);
    if (weights === undefined) continue;
    const { name, trainable, batchInputShape, dtype } = entry.config;
    entry.config = {
      name,
      trainable,
      dtype,
      // A Sequential model learns its input shape from its first layer's config.
      ...(batchInputShape !== undefined ? { batchInputShape } : {}),
      layer: { className: entry.className, config: entry.config },
      maskedWeights: [...weights],
    };
    entry.className = CompressionWrapper.className;
  }
  const wrapped = fromConfig(model, config);
  for (const layer of wrapped.layers) {
    const source = model.getLayer(layer.name).getWeights();
    // A wrapper lists the inner weights first, in the stock order, then its masks (left at ones).
    layer.setWeights([...source, ...layer.getWeights().slice(source.length)]);
  }
  copyCompile(model, wrapped);
  return wrapped;
}

/**
 * A stock copy of a wrapped model: every CompressionWrapper is replaced by its inner layer, whose
 * weights are the effective ones (`mask ⊙ weight`). Loads with stock `tf.loadLayersModel`.
 */
export function unwrapModel(model: tf.LayersModel): tf.LayersModel {
  const config = modelConfig(model);
  for (const entry of config.layers) {
    if (entry.className !== CompressionWrapper.className) continue;
    const { batchInputShape } = entry.config;
    const inner = entry.config.layer as unknown as LayerEntry;
    entry.className = inner.className;
    entry.config = { ...inner.config, ...(batchInputShape !== undefined ? { batchInputShape } : {}) };
  }
  const stock = fromConfig(model, config);
  for (const layer of model.layers) {
    const target = stock.getLayer(layer.name);
    if (layer instanceof CompressionWrapper) {
      const values = layer.inner.weights.map((w) => layer.effectiveWeight(shortWeightName(w)));
      target.setWeights(values);
      tf.dispose(values);
    } else {
      target.setWeights(layer.getWeights());
    }
  }
  return stock;
}

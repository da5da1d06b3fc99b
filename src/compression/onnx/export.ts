/**
 * ONNX export of a stock TF.js LayersModel (for a pruned model, `Pruner.exportModel({ onnxPath })`
 * unwraps it first). Graph inputs and outputs keep TF.js's NHWC shapes, batch symbolic; inside,
 * rank-4 values are NCHW, with one Transpose at each boundary.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encodeModel, type ValueInfo } from './proto.js';
import { GraphBuilder, TO_NCHW, TO_NHWC, type Value } from './graph.js';
import { convertLayer } from './layers.js';

export { OnnxExportError, SUPPORTED_LAYERS } from './layers.js';

/** Opset 13: per-axis Softmax, Clip bounds as inputs. */
const OPSET = 13;

type Symbolic = tf.SymbolicTensor;

function valueInfo(name: string, t: Symbolic): ValueInfo {
  return { name, shape: t.shape.map((d, i) => (i === 0 ? null : d)) };
}

/**
 * The ONNX ModelProto bytes for `model`. Rejects with OnnxExportError on a layer it cannot express.
 * Asynchronous because the weights are read asynchronously (webgpu has no synchronous read in Node).
 */
export async function convertToOnnx(model: tf.LayersModel): Promise<Uint8Array> {
  const b = new GraphBuilder();
  try {
    const graph = buildGraph(model, b);
    await b.readWeights();
    return encodeModel({ ...graph, initializers: b.initializers }, tf.version.tfjs);
  } finally {
    b.dispose();
  }
}

function buildGraph(model: tf.LayersModel, b: GraphBuilder) {
  const values = new Map<number, Value>();
  const inputs = model.inputs.map((t) => {
    const name = b.fresh(t.sourceLayer.name);
    const rank = t.shape.length;
    values.set(t.id, { name: rank === 4 ? b.transpose(`${name}_nchw`, name, TO_NCHW) : name, rank });
    return valueInfo(name, t);
  });
  // Claimed before the layers name their nodes, so the graph's outputs keep their layers' names.
  const outputNames = model.outputs.map((t) => b.fresh(t.sourceLayer.name));
  // model.layers is in topological order; a layer applied several times has one inbound node per call.
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    for (const node of layer.inboundNodes) {
      const ins = node.inputTensors.map((t) => values.get(t.id));
      // A node fed from outside this model (the layer also serves another graph) is not part of it.
      if (ins.some((v) => v === undefined)) continue;
      const call = { b, layer, config: layer.getConfig(), inputs: ins as Value[], inputShapes: node.inputTensors.map((t) => t.shape) };
      values.set(node.outputTensors[0].id, convertLayer(call));
    }
  }
  const outputs = model.outputs.map((t, i) => {
    const v = values.get(t.id);
    if (v === undefined) throw new Error(`ONNX export: output '${outputNames[i]}' is not reached from the inputs`);
    const name = outputNames[i];
    // Gives the last value the output's name (and NHWC again at rank 4).
    if (v.rank === 4) b.nodes.push({ opType: 'Transpose', name, inputs: [v.name], outputs: [name], attributes: { perm: TO_NHWC } });
    else b.nodes.push({ opType: 'Identity', name, inputs: [v.name], outputs: [name] });
    return valueInfo(name, t);
  });
  return { graphName: model.name, opset: OPSET, nodes: b.nodes, inputs, outputs };
}

/** Writes `model` as an ONNX file at `path` (parent directories created). */
export async function exportOnnx(model: tf.LayersModel, path: string): Promise<void> {
  const bytes = await convertToOnnx(model);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

/**
 * One converter per supported TF.js layer class: each emits ONNX nodes for one application of the
 * layer. Rank-4 values travel NCHW (see graph.ts), so weights are permuted to ONNX's layouts here
 * and NHWC axes are remapped.
 */
import * as tf from '@tensorflow/tfjs';
import { shortWeightName } from '../wrapper.js';
import { GraphBuilder, NCHW_AXIS, TO_NHWC, type Value } from './graph.js';

export interface LayerCall {
  readonly b: GraphBuilder;
  readonly layer: tf.layers.Layer;
  readonly config: tf.serialization.ConfigDict;
  readonly inputs: readonly Value[];
  /** TF.js (NHWC) shapes of the inputs, batch as null. */
  readonly inputShapes: readonly (number | null)[][];
}

type Converter = (call: LayerCall) => Value;

/** Raised for a layer or setting the exporter cannot express; the message names the layer. */
export class OnnxExportError extends Error {
  constructor(layer: tf.layers.Layer, what: string) {
    super(`ONNX export: layer '${layer.name}' (${layer.getClassName()}): ${what}`);
    this.name = 'OnnxExportError';
  }
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1]] : [v as number, v as number]);

/** Axis of a TF.js tensor of rank `rank` as held in the graph. */
function graphAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  return rank === 4 ? NCHW_AXIS[a] : a;
}

function weights(layer: tf.layers.Layer): Map<string, tf.Tensor> {
  return new Map(layer.weights.map((w) => [shortWeightName(w), w.read()]));
}

function only(call: LayerCall): Value {
  if (call.inputs.length !== 1) throw new OnnxExportError(call.layer, `expects one input, got ${call.inputs.length}`);
  return call.inputs[0];
}

function spatial(call: LayerCall): Value {
  const x = only(call);
  if (x.rank !== 4) throw new OnnxExportError(call.layer, `needs a rank-4 (NHWC) input, got rank ${x.rank}`);
  if (call.config.dataFormat === 'channelsFirst') throw new OnnxExportError(call.layer, "dataFormat 'channelsFirst' is not supported");
  return x;
}

/** ONNX pads [top, left, bottom, right] for TF's 'valid' or 'same' (the odd pixel goes after). */
function pads(call: LayerCall, kernel: [number, number], strides: [number, number], dilation: [number, number]): number[] {
  const padding = call.config.padding;
  if (padding === 'valid') return [0, 0, 0, 0];
  if (padding !== 'same') throw new OnnxExportError(call.layer, `padding '${String(padding)}' is not supported`);
  const before: number[] = [];
  const after: number[] = [];
  for (const d of [0, 1]) {
    const size = call.inputShapes[0][d + 1];
    if (size === null) throw new OnnxExportError(call.layer, "padding 'same' needs a static spatial input shape");
    const out = Math.ceil(size / strides[d]);
    const total = Math.max((out - 1) * strides[d] + (kernel[d] - 1) * dilation[d] + 1 - size, 0);
    before.push(Math.floor(total / 2));
    after.push(total - Math.floor(total / 2));
  }
  return [...before, ...after];
}

/** A fused or standalone activation by its TF.js name. */
function activation(call: LayerCall, x: Value, name: string): Value {
  const { b, layer } = call;
  const base = `${layer.name}_${name}`;
  const unary: Record<string, string> = {
    relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', elu: 'Elu', selu: 'Selu', softplus: 'Softplus', softsign: 'Softsign', hardSigmoid: 'HardSigmoid',
  };
  if (name === 'linear') return x;
  if (unary[name] !== undefined) return { name: b.op(unary[name], base, [x.name]), rank: x.rank };
  if (name === 'relu6') return { name: b.op('Clip', base, [x.name, b.scalar(`${base}_min`, 0), b.scalar(`${base}_max`, 6)]), rank: x.rank };
  if (name === 'softmax') return { name: b.op('Softmax', base, [x.name], { axis: graphAxis(-1, x.rank) }), rank: x.rank };
  if (name === 'swish') return { name: b.op('Mul', base, [x.name, b.op('Sigmoid', `${base}_sigmoid`, [x.name])]), rank: x.rank };
  throw new OnnxExportError(layer, `activation '${name}' is not supported`);
}

const fused = (call: LayerCall, y: Value): Value => activation(call, y, (call.config.activation as string | undefined) ?? 'linear');

function conv(call: LayerCall, x: Value, kernel: string, bias: string | undefined, group: number, base: string): Value {
  const size = pair(call.config.kernelSize);
  const strides = pair(call.config.strides);
  const dilations = pair(call.config.dilationRate ?? 1);
  const attributes = { kernel_shape: size, strides, dilations, pads: pads(call, size, strides, dilations), group };
  return { name: call.b.op('Conv', base, [x.name, kernel, ...(bias !== undefined ? [bias] : [])], attributes), rank: 4 };
}

/** A TF.js depthwise kernel [kh, kw, in, mult] as an ONNX grouped-conv weight [in·mult, 1, kh, kw] (TF orders outputs channel-major). */
function depthwiseWeight(b: GraphBuilder, base: string, k: tf.Tensor): string {
  const [kh, kw, inC, mult] = k.shape;
  const w = tf.tidy(() => k.transpose([2, 3, 0, 1]).reshape([inC * mult, 1, kh, kw]));
  const name = b.weight(base, w);
  w.dispose();
  return name;
}

/** A TF.js conv kernel [kh, kw, in, out] as ONNX's [out, in, kh, kw]. */
function convWeight(b: GraphBuilder, base: string, k: tf.Tensor): string {
  const w = k.transpose([3, 2, 0, 1]);
  const name = b.weight(base, w);
  w.dispose();
  return name;
}

function biasOf(call: LayerCall, w: Map<string, tf.Tensor>): string | undefined {
  const bias = w.get('bias');
  return bias === undefined ? undefined : call.b.weight(`${call.layer.name}_bias`, bias);
}

const CONVERTERS: Record<string, Converter> = {
  Conv2D(call) {
    const x = spatial(call);
    const w = weights(call.layer);
    const kernel = convWeight(call.b, `${call.layer.name}_kernel`, w.get('kernel')!);
    return fused(call, conv(call, x, kernel, biasOf(call, w), 1, call.layer.name));
  },
  DepthwiseConv2D(call) {
    const x = spatial(call);
    const w = weights(call.layer);
    const kernel = depthwiseWeight(call.b, `${call.layer.name}_depthwise_kernel`, w.get('depthwise_kernel')!);
    return fused(call, conv(call, x, kernel, biasOf(call, w), call.inputShapes[0][3]!, call.layer.name));
  },
  SeparableConv2D(call) {
    const { b, layer } = call;
    const x = spatial(call);
    const w = weights(layer);
    const depthwise = depthwiseWeight(b, `${layer.name}_depthwise_kernel`, w.get('depthwise_kernel')!);
    const mid = conv(call, x, depthwise, undefined, call.inputShapes[0][3]!, `${layer.name}_depthwise`);
    const pointwise = convWeight(b, `${layer.name}_pointwise_kernel`, w.get('pointwise_kernel')!);
    const bias = biasOf(call, w);
    return fused(call, { name: b.op('Conv', layer.name, [mid.name, pointwise, ...(bias !== undefined ? [bias] : [])], { kernel_shape: [1, 1] }), rank: 4 });
  },
  Dense(call) {
    const x = only(call);
    if (x.rank !== 2) throw new OnnxExportError(call.layer, `supports rank-2 inputs only, got rank ${x.rank}`);
    const w = weights(call.layer);
    const kernel = call.b.weight(`${call.layer.name}_kernel`, w.get('kernel')!);
    const bias = biasOf(call, w);
    return fused(call, { name: call.b.op('Gemm', call.layer.name, [x.name, kernel, ...(bias !== undefined ? [bias] : [])]), rank: 2 });
  },
  BatchNormalization(call) {
    const { b, layer, config } = call;
    const x = only(call);
    const axis = config.axis as number;
    if (axis !== -1 && axis !== x.rank - 1) throw new OnnxExportError(layer, `normalizes axis ${axis}; only the last (channel) axis is supported`);
    const w = weights(layer);
    const mean = w.get('moving_mean')!;
    const channels = mean.shape[0];
    // ONNX wants all four inputs; a layer without scale or center has the identity ones.
    const param = (key: string, fill: number) => {
      const t = w.get(key) ?? tf.fill([channels], fill);
      const name = b.weight(`${layer.name}_${key}`, t);
      if (!w.has(key)) t.dispose();
      return name;
    };
    const inputs = [x.name, param('gamma', 1), param('beta', 0), param('moving_mean', 0), param('moving_variance', 1)];
    return { name: b.op('BatchNormalization', layer.name, inputs, { epsilon: { float: config.epsilon as number } }), rank: x.rank };
  },
  MaxPooling2D: (call) => pool(call, 'MaxPool'),
  AveragePooling2D: (call) => pool(call, 'AveragePool'),
  GlobalAveragePooling2D: (call) => globalPool(call, 'GlobalAveragePool'),
  GlobalMaxPooling2D: (call) => globalPool(call, 'GlobalMaxPool'),
  Flatten(call) {
    const x = only(call);
    // TF.js flattens NHWC order: put the channels last again first.
    const input = x.rank === 4 ? call.b.transpose(`${call.layer.name}_nhwc`, x.name, TO_NHWC) : x.name;
    return { name: call.b.op('Flatten', call.layer.name, [input], { axis: 1 }), rank: 2 };
  },
  Add(call) {
    return { name: call.b.op('Sum', call.layer.name, call.inputs.map((v) => v.name)), rank: call.inputs[0].rank };
  },
  Concatenate(call) {
    const rank = call.inputs[0].rank;
    return { name: call.b.op('Concat', call.layer.name, call.inputs.map((v) => v.name), { axis: graphAxis(call.config.axis as number, rank) }), rank };
  },
  Activation: (call) => activation(call, only(call), call.config.activation as string),
  ReLU(call) {
    const x = only(call);
    const max = call.config.maxValue as number | null | undefined;
    if (max === null || max === undefined) return activation(call, x, 'relu');
    const { b, layer } = call;
    return { name: b.op('Clip', layer.name, [x.name, b.scalar(`${layer.name}_min`, 0), b.scalar(`${layer.name}_max`, max)]), rank: x.rank };
  },
  LeakyReLU(call) {
    const x = only(call);
    return { name: call.b.op('LeakyRelu', call.layer.name, [x.name], { alpha: { float: call.config.alpha as number } }), rank: x.rank };
  },
  Softmax(call) {
    const x = only(call);
    return { name: call.b.op('Softmax', call.layer.name, [x.name], { axis: graphAxis(call.config.axis as number, x.rank) }), rank: x.rank };
  },
  // Dropout is the identity at inference.
  Dropout: (call) => only(call),
};

function pool(call: LayerCall, opType: string): Value {
  const x = spatial(call);
  const kernel = pair(call.config.poolSize);
  const strides = pair(call.config.strides ?? kernel);
  const attributes = { kernel_shape: kernel, strides, pads: pads(call, kernel, strides, [1, 1]) };
  return { name: call.b.op(opType, call.layer.name, [x.name], attributes), rank: 4 };
}

function globalPool(call: LayerCall, opType: string): Value {
  const x = spatial(call);
  // ONNX keeps [N, C, 1, 1]; TF.js returns [N, C].
  const pooled = call.b.op(opType, `${call.layer.name}_pool`, [x.name]);
  return { name: call.b.op('Flatten', call.layer.name, [pooled], { axis: 1 }), rank: 2 };
}

export const SUPPORTED_LAYERS: readonly string[] = Object.keys(CONVERTERS);

export function convertLayer(call: LayerCall): Value {
  const convert = CONVERTERS[call.layer.getClassName()];
  if (convert === undefined) throw new OnnxExportError(call.layer, `unsupported layer class; supported: ${SUPPORTED_LAYERS.join(', ')}`);
  return convert(call);
}

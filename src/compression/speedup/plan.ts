/**
 * Which channels `speedup` may remove without changing the model's outputs (NNI's mask inference, made
 * exact). Two passes over the effective weights (`mask ⊙ weight`):
 *
 * - forward, constants: a filter whose kernel is all zero outputs act(bias), the same everywhere; BN,
 *   activations, pooling and merges carry such constants on (a BN with γ = 0 outputs β whatever comes in);
 * - backward, need: a consumer needs an input channel when its output depends on it (non-zero weights
 *   for a conv or dense, a needed output channel for layers that pass channels through).
 *
 * A slot can go when nothing needs it, or when it is a constant that each consumer folds into its bias
 * (dense, valid-padding or 1×1 convs; zero padding would make a constant vary at the borders). A class
 * (see graph.ts) is removed when all its slots can go.
 */
import * as tf from '@tensorflow/tfjs';
import { shortWeightName } from '../wrapper.js';
import { DependencyGraph, expandChannels, type BuildOptions, type Node, type TensorNode } from './graph.js';
import { foldsConstants, type WeightMap } from './handlers.js';

/** Per channel: its constant value, or null when it varies with the input. */
export type Constants = (number | null)[];

export interface SpeedupPlan {
  readonly graph: DependencyGraph;
  /** Weights per layer, masks baked in. */
  readonly weights: ReadonlyMap<string, WeightMap>;
  /** Constants of each tensor, by tensor id. */
  readonly constants: ReadonlyMap<number, Constants>;
  /** 1 where the slot is removed. */
  readonly removed: Uint8Array;
}

/** The channels of `t` that stay, in order. */
export function keptChannels(plan: SpeedupPlan, t: TensorNode): number[] {
  return Array.from({ length: t.channels }, (_, c) => c).filter((c) => plan.removed[t.slot0 + c] === 0);
}

async function readWeights(layer: tf.layers.Layer): Promise<WeightMap> {
  const out: WeightMap = new Map();
  for (const v of layer.weights) out.set(shortWeightName(v), { values: new Float32Array(await v.read().data()), shape: [...v.shape] as number[] });
  return out;
}

/** Runs `fn` on constant channels laid out as `[1, …, 1, C]` tensors of the given ranks, live channels as 0. */
async function applyToConstants(inputs: Constants[], ranks: number[], fn: (xs: tf.Tensor[]) => tf.Tensor): Promise<number[]> {
  const y = tf.tidy(() => fn(inputs.map((k, i) => tf.tensor(k.map((v) => v ?? 0), [...Array<number>(ranks[i]! - 1).fill(1), k.length]))));
  const values = Array.from(await y.data());
  y.dispose();
  return values;
}

function activation(node: Node): (x: tf.Tensor[]) => tf.Tensor {
  const name = (node.layer.getConfig().activation as string | undefined) ?? 'linear';
  return ([x]) => tf.layers.activation({ activation: name as 'linear' }).apply(x) as tf.Tensor;
}

const tapCache = new WeakMap<object, { sums: Float64Array; zero: Uint8Array }>();

/**
 * Σ over the spatial taps of a `[...taps, in, out]` kernel, flat `[in][out]`, and 1 where all taps are
 * zero. For a depthwise kernel `[...taps, in, m]` the flat index c·m + j is the output channel.
 */
export function tapSums(kernel: { values: Float32Array; shape: number[] }): { sums: Float64Array; zero: Uint8Array } {
  const cached = tapCache.get(kernel);
  if (cached !== undefined) return cached;
  const { values, shape } = kernel;
  const [cin, cout] = shape.slice(-2) as [number, number];
  const sums = new Float64Array(cin * cout);
  const zero = new Uint8Array(cin * cout).fill(1);
  for (let i = 0; i < values.length; i++) {
    const j = i % (cin * cout);
    sums[j] += values[i]!;
    if (values[i] !== 0) zero[j] = 0;
  }
  tapCache.set(kernel, { sums, zero });
  return { sums, zero };
}

/** A pooling layer keeps non-zero constants unless padded windows change their value. */
function poolKeepsConstants(node: Node): boolean {
  const cls = node.layer.getClassName();
  return !(cls === 'ZeroPadding2D' || (cls.startsWith('AveragePooling') && node.layer.getConfig().padding === 'same'));
}

async function forward(node: Node, inputs: Constants[], w: WeightMap): Promise<Constants> {
  const out = node.output;
  const live: Constants = Array(out.channels).fill(null);
  switch (node.handler?.kind) {
    case 'fresh': {
      const kernel = w.get(node.layer.getClassName() === 'SeparableConv2D' ? 'pointwise_kernel' : 'kernel')!;
      const { zero } = tapSums(kernel);
      const cin = kernel.shape.at(-2)!;
      const idle = live.map((_, o) => Array.from({ length: cin }, (_, c) => zero[c * out.channels + o]).every((z) => z === 1));
      const bias = w.get('bias')?.values;
      const acts = await applyToConstants([live.map((_, o) => bias?.[o] ?? 0)], [2], activation(node));
      return live.map((_, o) => (idle[o] ? acts[o]! : null));
    }
    case 'depthwise': {
      const kernel = w.get('depthwise_kernel')!;
      const { sums, zero } = tapSums(kernel);
      const folds = foldsConstants(node.layer.getConfig(), kernel.shape);
      const bias = w.get('bias')?.values;
      const multiplier = kernel.shape.at(-1)!;
      const pre: Constants = live.map((_, o) => {
        const k = inputs[0]![Math.floor(o / multiplier)] ?? null;
        const b = bias?.[o] ?? 0;
        return zero[o] === 1 || k === 0 ? b : k !== null && folds ? k * sums[o]! + b : null;
      });
      const acts = await applyToConstants([pre], [2], activation(node));
      return pre.map((v, o) => (v === null ? null : acts[o]!));
    }
    case 'elementwise': {
      const gamma = node.layer.getClassName() === 'BatchNormalization' ? w.get('gamma')?.values : undefined;
      const ranks = node.inputs.map((t) => t.shape.length);
      const values = await applyToConstants(inputs, ranks, ([x]) => node.layer.apply(x!) as tf.Tensor);
      return values.map((v, c) => (inputs[0]![c] !== null || gamma?.[c] === 0 ? v : null));
    }
    case 'pool': {
      const keeps = poolKeepsConstants(node);
      return inputs[0]!.map((k) => (k === 0 || (k !== null && keeps) ? k : null));
    }
    case 'merge': {
      const values = await applyToConstants(inputs, inputs.map(() => 2), (xs) => node.layer.apply(xs) as tf.Tensor);
      return values.map((v, c) => (inputs.every((k) => k[c] !== null) ? v : null));
    }
    case 'concat':
      return inputs.flat();
    case 'flatten':
      for (const [c, o] of expandChannels(node)) live[o] = inputs[0]![c]!;
      return live;
    default:
      return live;
  }
}

/** Whether `node` needs channel `c` of its input `i`, given which of its output slots are needed. */
function needs(node: Node, i: number, c: number, w: WeightMap, need: Uint8Array): boolean {
  const out = node.output;
  const outNeeded = (o: number) => need[out.slot0 + o] === 1;
  switch (node.handler?.kind) {
    case 'fresh': {
      if (node.layer.getClassName() === 'SeparableConv2D') {
        const dw = tapSums(w.get('depthwise_kernel')!);
        const pw = tapSums(w.get('pointwise_kernel')!);
        const m = dw.sums.length / node.inputs[0]!.channels;
        return Array.from({ length: m }, (_, j) => j).some((j) =>
          dw.zero[c * m + j] === 0 && Array.from({ length: out.channels }, (_, o) => pw.zero[(c * m + j) * out.channels + o]).some((z) => z === 0));
      }
      const { zero } = tapSums(w.get('kernel')!);
      return Array.from({ length: out.channels }, (_, o) => zero[c * out.channels + o]).some((z) => z === 0);
    }
    case 'elementwise':
      return outNeeded(c) && !(node.layer.getClassName() === 'BatchNormalization' && w.get('gamma')?.values[c] === 0);
    case 'pool':
    case 'merge':
      return outNeeded(c);
    case 'concat':
      return outNeeded(node.inputs.slice(0, i).reduce((s, t) => s + t.channels, 0) + c);
    case 'flatten':
    case 'depthwise':
      return expandChannels(node).some(([ci, o]) => ci === c && outNeeded(o));
    default:
      return true;
  }
}

/** Whether a consumer that needs a constant input channel folds it away exactly. */
function absorbs(node: Node, k: number, w: WeightMap): boolean {
  if (node.handler === undefined) return false;
  if (node.handler.kind !== 'fresh' || k === 0) return true;
  const kernel = w.get(node.layer.getClassName() === 'SeparableConv2D' ? 'depthwise_kernel' : 'kernel')!;
  return foldsConstants(node.layer.getConfig(), kernel.shape);
}

/** Plans the removal of every channel of `model` (masks already baked into its weights) that can go. */
export async function planSpeedup(model: tf.LayersModel, options: BuildOptions = {}): Promise<SpeedupPlan> {
  const graph = DependencyGraph.build(model, options);
  const weights = new Map<string, WeightMap>();
  for (const node of graph.nodes) weights.set(node.name, await readWeights(node.layer));
  const constants = new Map<number, Constants>();
  for (const t of graph.tensors.values()) if (t.producer === undefined) constants.set(t.id, Array(t.channels).fill(null));
  for (const node of graph.nodes) {
    constants.set(node.output.id, await forward(node, node.inputs.map((t) => constants.get(t.id)!), weights.get(node.name)!));
  }

  const need = new Uint8Array(graph.slotCount);
  for (const t of graph.tensors.values()) if (t.pinned) need.fill(1, t.slot0, t.slot0 + t.channels);
  for (const node of [...graph.nodes].reverse()) {
    node.inputs.forEach((t, i) => {
      for (let c = 0; c < t.channels; c++) if (needs(node, i, c, weights.get(node.name)!, need)) need[t.slot0 + c] = 1;
    });
  }

  const blocked = new Uint8Array(graph.slotCount);
  for (const t of graph.tensors.values()) {
    const k = constants.get(t.id)!;
    for (let c = 0; c < t.channels; c++) {
      const removable = !t.pinned && t.consumers.every(({ node, input }) =>
        !needs(node, input, c, weights.get(node.name)!, need) || (k[c] !== null && absorbs(node, k[c]!, weights.get(node.name)!)));
      if (!removable) blocked[graph.classOf(t.slot0 + c)] = 1;
    }
  }
  const removed = new Uint8Array(graph.slotCount);
  for (let emptied = true; emptied; ) {
    for (let s = 0; s < removed.length; s++) removed[s] = blocked[graph.classOf(s)] === 1 ? 0 : 1;
    // A layer cannot have zero channels: a tensor that would lose all of them keeps its first.
    const empty = [...graph.tensors.values()].filter((t) => t.channels > 0 && removed.subarray(t.slot0, t.slot0 + t.channels).every((r) => r === 1));
    for (const t of empty) blocked[graph.classOf(t.slot0)] = 1;
    emptied = empty.length > 0;
  }
  return { graph, weights, constants, removed };
}

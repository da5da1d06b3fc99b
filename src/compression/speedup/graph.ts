/**
 * The dependency graph of a LayersModel's channels (Torch-Pruning's `DependencyGraph`, built from the
 * tfjs topology instead of an autograd trace). Every channel of every tensor is a slot; slots that must
 * be pruned together are joined in one class (union-find): a BN's input and output channel c, the
 * channels that meet in an Add, a Concatenate's offsets, the features a Flatten makes of a channel.
 * A class is the unit a dependency-aware pruner ranks and `speedup` removes.
 *
 * A layer no handler covers is a barrier: its reason is logged, its input channels count as needed and
 * its output channels as fixed, so pruning stops there instead of failing.
 */
import * as tf from '@tensorflow/tfjs';
import { pruningGroup, type Group } from './group.js';
import { layerHandler, type LayerHandler } from './handlers.js';

/** One tensor of the model: its channels are slots `slot0 … slot0 + channels − 1`. */
export interface TensorNode {
  readonly id: number;
  readonly shape: readonly (number | null)[];
  readonly channels: number;
  readonly slot0: number;
  /** The layer that computes it; undefined for a model input. */
  producer?: Node;
  readonly consumers: { node: Node; input: number }[];
  /** Model inputs and outputs, and tensors next to a barrier: their channels are never removed. */
  pinned: boolean;
}

/** One layer (Torch-Pruning's `Node`). `handler` is undefined for a barrier. */
export interface Node {
  readonly layer: tf.layers.Layer;
  readonly name: string;
  readonly handler?: LayerHandler;
  readonly barrier?: string;
  readonly inputs: TensorNode[];
  readonly output: TensorNode;
}

export interface BuildOptions {
  /** Receives one line per barrier. Defaults to `console.warn`. */
  readonly log?: (message: string) => void;
}

export class DependencyGraph {
  readonly nodes: Node[] = [];
  readonly tensors = new Map<number, TensorNode>();
  /** Layers that stop channel pruning, each with why. */
  readonly barriers: { layer: string; reason: string }[] = [];
  #parent: number[] = [];

  private constructor(readonly model: tf.LayersModel) {}

  /** Builds the graph of `model` (Sequential or functional). Never throws on an unknown layer. */
  static build(model: tf.LayersModel, { log = console.warn }: BuildOptions = {}): DependencyGraph {
    const graph = new DependencyGraph(model);
    for (const input of model.inputs) graph.tensor(input).pinned = true;
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') continue;
      const node = graph.node(layer);
      if (node.barrier !== undefined) {
        graph.barriers.push({ layer: node.name, reason: node.barrier });
        log(`channel pruning stops at layer ${node.name}: ${node.barrier}`);
      }
    }
    for (const output of model.outputs) graph.tensor(output).pinned = true;
    for (const node of graph.nodes) graph.couple(node);
    return graph;
  }

  /** The graph node of a layer, by name. */
  getNode(name: string): Node {
    const node = this.nodes.find((n) => n.name === name);
    if (node === undefined) throw new Error(`layer ${name} is not in the dependency graph`);
    return node;
  }

  /** What pruning output channels `idxs` of a layer sets off (Torch-Pruning's `get_pruning_group`). */
  getPruningGroup(layerName: string, idxs: readonly number[]): Group {
    return pruningGroup(this, layerName, idxs);
  }

  /** The class of a slot: slots with one class are pruned together. */
  classOf(slot: number): number {
    let root = slot;
    while (this.#parent[root] !== root) root = this.#parent[root]!;
    // Path compression keeps later look-ups near O(1).
    for (let s = slot; this.#parent[s] !== root; ) [s, this.#parent[s]] = [this.#parent[s]!, root];
    return root;
  }

  /** The class of output channel `c` of a layer. */
  outChannelClass(layerName: string, c: number): number {
    return this.classOf(this.getNode(layerName).output.slot0 + c);
  }

  /** Number of slots (channels of all tensors). */
  get slotCount(): number {
    return this.#parent.length;
  }

  private union(a: number, b: number): void {
    const [ra, rb] = [this.classOf(a), this.classOf(b)];
    if (ra !== rb) this.#parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }

  private tensor(t: tf.SymbolicTensor): TensorNode {
    let node = this.tensors.get(t.id);
    if (node === undefined) {
      const channels = t.shape[t.shape.length - 1] ?? 0;
      node = { id: t.id, shape: t.shape, channels, slot0: this.#parent.length, consumers: [], pinned: false };
      for (let c = 0; c < channels; c++) this.#parent.push(this.#parent.length);
      this.tensors.set(t.id, node);
    }
    return node;
  }

  private node(layer: tf.layers.Layer): Node {
    const [first, ...more] = layer.inboundNodes;
    const inputs = first!.inputTensors.map((t) => this.tensor(t));
    const outputs = first!.outputTensors.map((t) => this.tensor(t));
    const config = layer.getConfig();
    const handler = layerHandler(layer.getClassName());
    const barrier =
      more.length > 0 ? 'the layer is shared (called more than once)'
        : outputs.length !== 1 ? 'the layer has several outputs'
          : handler === undefined ? `no channel handler for ${layer.getClassName()} (see registerChannelHandler)`
            : handler.check?.(config, inputs.map((t) => t.shape.length))
              ?? (handler.kind === 'merge' && inputs.some((t) => t.channels !== outputs[0]!.channels) ? 'inputs broadcast over channels' : undefined);
    const node: Node = { layer, name: layer.name, inputs, output: outputs[0]!, ...(barrier === undefined ? { handler } : { barrier }) };
    inputs.forEach((t, input) => t.consumers.push({ node, input }));
    for (const t of outputs) t.producer = node;
    if (barrier !== undefined) for (const t of [...inputs, ...outputs]) t.pinned = true;
    this.nodes.push(node);
    return node;
  }

  /** Joins the slots a layer couples (see handlers.ts for each kind). */
  private couple(node: Node): void {
    const out = node.output;
    switch (node.handler?.kind) {
      case 'elementwise':
      case 'pool':
      case 'merge':
        for (const t of node.inputs) for (let c = 0; c < out.channels; c++) this.union(t.slot0 + c, out.slot0 + c);
        break;
      case 'concat': {
        let offset = 0;
        for (const t of node.inputs) {
          for (let c = 0; c < t.channels; c++) this.union(t.slot0 + c, out.slot0 + offset + c);
          offset += t.channels;
        }
        break;
      }
      case 'flatten':
      case 'depthwise':
        for (const [c, o] of expandChannels(node)) this.union(node.inputs[0]!.slot0 + c, out.slot0 + o);
        break;
      default: // fresh layers and barriers couple nothing
    }
  }
}

/**
 * [input channel, output channel] pairs of a Flatten or DepthwiseConv2D: Flatten's feature p·C + c for
 * every spatial position p (NHWC), DepthwiseConv2D's channel c·m + j for every multiplier j.
 */
export function expandChannels(node: Node): [number, number][] {
  const input = node.inputs[0]!;
  const c = input.channels;
  const repeats = node.output.channels / c;
  const pairs: [number, number][] = [];
  for (let ch = 0; ch < c; ch++) {
    for (let r = 0; r < repeats; r++) pairs.push([ch, node.handler!.kind === 'flatten' ? r * c + ch : ch * repeats + r]);
  }
  return pairs;
}

/**
 * Torch-Pruning's vocabulary, for reading what a pruning decision touches. A `Dependency` is an edge
 * "pruning `trigger` on `source` makes `handler` on `target` necessary"; a `Group` lists every
 * dependency a root decision sets off, each with the channel indices it prunes there.
 */
import type { DependencyGraph, Node, TensorNode } from './graph.js';

export type PruningFn = 'pruneOut' | 'pruneIn';

export class Dependency {
  constructor(
    readonly trigger: PruningFn,
    readonly handler: PruningFn,
    readonly source: string,
    readonly target: string,
  ) {}

  toString(): string {
    return `${this.trigger} on ${this.source} => ${this.handler} on ${this.target}`;
  }
}

export interface GroupItem {
  readonly dep: Dependency;
  /** Channel indices `handler` prunes on `target`. */
  readonly idxs: readonly number[];
}

export class Group {
  constructor(readonly items: readonly GroupItem[]) {}

  /** One line per dependency, the root marked, as Torch-Pruning's `Group.details()`. */
  toString(): string {
    return this.items
      .map(({ dep, idxs }, i) => `[${i}] ${dep}${i === 0 ? ' (Pruning Root)' : ''}, idxs (${idxs.length}) [${idxs.join(', ')}]`)
      .join('\n');
  }
}

type Port = { node: Node; fn: PruningFn; input?: number };

/**
 * The group that pruning output channels `idxs` of `layerName` sets off: every layer input and output
 * whose channels share a class with them, reached along the graph's edges (breadth first).
 */
export function pruningGroup(graph: DependencyGraph, layerName: string, idxs: readonly number[]): Group {
  const root = graph.getNode(layerName);
  const classes = new Set(idxs.map((c) => graph.classOf(root.output.slot0 + c)));
  const inGroup = (t: TensorNode) => Array.from({ length: t.channels }, (_, c) => c).filter((c) => classes.has(graph.classOf(t.slot0 + c)));
  const key = (p: Port) => `${p.node.name}/${p.fn}/${p.input ?? ''}`;
  const seen = new Set<string>([key({ node: root, fn: 'pruneOut' })]);
  const items: GroupItem[] = [{ dep: new Dependency('pruneOut', 'pruneOut', layerName, layerName), idxs: inGroup(root.output) }];
  const queue: Port[] = [{ node: root, fn: 'pruneOut' }];
  const visit = (from: Port, to: Port, tensor: TensorNode) => {
    const channels = inGroup(tensor);
    if (channels.length === 0 || seen.has(key(to))) return;
    seen.add(key(to));
    items.push({ dep: new Dependency(from.fn, to.fn, from.node.name, to.node.name), idxs: channels });
    queue.push(to);
  };
  // Channels pass straight through every handled layer that is not `fresh` (it makes new channels).
  const passes = (n: Node) => n.handler !== undefined && n.handler.kind !== 'fresh';
  for (let port = queue.shift(); port !== undefined; port = queue.shift()) {
    const { node } = port;
    if (port.fn === 'pruneOut') {
      for (const { node: consumer, input } of node.output.consumers) visit(port, { node: consumer, fn: 'pruneIn', input }, node.output);
      if (passes(node)) node.inputs.forEach((t, input) => visit(port, { node, fn: 'pruneIn', input }, t));
    } else {
      const tensor = node.inputs[port.input!]!;
      if (tensor.producer !== undefined) visit(port, { node: tensor.producer, fn: 'pruneOut' }, tensor);
      if (passes(node)) visit(port, { node, fn: 'pruneOut' }, node.output);
    }
  }
  return new Group(items);
}

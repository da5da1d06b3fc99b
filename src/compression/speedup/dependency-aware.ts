/**
 * Dependency-aware mode for channel pruners (NNI v2's `mode='dependency_aware'`): layers whose output
 * channels are coupled (they meet in an Add, say) prune the same channels, so `speedup` can remove
 * them. Within a group of coupled targets each channel class scores the sum of its members' scores;
 * the ⌊classes · min sparsity⌋ lowest are pruned in every member, then each member prunes its own
 * lowest remaining channels up to its own sparsity (NNI's two steps).
 *
 * Torch-Pruning prunes a whole group, BatchNorms included; so does this mode: a BatchNormalization on
 * a target's channels joins the config list as a follower, masked with the group's common channels, so
 * the masked model's pruned channels are exactly zero downstream (a BN would otherwise turn a zeroed
 * filter into a constant that a padded conv cannot absorb).
 */
import * as tf from '@tensorflow/tfjs';
import { InputError, showValue } from '../../errors.js';
import { resolveConfigList, type ConfigSpec } from '../config.js';
import { keepAllButLowest } from '../pruner.js';
import { layerSetting } from '../settings.js';
import type { PruningTarget } from '../target-space.js';
import { DependencyGraph } from './graph.js';

export interface DependencyAwareOptions {
  /** Prune coupled channels together (see dependency-aware.ts). Defaults to false. */
  readonly dependencyAware?: boolean;
}

export interface Coupling {
  readonly graph: DependencyGraph;
  /** Layers masked only to follow a group (BatchNorms), never ranked by their own scores. */
  readonly followers: ReadonlySet<string>;
}

/** The config list and spec a dependency-aware pruner runs with, or undefined when the mode is off. */
export function coupledConfig(model: tf.LayersModel, configList: unknown, spec: ConfigSpec, options: DependencyAwareOptions):
  { configList: unknown; spec: ConfigSpec; coupling: Coupling } | undefined {
  const { dependencyAware = false } = options;
  if (typeof dependencyAware !== 'boolean') throw new InputError(`options.dependencyAware must be true or false, but got ${showValue(dependencyAware)}`);
  if (!dependencyAware) return undefined;
  const selected = resolveConfigList(model, configList, spec);
  const graph = DependencyGraph.build(model);
  const names = new Set(selected.map((r) => r.layer.name));
  const classes = new Set(selected.flatMap((r) => Array.from({ length: graph.getNode(r.layer.name).output.channels }, (_, c) => graph.outChannelClass(r.layer.name, c))));
  const followers = graph.nodes.filter((n) =>
    !names.has(n.name) && n.handler?.kind === 'elementwise' && layerSetting(n.layer.getClassName())?.channelAxis !== undefined &&
    Array.from({ length: n.output.channels }, (_, c) => graph.classOf(n.output.slot0 + c)).some((k) => classes.has(k)));
  const coupling = { graph, followers: new Set(followers.map((n) => n.name)) };
  if (followers.length === 0) return { configList, spec, coupling };
  const followerTypes = [...new Set(followers.map((n) => n.layer.getClassName()))];
  return {
    // Appended last, so it wins for the followers; their sparsity is unused (the group decides).
    configList: [...(configList as unknown[]), { opNames: followers.map((n) => n.name), ...(spec.required.includes('sparsity') ? { sparsity: 0 } : {}) }],
    spec: spec.opTypes === undefined ? spec : { ...spec, opTypes: [...spec.opTypes, ...followerTypes] },
    coupling,
  };
}

/** Targets joined when they share a channel class (all of them when ranking across layers). */
function groupsOf(classes: number[][], global: boolean): number[][] {
  if (global) return [classes.map((_, i) => i)];
  const owner = new Map<number, number>();
  const parent = classes.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  classes.forEach((ks, i) => ks.forEach((k) => {
    const j = owner.get(k);
    if (j === undefined) owner.set(k, i);
    else parent[find(i)] = find(j);
  }));
  const groups = new Map<number, number[]>();
  classes.forEach((_, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), i]));
  return [...groups.values()];
}

/**
 * Keep-flags per target (aligned with `metrics`), coupled channels pruned together. `global` ranks all
 * targets as one group (SlimPruner). Runs inside the caller's tidy.
 */
export function selectCoupled(coupling: Coupling, targets: readonly PruningTarget[], metrics: readonly tf.Tensor1D[], sparsities: readonly number[], global: boolean): tf.Tensor1D[] {
  const classes = targets.map((t, i) => Array.from({ length: metrics[i]!.size }, (_, c) => coupling.graph.outChannelClass(t.layerName, c)));
  const keeps: tf.Tensor1D[] = new Array(targets.length);
  for (const group of groupsOf(classes, global)) {
    const units = new Map<number, number>();
    for (const i of group) for (const k of classes[i]!) if (!units.has(k)) units.set(k, units.size);
    const ids = new Map(group.map((i) => [i, tf.tensor1d(classes[i]!.map((k) => units.get(k)!), 'int32')]));
    const ranked = group.filter((i) => !coupling.followers.has(targets[i]!.layerName));
    if (ranked.length === 0) {
      for (const i of group) keeps[i] = tf.onesLike(metrics[i]!);
      continue;
    }
    const unitScores = tf.addN(ranked.map((i) => tf.matMul(metrics[i]!.reshape([1, -1]), tf.oneHot(ids.get(i)!, units.size)).reshape([-1]))) as tf.Tensor1D;
    const common = keepAllButLowest(unitScores, Math.floor(units.size * Math.min(...ranked.map((i) => sparsities[i]!))));
    for (const i of group) {
      const shared = tf.gather(common, ids.get(i)!) as tf.Tensor1D;
      if (global || !ranked.includes(i)) {
        keeps[i] = shared;
        continue;
      }
      // Channels the group already pruned rank lowest, so the member's own quota counts them first.
      const own = tf.where(tf.greater(shared, 0), metrics[i]!, tf.fill(shared.shape, -Infinity)) as tf.Tensor1D;
      keeps[i] = tf.mul(shared, keepAllButLowest(own, Math.floor(metrics[i]!.size * sparsities[i]!)));
    }
  }
  return keeps;
}

/** Compression algorithms by the names search spaces and the CLI use. */
import type * as tf from '@tensorflow/tfjs';
import {
  ActivationAPoZRankFilterPruner, ActivationMeanRankFilterPruner, AGPPruner, FPGMPruner, L1FilterPruner, L2FilterPruner,
  LevelPruner, LotteryTicketPruner, SlimPruner, type Pruner,
} from '../compression/index.js';
import { InputError } from '../errors.js';

type Factory = (model: tf.LayersModel, configList: unknown) => Pruner;

export const PRUNERS: ReadonlyMap<string, Factory> = new Map<string, Factory>([
  ['level', (m, c) => new LevelPruner(m, c)],
  ['agp', (m, c) => new AGPPruner(m, c)],
  ['lottery', (m, c) => new LotteryTicketPruner(m, c)],
  ['fpgm', (m, c) => new FPGMPruner(m, c)],
  ['l1filter', (m, c) => new L1FilterPruner(m, c)],
  ['l2filter', (m, c) => new L2FilterPruner(m, c)],
  ['apoz', (m, c) => new ActivationAPoZRankFilterPruner(m, c)],
  ['mean_activation', (m, c) => new ActivationMeanRankFilterPruner(m, c)],
  ['slim', (m, c) => new SlimPruner(m, c)],
]);

export function createPruner(name: string, model: tf.LayersModel, configList: unknown): Pruner {
  const factory = PRUNERS.get(name);
  if (factory === undefined) throw new InputError(`pruning algorithm must be one of ${[...PRUNERS.keys()].join(', ')}, but got '${name}'`);
  return factory(model, configList);
}

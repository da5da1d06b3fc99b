/** Compression algorithms by the names config files, search spaces and the CLI use. */
import type * as tf from '@tensorflow/tfjs';
import { InputError } from '../errors.js';
import type { Compressor } from './compressor.js';
import type { Pruner } from './pruner.js';
import { ActivationAPoZRankFilterPruner } from './pruners/apoz.js';
import { AGPPruner } from './pruners/agp.js';
import { FPGMPruner } from './pruners/fpgm.js';
import { L1FilterPruner } from './pruners/l1-filter.js';
import { L2FilterPruner } from './pruners/l2-filter.js';
import { LevelPruner } from './pruners/level.js';
import { LotteryTicketPruner } from './pruners/lottery-ticket.js';
import { ActivationMeanRankFilterPruner } from './pruners/mean-activation.js';
import { SlimPruner } from './pruners/slim.js';
import { BNNQuantizer } from './quantization/bnn.js';
import { DoReFaQuantizer } from './quantization/dorefa.js';
import { NaiveQuantizer } from './quantization/naive.js';
import { QAT_Quantizer } from './quantization/qat.js';
import type { Quantizer } from './quantization/quantizer.js';
import type { DependencyAwareOptions } from './speedup/dependency-aware.js';

/** `options` reach the channel pruners (the others have no dependency-aware mode). */
type Factory<C extends Compressor> = (model: tf.LayersModel, configList: unknown, options?: DependencyAwareOptions) => C;

export const PRUNERS: ReadonlyMap<string, Factory<Pruner>> = new Map<string, Factory<Pruner>>([
  ['level', (m, c) => new LevelPruner(m, c)],
  ['agp', (m, c) => new AGPPruner(m, c)],
  ['lottery', (m, c) => new LotteryTicketPruner(m, c)],
  ['fpgm', (m, c, o) => new FPGMPruner(m, c, o)],
  ['l1filter', (m, c, o) => new L1FilterPruner(m, c, o)],
  ['l2filter', (m, c, o) => new L2FilterPruner(m, c, o)],
  ['apoz', (m, c, o) => new ActivationAPoZRankFilterPruner(m, c, o)],
  ['mean_activation', (m, c, o) => new ActivationMeanRankFilterPruner(m, c, o)],
  ['slim', (m, c, o) => new SlimPruner(m, c, o)],
]);

export const QUANTIZERS: ReadonlyMap<string, Factory<Quantizer>> = new Map<string, Factory<Quantizer>>([
  ['naive', (m, c) => new NaiveQuantizer(m, c)],
  ['qat', (m, c) => new QAT_Quantizer(m, c)],
  ['dorefa', (m, c) => new DoReFaQuantizer(m, c)],
  ['bnn', (m, c) => new BNNQuantizer(m, c)],
]);

/** Every algorithm name, pruners first. */
export function algorithmNames(): string[] {
  return [...PRUNERS.keys(), ...QUANTIZERS.keys()];
}

export function createPruner(name: string, model: tf.LayersModel, configList: unknown, options?: DependencyAwareOptions): Pruner {
  const factory = PRUNERS.get(name);
  if (factory === undefined) throw new InputError(`pruning algorithm must be one of ${[...PRUNERS.keys()].join(', ')}, but got '${name}'`);
  return factory(model, configList, options);
}

export function createQuantizer(name: string, model: tf.LayersModel, configList: unknown): Quantizer {
  const factory = QUANTIZERS.get(name);
  if (factory === undefined) throw new InputError(`quantization algorithm must be one of ${[...QUANTIZERS.keys()].join(', ')}, but got '${name}'`);
  return factory(model, configList);
}

/** A pruner or a quantizer by name. */
export function createCompressor(name: string, model: tf.LayersModel, configList: unknown, options?: DependencyAwareOptions): Pruner | Quantizer {
  const factory = PRUNERS.get(name) ?? QUANTIZERS.get(name);
  if (factory === undefined) throw new InputError(`algorithm must be one of ${algorithmNames().join(', ')}, but got '${name}'`);
  return factory(model, configList, options);
}

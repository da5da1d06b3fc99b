/**
 * Config lists, NNI style: an array of dicts applied in order; where two dicts select a layer, the later
 * one wins (whole, not merged). A dict selects by `opTypes` (tfjs class names; `'default'` = every layer
 * with a kernel) and `opNames`; both given means both must match. `exclude: true` leaves what it selects
 * alone. NNI's snake_case keys are accepted as aliases, so pasted Python config lists work.
 *
 * Everything is validated here, once: NNI silently does nothing for a typo, a layer name that does not
 * exist or a dict that selects nothing; we name the dict, the key, the rule and the value instead.
 */
import * as z from 'zod';
import type * as tf from '@tensorflow/tfjs';
import { InputError, formatPath } from '../errors.js';
import { defaultLayerClasses, layerSetting, registeredLayerClasses } from './settings.js';

export const QUANT_TYPES = ['weight', 'input', 'output'] as const;
export type QuantType = (typeof QUANT_TYPES)[number];

/** One validated dict of a config list, keys in camelCase. */
export interface LayerConfig {
  readonly opTypes?: readonly string[];
  readonly opNames?: readonly string[];
  readonly exclude: boolean;
  /** Fraction of weights (or channels) to prune, in [0, 1). */
  readonly sparsity?: number;
  /** AGP: sparsity at `startEpoch`. */
  readonly initialSparsity?: number;
  /** AGP: sparsity reached by `endEpoch`. */
  readonly finalSparsity?: number;
  readonly startEpoch?: number;
  readonly endEpoch?: number;
  /** AGP: recompute the masks every `frequency` epochs. */
  readonly frequency?: number;
  /** Lottery ticket: number of pruning rounds after the dense one. */
  readonly pruneIterations?: number;
  readonly quantTypes?: readonly QuantType[];
  readonly quantBits?: number | Readonly<Partial<Record<QuantType, number>>>;
  readonly quantStartStep?: number;
}

/** The keys an algorithm reads (selection keys are always allowed). */
export type AlgorithmKey = Exclude<keyof LayerConfig, 'opTypes' | 'opNames' | 'exclude'>;

/** What a compressor accepts; each compressor class declares one. */
export interface ConfigSpec {
  /** The class name used in messages, e.g. `LevelPruner`. */
  readonly algorithm: string;
  readonly keys: readonly AlgorithmKey[];
  /** Keys every non-`exclude` dict must have. */
  readonly required: readonly AlgorithmKey[];
  /** Layer classes it can compress. Defaults to every class with a layer setting. */
  readonly opTypes?: readonly string[];
  /** Rules across keys or dicts; returns one message per broken rule, each starting with its path. */
  readonly check?: (configs: readonly LayerConfig[]) => string[];
}

/** A layer the config list selects, with the dict that won. */
export interface ResolvedLayer {
  readonly layer: tf.layers.Layer;
  readonly config: LayerConfig;
  readonly configIndex: number;
}

/** NNI's names (v1, plus the v2/v3 names of `sparsity`) → ours. */
const ALIASES: Readonly<Record<string, keyof LayerConfig>> = Object.freeze({
  op_types: 'opTypes',
  op_names: 'opNames',
  quant_types: 'quantTypes',
  quant_bits: 'quantBits',
  quant_start_step: 'quantStartStep',
  initial_sparsity: 'initialSparsity',
  final_sparsity: 'finalSparsity',
  start_epoch: 'startEpoch',
  end_epoch: 'endEpoch',
  prune_iterations: 'pruneIterations',
  sparsity_per_layer: 'sparsity',
  sparse_ratio: 'sparsity',
});

const names = z
  .union([z.string(), z.array(z.string()).min(1)], { error: 'must be a string or a non-empty array of strings' })
  .transform((v) => (typeof v === 'string' ? [v] : v));
const fraction = z.number({ error: 'must be a number in [0, 1)' }).refine((v) => v >= 0 && v < 1, { error: 'must be in [0, 1)' });
const intAtLeast = (min: number) =>
  z.number({ error: `must be an integer ≥ ${min}` }).refine((v) => Number.isInteger(v) && v >= min, { error: `must be an integer ≥ ${min}` });
const bits = z.number({ error: 'must be an integer in [1, 32]' }).refine((v) => Number.isInteger(v) && v >= 1 && v <= 32, {
  error: 'must be an integer in [1, 32]',
});
const quantType = z.enum(QUANT_TYPES, { error: `must be one of ${QUANT_TYPES.join(', ')}` });

const dictSchema = z.strictObject({
  opTypes: names.optional(),
  opNames: names.optional(),
  exclude: z.boolean({ error: 'must be true or false' }).default(false),
  sparsity: fraction.optional(),
  initialSparsity: fraction.optional(),
  finalSparsity: fraction.optional(),
  startEpoch: intAtLeast(0).optional(),
  endEpoch: intAtLeast(0).optional(),
  frequency: intAtLeast(1).optional(),
  pruneIterations: intAtLeast(1).optional(),
  quantTypes: z
    .union([quantType, z.array(quantType).min(1)], { error: `must be one of ${QUANT_TYPES.join(', ')}, or a non-empty array of them` })
    .transform((v) => (typeof v === 'string' ? [v] : v))
    .optional(),
  quantBits: z
    .union([bits, z.strictObject({ weight: bits.optional(), input: bits.optional(), output: bits.optional() })], {
      error: 'must be an integer in [1, 32] or a map {weight?, input?, output?} of such integers',
    })
    .optional(),
  quantStartStep: intAtLeast(0).optional(),
});

const KNOWN_KEYS = Object.keys(dictSchema.shape);

/** Renames aliases; `written` maps each canonical key back to what the user wrote, for messages. */
function canonicalize(dict: Record<string, unknown>, index: number, errors: string[]) {
  const out: Record<string, unknown> = {};
  const written = new Map<string, string>();
  for (const [key, value] of Object.entries(dict)) {
    const canonical = ALIASES[key] ?? key;
    if (written.has(canonical)) {
      errors.push(`configList[${index}] gives ${canonical} twice (as ${written.get(canonical)} and as ${key})`);
      continue;
    }
    written.set(canonical, key);
    out[canonical] = value;
  }
  return { out, written };
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/** Validates a config list's shape (not yet against a model). Throws InputError listing every problem. */
export function parseConfigList(configList: unknown, spec: ConfigSpec): LayerConfig[] {
  if (!Array.isArray(configList) || configList.length === 0) {
    throw new InputError(`configList must be a non-empty array of dicts, but got ${describe(configList)}`);
  }
  const errors: string[] = [];
  const configs: LayerConfig[] = [];
  configList.forEach((dict, i) => {
    if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) {
      errors.push(`configList[${i}] must be a dict, but got ${describe(dict)}`);
      return;
    }
    const { out, written } = canonicalize(dict as Record<string, unknown>, i, errors);
    const pathOf = (path: ReadonlyArray<PropertyKey>) =>
      formatPath('configList', [i, ...path.map((p, j) => (j === 0 ? written.get(String(p)) ?? p : p))]);
    const parsed = dictSchema.safeParse(out, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) {
            errors.push(`${pathOf([...issue.path, key])} is not a known key; known keys are ${KNOWN_KEYS.join(', ')}`);
          }
        } else {
          errors.push(`${pathOf(issue.path)} ${issue.message}, but got ${describe(issue.input)}`);
        }
      }
      return;
    }
    const config = parsed.data as LayerConfig;
    for (const key of Object.keys(out) as (keyof LayerConfig)[]) {
      if (key !== 'opTypes' && key !== 'opNames' && key !== 'exclude' && !spec.keys.includes(key)) {
        errors.push(`${pathOf([key])} is not used by ${spec.algorithm}; it reads ${spec.keys.join(', ')}`);
      }
    }
    if (config.opTypes === undefined && config.opNames === undefined) {
      errors.push(`configList[${i}] must select layers with opTypes or opNames`);
    }
    if (!config.exclude) {
      for (const key of spec.required) {
        if (config[key] === undefined) errors.push(`configList[${i}].${key} is required by ${spec.algorithm}`);
      }
    }
    configs.push(config);
  });
  if (errors.length === 0 && spec.check) errors.push(...spec.check(configs));
  if (errors.length > 0) throw new InputError(errors.join('\n'));
  return configs;
}

function suggestClass(name: string): string {
  const match = registeredLayerClasses().find((c) => c.toLowerCase() === name.toLowerCase());
  return match ? ` (did you mean '${match}'?)` : '';
}

/**
 * Validates a config list against a model and returns the layers it selects, in model order, each with
 * the dict that won. Throws InputError for anything that would make a dict do nothing.
 */
export function resolveConfigList(model: tf.LayersModel, configList: unknown, spec: ConfigSpec): ResolvedLayer[] {
  const configs = parseConfigList(configList, spec);
  const supported = spec.opTypes ?? registeredLayerClasses();
  const defaults = defaultLayerClasses().filter((c) => supported.includes(c));
  const layerNames = model.layers.map((l) => l.name);
  const errors: string[] = [];

  const selects = (config: LayerConfig, layer: tf.layers.Layer) => {
    const cls = layer.getClassName();
    const typeOk =
      config.opTypes === undefined || config.opTypes.some((t) => t === cls || (t === 'default' && defaults.includes(cls)));
    return typeOk && (config.opNames === undefined || config.opNames.includes(layer.name));
  };

  configs.forEach((config, i) => {
    config.opTypes?.forEach((t, j) => {
      if (t === 'default') return;
      if (layerSetting(t) === undefined) {
        errors.push(`configList[${i}].opTypes[${j}] '${t}' is not a compressible layer class${suggestClass(t)}; ` +
          `classes: ${registeredLayerClasses().join(', ')} (add one with registerLayerSetting())`);
      } else if (!supported.includes(t)) {
        errors.push(`configList[${i}].opTypes[${j}] ${spec.algorithm} cannot compress ${t} layers; it compresses ${supported.join(', ')}`);
      }
    });
    config.opNames?.forEach((name, j) => {
      const layer = model.layers.find((l) => l.name === name);
      if (layer === undefined) {
        errors.push(`configList[${i}].opNames[${j}] names no layer of the model: '${name}'; layers: ${layerNames.join(', ')}`);
      } else if (!config.exclude && config.opTypes === undefined && !supported.includes(layer.getClassName())) {
        errors.push(`configList[${i}].opNames[${j}] '${name}' is a ${layer.getClassName()}, which ${spec.algorithm} cannot compress; ` +
          `it compresses ${supported.join(', ')}`);
      }
    });
  });
  if (errors.length > 0) throw new InputError(errors.join('\n'));

  configs.forEach((config, i) => {
    if (!model.layers.some((layer) => selects(config, layer))) {
      const by = [config.opTypes && `opTypes ${config.opTypes.join(', ')}`, config.opNames && `opNames ${config.opNames.join(', ')}`];
      errors.push(`configList[${i}] selects no layer of the model (${by.filter(Boolean).join(' and ')}); ` +
        `layers: ${model.layers.map((l) => `${l.name} (${l.getClassName()})`).join(', ')}`);
    }
  });
  if (errors.length > 0) throw new InputError(errors.join('\n'));

  const resolved: ResolvedLayer[] = [];
  for (const layer of model.layers) {
    let winner = -1;
    configs.forEach((config, i) => {
      if (selects(config, layer)) winner = i;
    });
    if (winner >= 0 && !configs[winner].exclude) resolved.push({ layer, config: configs[winner], configIndex: winner });
  }
  if (resolved.length === 0) throw new InputError('configList leaves no layer to compress: every layer it selects is excluded');
  return resolved;
}

/** Freezes a spec, keeping its type for checking at the definition. */
export function defineSpec(spec: ConfigSpec): ConfigSpec {
  return Object.freeze(spec);
}

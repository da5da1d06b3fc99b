/**
 * Experiment files (JSON or YAML): what to compress, the search space, the tuner, the objective and
 * the budget. Validated with a schema; an error names the exact key. A bare NNI search-space file is
 * accepted too and runs with the defaults on the built-in data.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BACKEND_NAMES } from '../engine/backend.js';
import { InputError, describeSchemaIssue } from '../errors.js';
import { LOSSES } from '../../trials/definition.js';
import { parseSearchSpace } from '../search/space.js';

const modelSchema = z.strictObject({
  /** A TF.js model directory (model.json + weights), already trained. */
  dir: z.string().min(1),
  trainImages: z.string().min(1),
  trainLabels: z.string().min(1),
  testImages: z.string().min(1),
  testLabels: z.string().min(1),
  loss: z.enum(LOSSES),
  batchSize: z.number().int().positive().optional(),
  learningRate: z.number().positive().optional(),
});

const objectiveSchema = z.strictObject({
  /**
   * `accuracy`: maximize accuracy under the constraints; `compression`: maximize dense/compressed
   * gzipped size under them; `pareto`: accuracy × size, reported as a Pareto front.
   * Defaults to `accuracy` when a size constraint is set, else `compression`.
   */
  maximize: z.enum(['accuracy', 'compression', 'pareto']).optional(),
  /** Largest allowed accuracy drop from the dense model, absolute (0.01 = one point) unless `accuracyDrop: relative`. */
  maxAccuracyDrop: z.number().min(0).max(1).optional(),
  accuracyDrop: z.enum(['absolute', 'relative']).default('absolute'),
  /** Largest allowed exported model (model.json + weights, gzipped), bytes. */
  maxModelBytes: z.number().int().positive().optional(),
  /** Smallest allowed weight sparsity over all compressed layers. */
  minSparsity: z.number().min(0).lt(1).optional(),
});

const earlyStoppingSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Optuna's MedianPruner defaults: no stopping before 5 trials have finished, nor before epoch 0 is over. */
  startupTrials: z.number().int().nonnegative().default(5),
  warmupEpochs: z.number().int().nonnegative().default(0),
});

const durationSchema = z.union([
  z.number().positive(),
  z.string().regex(/^\d+(\.\d+)?\s*(s|m|h)$/, 'must be a duration such as 90s, 10m or 2h'),
]).transform((v) => (typeof v === 'number' ? v : Number.parseFloat(v) * ({ s: 1, m: 60, h: 3600 } as const)[v.trim().slice(-1) as 's' | 'm' | 'h']));

export const experimentSchema = z.strictObject({
  name: z.string().regex(/^[\w.-]+$/, 'must use letters, digits, _ . - only').optional(),
  /** A built-in trial definition; ignored when `model` is given. */
  trial: z.string().default('mnist-lenet'),
  model: modelSchema.optional(),
  /** An NNI search space, inline or a path relative to the experiment file. */
  searchSpace: z.union([z.string(), z.record(z.string(), z.unknown())]),
  tuner: z.strictObject({
    algorithm: z.enum(['tpe', 'random', 'grid', 'anneal']).default('tpe'),
    /** Defaults to the experiment's seed. */
    seed: z.number().int().nonnegative().optional(),
  }).default({ algorithm: 'tpe' }),
  objective: objectiveSchema.default({ accuracyDrop: 'absolute' }),
  /** Seed of the dense base model and of every trial's fine-tuning. */
  seed: z.number().int().nonnegative().default(0),
  /** Fine-tuning epochs per trial. */
  epochs: z.number().int().nonnegative().default(1),
  maxTrials: z.number().int().positive().default(20),
  /** Seconds, or '10m', '2h'. No new trial starts after it. */
  maxDuration: durationSchema.optional(),
  concurrency: z.number().int().positive().default(() => availableParallelism()),
  backend: z.enum(BACKEND_NAMES).default('auto'),
  earlyStopping: earlyStoppingSchema.default({ enabled: true, startupTrials: 5, warmupEpochs: 0 }),
  /**
   * With `minSparsity` and an element-wise pruner (level, agp): measure once how much pruning each layer
   * alone costs (sensitivity analysis), and run first the cheapest per-layer allocation that meets it.
   */
  warmStart: z.boolean().default(true),
  /** With `minSparsity` and an element-wise pruner: raise sampled sparsities that would miss it before the trial runs. */
  repairConstraints: z.boolean().default(true),
  /** Export channel-pruned trials with the pruned channels removed (`speedup`), so their size and latency are real. */
  speedup: z.boolean().optional(),
  /** Fine-tune each trial against the dense model's logits (knowledge distillation: α·CE + β·T²·KL). */
  distill: z.boolean().default(false),
  /**
   * On wasm, train with Winograd convolutions (stride-1 3×3 and 5×5, ≥ 8 channels): BigCNN trains
   * 2.1× faster; false computes them directly, with a little less float32 error (src/engine/wasm/winograd.ts).
   */
  winograd: z.boolean().default(true),
});

export type ExperimentSpec = z.output<typeof experimentSchema> & {
  /** The search space itself, loaded and validated. */
  readonly searchSpace: Record<string, unknown>;
  readonly name: string;
  readonly objective: z.output<typeof objectiveSchema> & { readonly maximize: 'accuracy' | 'compression' | 'pareto' };
};

/** The value at `path` in what the user wrote (zod 4 leaves `input` off its issues by default). */
function inputAt(value: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  return path.reduce<unknown>((v, k) => (typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);
}

/** Reads a JSON or YAML file; syntax errors name the file and position. */
export function readStructuredFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new InputError(`${file} is not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** A bare search space: every top-level value is an NNI parameter (`{_type, _value}`). */
function isBareSearchSpace(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.keys(raw).length > 0
    && Object.values(raw).every((v) => typeof v === 'object' && v !== null && '_type' in v);
}

/**
 * Validates an experiment (already parsed), with `overrides` from the command line applied on top.
 * `baseDir` resolves relative paths in it; `defaultName` names it when the file does not.
 */
export function parseExperiment(raw: unknown, opts: { baseDir: string; defaultName: string; overrides?: Record<string, unknown>; root?: string }): ExperimentSpec {
  const root = opts.root ?? 'experiment';
  const input = isBareSearchSpace(raw) ? { searchSpace: raw } : raw;
  const merged = typeof input === 'object' && input !== null && !Array.isArray(input) ? { ...input, ...opts.overrides } : input;
  const parsed = experimentSchema.safeParse(merged);
  if (!parsed.success) {
    throw new InputError(describeSchemaIssue(root, { ...parsed.error.issues[0]!, input: inputAt(merged, parsed.error.issues[0]!.path) }));
  }
  const spec = parsed.data;
  const at = (p: string) => resolve(opts.baseDir, p);
  const searchSpace = typeof spec.searchSpace === 'string' ? readStructuredFile(at(spec.searchSpace)) : spec.searchSpace;
  parseSearchSpace(searchSpace, `${root}.searchSpace`); // validate now: a bad space must fail before any training
  const model = spec.model && { ...spec.model, dir: at(spec.model.dir), trainImages: at(spec.model.trainImages), trainLabels: at(spec.model.trainLabels), testImages: at(spec.model.testImages), testLabels: at(spec.model.testLabels) };
  if (spec.distill && spec.model?.loss === 'categorical-crossentropy') {
    throw new InputError(`${root}.distill needs a model that outputs logits (model.loss softmax-cross-entropy), but model.loss is categorical-crossentropy`);
  }
  const sizeConstrained = spec.objective.maxModelBytes !== undefined || spec.objective.minSparsity !== undefined;
  return {
    ...spec,
    model,
    name: spec.name ?? opts.defaultName,
    searchSpace: searchSpace as Record<string, unknown>,
    objective: { ...spec.objective, maximize: spec.objective.maximize ?? (sizeConstrained ? 'accuracy' : 'compression') },
  };
}

/** Loads an experiment or bare search-space file. */
export function loadExperimentFile(file: string, overrides: Record<string, unknown> = {}): ExperimentSpec {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return parseExperiment(readStructuredFile(file), {
    baseDir: dirname(resolve(file)),
    defaultName: `${basename(file, extname(file))}-${stamp}`,
    overrides,
    root: basename(file),
  });
}

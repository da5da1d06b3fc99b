/**
 * A validated NNI search space, flattened into parameters in parent-before-child order.
 * A parameter inside a nested `choice` is named `parent/choiceName/key` and is active only
 * when its parent took that choice: tuners model each parameter from the trials that had it.
 */
import { InputError, formatPath } from '../errors.js';
import {
  choiceIndex, choiceKey, type ChoiceValue, type Distribution, type NumericDistribution,
} from './distributions.js';
import { isPlainObject, searchSpaceSchema, type NniParam, type NniSearchSpace, type ParamType } from './space-schema.js';

export interface ParamSpec {
  /** Flat name, unique in the space: `key` at top level, else `parent/choiceName/key`. */
  readonly name: string;
  /** Key inside its enclosing object (the NNI name). */
  readonly key: string;
  /** Location in the search-space JSON, for messages (`searchSpace.model._value[1].lr`). */
  readonly path: readonly (string | number)[];
  readonly type: ParamType;
  readonly distribution: Distribution;
  /** Indices of the choices that are nested sub-spaces (dicts with `_name`). */
  readonly subspaces: readonly number[];
  /** The choice that activates this parameter; null for top-level parameters. */
  readonly parent: { readonly name: string; readonly index: number } | null;
}

export interface SearchSpace {
  readonly params: readonly ParamSpec[];
  /** The validated NNI JSON the space was parsed from. */
  readonly source: NniSearchSpace;
}

/** Flat parameters of one trial: numbers, or the chosen value (`_name` for a nested sub-space). */
export type FlatParams = Readonly<Record<string, ChoiceValue>>;

/** Validates NNI search-space JSON; throws InputError naming the offending key. */
export function parseSearchSpace(raw: unknown, root = 'searchSpace'): SearchSpace {
  const parsed = searchSpaceSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InputError(parsed.error.issues.map((i) => `${formatPath(root, i.path)} ${i.message}`).join('\n'));
  }
  const params: ParamSpec[] = [];
  flatten(parsed.data, '', [], null, params);
  return { params, source: parsed.data };
}

function flatten(
  space: Readonly<Record<string, unknown>>, prefix: string, path: readonly (string | number)[],
  parent: ParamSpec['parent'], out: ParamSpec[],
): void {
  for (const [key, value] of Object.entries(space)) {
    const param = value as NniParam;
    const subspaces = param._type === 'choice' ? param._value.flatMap((o, i) => (isPlainObject(o) ? [i] : [])) : [];
    const spec: ParamSpec = {
      name: prefix + key, key, path: [...path, key], type: param._type, distribution: toDistribution(param), subspaces, parent,
    };
    out.push(spec);
    if (param._type !== 'choice') continue;
    param._value.forEach((option, index) => {
      if (!isPlainObject(option)) return;
      const { _name, ...children } = option;
      flatten(children, `${spec.name}/${String(_name)}/`, [...spec.path, '_value', index], { name: spec.name, index }, out);
    });
  }
}

function toDistribution(param: NniParam): Distribution {
  if (param._type === 'choice') {
    const choices = param._value.map((o) => (isPlainObject(o) ? (o._name as string) : (o as ChoiceValue)));
    return { kind: 'categorical', choices, keys: choices.map(choiceKey) };
  }
  const [a, b, q] = param._value as number[];
  const step = q ?? null;
  const numeric = (low: number, high: number, log: boolean, s: number | null): NumericDistribution =>
    ({ kind: 'numeric', low, high, log, step: s, normal: null });
  switch (param._type) {
    case 'randint': // [lower, upper) — modelled as an ordered int, as Optuna's suggest_int (not NNI's unordered)
      return numeric(a!, b! - 1, false, 1);
    case 'uniform':
      return numeric(a!, b!, false, null);
    case 'loguniform':
      return numeric(a!, b!, true, null);
    case 'quniform': // Optuna's stepped float: low + k·q (NNI's round(x/q)·q when low is a multiple of q)
    case 'qloguniform':
      return numeric(a!, alignedHigh(a!, b!, step!), param._type === 'qloguniform', step);
    default: {
      const log = param._type.endsWith('lognormal');
      return { kind: 'numeric', low: log ? 0 : -Infinity, high: Infinity, log, step, normal: { mu: a!, sigma: b! } };
    }
  }
}

/** The largest grid value low + k·q ≤ high, without float residue (0.3, not 0.30000000000000004). */
function alignedHigh(low: number, high: number, q: number): number {
  return Number((low + Math.floor((high - low) / q + 1e-9) * q).toPrecision(12));
}

/** Whether `spec` is active given the (categorical index) values of its ancestors. */
export function isActive(spec: ParamSpec, indices: ReadonlyMap<string, number>): boolean {
  return spec.parent === null || indices.get(spec.parent.name) === spec.parent.index;
}

/** The flat parameters a sampler's values (categorical index or number) stand for. */
export function toFlatParams(space: SearchSpace, values: ReadonlyMap<string, number>): FlatParams {
  const out: Record<string, ChoiceValue> = {};
  for (const spec of space.params) {
    const v = values.get(spec.name);
    if (v === undefined) continue;
    out[spec.name] = spec.distribution.kind === 'categorical' ? spec.distribution.choices[v]! : v;
  }
  return out;
}

/** The nested NNI-style configuration a trial receives: `{model: {_name: "cnn", lr: 0.1}}`. */
export function toConfig(space: SearchSpace, params: FlatParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const containers = new Map<string, Record<string, unknown>>();
  for (const spec of space.params) {
    const value = params[spec.name];
    if (value === undefined) continue;
    const target = spec.parent === null ? root : containers.get(`${spec.parent.name}#${spec.parent.index}`);
    if (target === undefined) continue; // its parent took another choice
    const d = spec.distribution;
    const index = d.kind === 'categorical' ? choiceIndex(d, value) : -1;
    if (spec.subspaces.includes(index)) {
      const nested: Record<string, unknown> = { _name: value };
      containers.set(`${spec.name}#${index}`, nested);
      target[spec.key] = nested;
    } else {
      target[spec.key] = value;
    }
  }
  return root;
}

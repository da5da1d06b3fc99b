/**
 * zod schema of NNI's search-space JSON (docs/source/hpo/search_space.rst):
 * `{"name": {"_type": T, "_value": [...]}}`, where a `choice` value may be a dict with `_name`
 * holding a nested sub-space (its parameters are active only when that choice is taken).
 * Every message reads "must …, but got …" so that, prefixed with its path, it names the fix.
 */
import { z } from 'zod';

export const PARAM_TYPES = [
  'choice', 'randint', 'uniform', 'quniform', 'loguniform', 'qloguniform',
  'normal', 'qnormal', 'lognormal', 'qlognormal',
] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export interface NniParam {
  readonly _type: ParamType;
  readonly _value: readonly unknown[];
}
export type NniSearchSpace = Readonly<Record<string, NniParam>>;

/** Value arity and the rules on each NNI type; indices are positions in `_value`. */
const ARITY: Record<Exclude<ParamType, 'choice'>, readonly string[]> = {
  randint: ['lower', 'upper'],
  uniform: ['low', 'high'],
  quniform: ['low', 'high', 'q'],
  loguniform: ['low', 'high'],
  qloguniform: ['low', 'high', 'q'],
  normal: ['mu', 'sigma'],
  qnormal: ['mu', 'sigma', 'q'],
  lognormal: ['mu', 'sigma'],
  qlognormal: ['mu', 'sigma', 'q'],
};

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Ctx = z.RefinementCtx<NniParam>;

function numericRules(type: Exclude<ParamType, 'choice'>, v: readonly unknown[], ctx: Ctx): void {
  const names = ARITY[type];
  if (v.length !== names.length) {
    ctx.addIssue({ code: 'custom', path: ['_value'], message: `must be [${names.join(', ')}] for ${type}, but got ${show(v)}` });
    return;
  }
  const bad = v.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) {
    ctx.addIssue({ code: 'custom', path: ['_value', bad], message: `must be a finite number, but got ${show(v[bad])}` });
    return;
  }
  const [a, b, q] = v as number[];
  const fail = (i: number, rule: string): void =>
    ctx.addIssue({ code: 'custom', path: ['_value', i], message: `must be ${rule} for ${type}, but got ${v[i]}` });
  if (type === 'randint') {
    if (!Number.isInteger(a)) fail(0, 'an integer');
    else if (!Number.isInteger(b)) fail(1, 'an integer');
    else if (b! <= a!) fail(1, `> lower (${a}; upper is exclusive)`);
    return;
  }
  if (q !== undefined && !(q > 0)) fail(2, '> 0');
  if (type.endsWith('normal')) {
    if (!(b! > 0)) fail(1, '> 0');
    return;
  }
  if (type.endsWith('loguniform') && !(a! > 0)) fail(0, '> 0');
  else if (type === 'qloguniform' && !(a! > q! / 2)) fail(0, `> q/2 (${q! / 2}), so that log(low − q/2) exists,`);
  if (!(b! > a!)) fail(1, `> low (${a})`);
}

function choiceRules(v: readonly unknown[], ctx: Ctx): void {
  if (v.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['_value'], message: 'must be a non-empty list for choice, but got []' });
    return;
  }
  const seen = new Set<string>();
  v.forEach((option, i) => {
    let key = JSON.stringify(option);
    if (isPlainObject(option)) {
      key = JSON.stringify(option._name);
      if (typeof option._name !== 'string' || option._name === '') {
        ctx.addIssue({ code: 'custom', path: ['_value', i, '_name'], message: `must be a non-empty string naming a nested sub-space, but got ${show(option._name)}` });
        return;
      }
      for (const [k, child] of Object.entries(option)) {
        if (k === '_name') continue;
        const parsed = paramSchema.safeParse(child);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) {
            ctx.addIssue({ code: 'custom', path: ['_value', i, k, ...issue.path], message: issue.message });
          }
        }
      }
    }
    if (seen.has(key)) {
      ctx.addIssue({ code: 'custom', path: ['_value', i], message: `must be unique within the choice, but got ${key} twice` });
    }
    seen.add(key);
  });
}

export const paramSchema: z.ZodType<NniParam> = z
  .strictObject(
    {
      _type: z.enum(PARAM_TYPES, { error: (iss) => `must be one of ${PARAM_TYPES.join(', ')}, but got ${show(iss.input)}` }),
      _value: z.array(z.unknown(), { error: (iss) => `must be a list, but got ${show(iss.input)}` }),
    },
    {
      error: (iss) =>
        iss.code === 'unrecognized_keys'
          ? `must only have the keys _type and _value, but got ${iss.keys.join(', ')}`
          : `must be an object {"_type": ..., "_value": [...]}, but got ${show(iss.input)}`,
    },
  )
  .superRefine((param, ctx) => {
    if (param._type === 'choice') choiceRules(param._value, ctx);
    else numericRules(param._type, param._value, ctx);
  });

export const searchSpaceSchema: z.ZodType<NniSearchSpace> = z
  .record(z.string(), paramSchema, { error: (iss) => `must be an object of parameters, but got ${show(iss.input)}` })
  .refine((space) => Object.keys(space).length > 0, { message: 'must define at least one parameter, but got {}' });

/**
 * Every user-facing error Squish raises. Classes keep `instanceof` working across
 * compiled ES modules; the CLI maps them to exit codes (InputError → 2, others → 1).
 */
export class SquishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

/** Bad user input: a config key, a flag, a file. The CLI exits with code 2. */
export class InputError extends SquishError {}

/** A requested backend or package is not available on this machine. */
export class BackendUnavailableError extends SquishError {}

/** Formats a zod-style issue path as `a.b[2].c`. */
export function formatPath(root: string, path: ReadonlyArray<PropertyKey>): string {
  let out = root;
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** A value as messages show it: JSON, cut short. */
export function showValue(value: unknown): string {
  const text = value === undefined ? 'nothing' : typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

interface SchemaIssue {
  readonly code: string;
  readonly path: ReadonlyArray<PropertyKey>;
  readonly message: string;
  readonly input?: unknown;
  readonly [detail: string]: unknown;
}

/**
 * One schema (zod) issue as "<path> must …, but got …". Custom messages written that way in a schema
 * are kept; zod's generic ones are rephrased from the issue's details.
 */
export function describeSchemaIssue(root: string, issue: SchemaIssue): string {
  const at = formatPath(root, issue.path);
  const got = `but got ${showValue(issue.input)}`;
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${at} has unknown key${(issue.keys as string[]).length > 1 ? 's' : ''} ${(issue.keys as string[]).map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_type':
      return `${at} must be ${issue.expected === 'object' ? 'an object' : `a ${String(issue.expected)}`}, ${got}`;
    case 'too_small':
      return `${at} must be ${issue.inclusive ? '≥' : '>'} ${String(issue.minimum)}${issue.origin === 'array' || issue.origin === 'string' ? ' long' : ''}, ${got}`;
    case 'too_big':
      return `${at} must be ${issue.inclusive ? '≤' : '<'} ${String(issue.maximum)}${issue.origin === 'array' || issue.origin === 'string' ? ' long' : ''}, ${got}`;
    case 'invalid_value':
      return `${at} must be one of ${(issue.values as unknown[]).map((v) => showValue(v)).join(', ')}, ${got}`;
    case 'not_multiple_of':
      return `${at} must be an integer, ${got}`;
    default:
      return /^must /.test(issue.message) ? `${at} ${issue.message}${/but got/.test(issue.message) ? '' : `, ${got}`}` : `${at}: ${issue.message}`;
  }
}

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

/**
 * The shape of a CLI command and the shared parsing: `node:util` parseArgs for the syntax, a zod
 * schema for the values, so a bad flag is reported by name and the process exits with 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { InputError } from '../errors.js';

export interface CommandIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface Command<T> {
  readonly name: string;
  readonly summary: string;
  /** Usage line and option descriptions, printed by --help. */
  readonly help: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  /** Validates parsed flags and positionals (`_`) into the command's arguments. */
  readonly schema: z.ZodType<T>;
  run(args: T, io: CommandIO): Promise<number>;
}

/** Parses argv for `command`; throws InputError naming the bad flag or value. */
export function parseCommandArgs<T>(command: Command<T>, argv: string[]): T {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    // Keep node's first sentence ("Unknown option '--x'."); the rest is advice about '--' that rarely applies.
    throw new InputError((err as Error).message.split(/\.\s/)[0]!);
  }
  const values = Object.fromEntries(Object.entries(parsed.values).map(([k, v]) => [k.replace(/-(\w)/g, (_m, c: string) => c.toUpperCase()), v]));
  const result = command.schema.safeParse({ ...values, _: parsed.positionals });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = issue.path[0];
    const where = key === '_' ? `argument ${Number(issue.path[1] ?? 0) + 1}` : `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new InputError(`${where} ${issue.message}`);
  }
  return result.data;
}

/** A flag value that must be an integer ≥ min, given as a string on the command line. */
export function intFlag(min: number) {
  return z.string().optional().transform((s, ctx) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isInteger(n) || n < min) {
      ctx.addIssue({ code: 'custom', message: `must be an integer ≥ ${min}, but got '${s}'` });
      return z.NEVER;
    }
    return n;
  });
}

/** A flag value that must be a positive finite number. */
export function positiveFlag() {
  return z.string().optional().transform((s, ctx) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isFinite(n) || n <= 0) {
      ctx.addIssue({ code: 'custom', message: `must be a positive number, but got '${s}'` });
      return z.NEVER;
    }
    return n;
  });
}

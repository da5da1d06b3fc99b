/** The `squish` command line: dispatches to commands and maps errors to exit codes (0 ok, 1 failure, 2 bad usage or input). */
import { InputError } from '../errors.js';
import { compressCommand } from './compress.js';
import { parseCommandArgs, type Command, type CommandIO } from './command.js';
import { exportCommand, listCommand, showCommand } from './results.js';
import { resumeCommand, searchCommand } from './search.js';
import { trainCommand } from './train.js';
import { watchCommand } from './watch.js';

// Commands take different argument types; the registry only needs their shared shape.
const COMMANDS: ReadonlyArray<Command<any>> = [searchCommand, resumeCommand, watchCommand, listCommand, showCommand, exportCommand, trainCommand, compressCommand]; // eslint-disable-line @typescript-eslint/no-explicit-any

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: squish <command> [options]

Squish makes TensorFlow.js models smaller and faster: pruning, quantization and a compression search.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'squish <command> --help' for a command's options.`;
}

export async function main(argv: string[], io: CommandIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`squish: unknown command '${name}'\n\n${usage()}\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.help}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(parseCommandArgs(command, rest), io);
  } catch (err) {
    const bad = err instanceof InputError;
    io.stderr.write(`squish ${name}: ${bad ? '' : 'error: '}${(err as Error).message}\n`);
    if (!bad && process.env.SQUISH_DEBUG) io.stderr.write(`${(err as Error).stack}\n`);
    return bad ? EXIT.usage : EXIT.failure;
  }
}

/** `squish watch`: the terminal UI of an experiment another process runs (or ran), read-only from its database. */
import { z } from 'zod';
import { withReadonlyStore } from './results.js';
import { DEFAULT_DB } from './search.js';
import type { Command } from './command.js';

const watchSchema = z.object({
  _: z.array(z.string()).length(1, 'must name one experiment (squish list shows them)'),
  db: z.string().default(DEFAULT_DB),
});

export const watchCommand: Command<z.output<typeof watchSchema>> = {
  name: 'watch',
  summary: 'watch a running or finished search live, from another terminal',
  help: `Usage: squish watch <experiment> [--db FILE]

Opens the live view of an experiment by reading its database (read-only, twice a second), so it
attaches to a search running in another terminal, or browses a finished one. Keys as in
'squish search'; p does nothing here and q quits the viewer, leaving the search running.
When stdout is not a terminal, prints one frame of the view and exits.`,
  options: { db: { type: 'string' } },
  schema: watchSchema,
  async run(args, io) {
    return withReadonlyStore(args.db, async (store) => {
      const experiment = store.findOrThrowExperiment(args._[0]!);
      // Loaded only here: the other commands never pay for React and Ink.
      const { watchFrame, watchSearch } = await import('../tui/mount.js');
      if (io.stdout.isTTY === true && process.stdin.isTTY === true) {
        await watchSearch(store, experiment.id, args.db, { stdout: io.stdout as NodeJS.WriteStream, stdin: process.stdin });
      } else {
        io.stdout.write(`${watchFrame(store, experiment.id, args.db, (io.stdout as { columns?: number }).columns ?? 80)}\n`);
      }
      return 0;
    });
  },
};

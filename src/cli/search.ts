/** `squish search` and `squish resume`: run a compression search, show it, print the result. */
import { z } from 'zod';
import { resolveBackendName } from '../engine/backend.js';
import { Search, type SearchSummary } from '../experiment/orchestrator.js';
import { loadExperimentFile } from '../experiment/spec.js';
import { intFlag, type Command, type CommandIO } from './command.js';
import { eventLogger, summaryJson, summaryText } from './search-log.js';

export const DEFAULT_DB = 'squish.db';

export interface SearchView {
  /** NDJSON events on stdout, then a JSON summary. */
  readonly json: boolean;
  /** --no-tui: plain lines even on a terminal. */
  readonly noTui: boolean;
  /** The workspace database (the UI's `e` exports from beside it). */
  readonly dbFile: string;
}

/**
 * Runs a search to its end; Ctrl-C once lets running trials finish, twice cancels them. On a
 * terminal the live UI shows it; otherwise (or when the user leaves the UI) plain lines or NDJSON do.
 */
export async function runSearch(search: Search, io: CommandIO, view: SearchView): Promise<SearchSummary> {
  const { json } = view;
  const tui = !json && !view.noTui && io.stdout.isTTY === true && process.stdin.isTTY === true;
  if (!tui) search.on(eventLogger(io, json));
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    io.stderr.write(interrupts === 1
      ? '\nstopping: running trials will finish (Ctrl-C again to cancel them; squish resume reruns cancelled trials)\n'
      : '\ncancelling running trials\n');
    search.stop(interrupts === 1 ? 'finish' : 'cancel');
  };
  process.on('SIGINT', onSigint);
  try {
    const running = search.run();
    if (tui) {
      // Loaded only here: pipes and CI never pay for React and Ink.
      const { showSearch } = await import('../tui/mount.js');
      const ui = showSearch(search, view.dbFile, { stdout: io.stdout as NodeJS.WriteStream, stdin: process.stdin });
      running.catch(() => ui.close()); // a failed search must not leave the UI waiting for a key
      if ((await ui.outcome) === 'detach') search.on(eventLogger(io, false));
    }
    const summary = await running;
    io.stdout.write(json ? `${JSON.stringify(summaryJson(summary))}\n` : `${summaryText(summary)}\n`);
    return summary;
  } finally {
    process.off('SIGINT', onSigint);
    search.close();
  }
}

const searchSchema = z.object({
  _: z.array(z.string()).length(1, 'must name one experiment or search-space file (JSON or YAML)'),
  maxTrials: intFlag(1),
  concurrency: intFlag(1),
  seed: intFlag(0),
  epochs: intFlag(0),
  db: z.string().default(DEFAULT_DB),
  backend: z.string().optional(),
  name: z.string().optional(),
  noTui: z.boolean().optional(),
  json: z.boolean().optional(),
});

export const searchCommand: Command<z.output<typeof searchSchema>> = {
  name: 'search',
  summary: 'search for the best compressed model (experiment or search-space file)',
  help: `Usage: squish search <experiment.yaml|json | search-space.json> [options]

Runs a compression search: a tuner samples compression plans (algorithm, per-layer sparsity, bit
widths) from the search space, workers compress and fine-tune the model, and every trial is recorded
in the database. A bare NNI search-space file runs with the defaults on the built-in data (mnist-lenet).
Options override the experiment file.

Options:
  --max-trials N     trials to run (default 20)
  --concurrency N    trials at once (default: the number of cores)
  --seed N           seed of the base model, the tuner and fine-tuning (default 0)
  --epochs N         fine-tuning epochs per trial (default 1)
  --db FILE          the workspace database (default ./${DEFAULT_DB}); exported models go beside it
  --backend NAME     auto | wasm | webgpu | tensorflow | cpu
  --name NAME        the experiment's name (default: the file name and the time)
  --no-tui           plain log lines instead of the live view
  --json             NDJSON events on stdout, then a JSON summary
  -h, --help         show this help

On a terminal a live view shows the search ('?' lists its keys); 'squish watch <name>' opens it
read-only from another terminal.
Ctrl-C stops scheduling and lets running trials finish; a second Ctrl-C cancels them.
'squish resume <name>' continues a stopped or killed search.`,
  options: {
    'max-trials': { type: 'string' }, concurrency: { type: 'string' }, seed: { type: 'string' }, epochs: { type: 'string' },
    db: { type: 'string' }, backend: { type: 'string' }, name: { type: 'string' }, 'no-tui': { type: 'boolean' }, json: { type: 'boolean' },
  },
  schema: searchSchema,
  async run(args, io) {
    const overrides = Object.fromEntries(Object.entries({
      maxTrials: args.maxTrials, concurrency: args.concurrency, seed: args.seed, epochs: args.epochs, name: args.name,
      backend: args.backend === undefined ? undefined : resolveBackendName(args.backend),
    }).filter(([, v]) => v !== undefined));
    const spec = loadExperimentFile(args._[0]!, overrides);
    await runSearch(Search.create(spec, { dbFile: args.db }), io, { json: args.json === true, noTui: args.noTui === true, dbFile: args.db });
    return 0;
  },
};

const resumeSchema = z.object({
  _: z.array(z.string()).length(1, 'must name one experiment (squish list shows them)'),
  db: z.string().default(DEFAULT_DB),
  json: z.boolean().optional(),
  noTui: z.boolean().optional(),
});

export const resumeCommand: Command<z.output<typeof resumeSchema>> = {
  name: 'resume',
  summary: 'continue a stopped or killed search where it was',
  help: `Usage: squish resume <experiment> [--db FILE] [--no-tui] [--json]

Keeps every finished trial, reruns trials that were running when the search stopped (once each),
rebuilds the tuner from the database and goes on to the experiment's maxTrials.`,
  options: { db: { type: 'string' }, json: { type: 'boolean' }, 'no-tui': { type: 'boolean' } },
  schema: resumeSchema,
  async run(args, io) {
    await runSearch(Search.resume(args._[0]!, { dbFile: args.db }), io, { json: args.json === true, noTui: args.noTui === true, dbFile: args.db });
    return 0;
  },
};

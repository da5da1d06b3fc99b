/** `squish list`, `squish show` and `squish export`: read a workspace's experiments and results. */
import { cpSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { artifactRoot, summarize } from '../experiment/orchestrator.js';
import type { Baseline } from '../experiment/objective.js';
import { Store, type ExperimentRecord, type TrialRecord } from '../experiment/store/store.js';
import { intFlag, type Command } from './command.js';
import { DEFAULT_DB } from './search.js';
import { describeTrial, summaryJson, summaryText } from './search-log.js';

/** Runs `use` on the workspace database opened read-only, and closes it whatever happens. */
export async function withReadonlyStore<T>(db: string, use: (store: Store) => T | Promise<T>): Promise<T> {
  if (!existsSync(db)) throw new InputError(`no database at ${db}; run 'squish search' first or pass --db`);
  const store = Store.open(db, { readonly: true });
  try {
    return await use(store);
  } finally {
    store.close();
  }
}

const listSchema = z.object({ _: z.array(z.string()).max(0, 'takes no arguments'), db: z.string().default(DEFAULT_DB), json: z.boolean().optional() });

export const listCommand: Command<z.output<typeof listSchema>> = {
  name: 'list',
  summary: 'list the experiments in a workspace database',
  help: 'Usage: squish list [--db FILE] [--json]',
  options: { db: { type: 'string' }, json: { type: 'boolean' } },
  schema: listSchema,
  async run(args, io) {
    return withReadonlyStore(args.db, async (store) => {
      const rows = store.listExperiments().map((e) => {
        const trials = store.trials(e.id);
        return { name: e.name, status: e.status, trials: trials.length, finished: trials.filter((t) => t.state === 'complete' || t.state === 'early-stopped').length, created: new Date(e.createdAt * 1000).toISOString() };
      });
      if (args.json) io.stdout.write(`${JSON.stringify(rows)}\n`);
      else if (rows.length === 0) io.stdout.write(`no experiments in ${args.db}\n`);
      else for (const r of rows) io.stdout.write(`${r.name}  ${r.status}  ${r.finished}/${r.trials} trials finished  ${r.created}\n`);
      return 0;
    });
  },
};

const showSchema = z.object({ _: z.array(z.string()).length(1, 'must name one experiment (squish list shows them)'), db: z.string().default(DEFAULT_DB), json: z.boolean().optional() });

export const showCommand: Command<z.output<typeof showSchema>> = {
  name: 'show',
  summary: 'show an experiment\'s trials, best trial and Pareto front',
  help: 'Usage: squish show <experiment> [--db FILE] [--json]',
  options: { db: { type: 'string' }, json: { type: 'boolean' } },
  schema: showSchema,
  async run(args, io) {
    return withReadonlyStore(args.db, async (store) => {
      const experiment = store.findOrThrowExperiment(args._[0]!);
      if (experiment.baseline === null) throw new InputError(`experiment ${experiment.name} has no results yet`);
      const summary = summarize(store, experiment.id, experiment.baseline as unknown as Baseline, experiment.status === 'done' ? 'max-trials' : 'stopped');
      if (args.json) {
        io.stdout.write(`${JSON.stringify({ ...(summaryJson(summary) as object), status: experiment.status, allTrials: summary.trials.map((t) => ({ number: t.number, state: t.state, attempt: t.attempt, feasible: t.feasible, objective: t.objective, params: t.params, plan: t.plan, metrics: t.metrics, errors: store.errors(t.id) })) })}\n`);
      } else {
        io.stdout.write(`${summaryText(summary)}\nall trials:\n${summary.trials.map((t) => `  ${describeTrial(t)}`).join('\n')}\n`);
      }
      return 0;
    });
  },
};

/** Copies a trial's compressed model to `out`; `squish export` and the terminal UI's `e` key share it. */
export function exportTrial(store: Store, dbFile: string, experiment: ExperimentRecord, trial: TrialRecord, out: string) {
  const model = store.artifacts(trial.id).find((a) => a.kind === 'model');
  if (model === undefined) throw new InputError(`trial ${trial.number} of ${experiment.name} has no exported model (its state is ${trial.state})`);
  cpSync(join(artifactRoot(dbFile), model.path), out, { recursive: true });
  return { experiment: experiment.name, trial: trial.number, out: resolve(out), bytes: model.bytes, metrics: trial.metrics };
}

const exportSchema = z.object({
  _: z.array(z.string()).length(1, 'must name one experiment (squish list shows them)'),
  trial: intFlag(0),
  out: z.string({ error: 'is required: the directory to write the model to' }),
  db: z.string().default(DEFAULT_DB),
  json: z.boolean().optional(),
});

export const exportCommand: Command<z.output<typeof exportSchema>> = {
  name: 'export',
  summary: 'write the best (or a chosen) trial\'s model as a TF.js model directory',
  help: `Usage: squish export <experiment> --out DIR [--trial N] [--db FILE] [--json]

Writes the best feasible trial's compressed model (or trial N's) to DIR: a standard TF.js model
directory that tf.loadLayersModel loads with no Squish code.`,
  options: { trial: { type: 'string' }, out: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' } },
  schema: exportSchema,
  async run(args, io) {
    return withReadonlyStore(args.db, async (store) => {
      const experiment = store.findOrThrowExperiment(args._[0]!);
      const trials = store.trials(experiment.id);
      let trial;
      if (args.trial !== undefined) {
        trial = trials.find((t) => t.number === args.trial);
        if (trial === undefined) throw new InputError(`--trial must be a trial number of ${experiment.name} (0–${trials.length - 1}), but got ${args.trial}`);
      } else {
        trial = summarize(store, experiment.id, experiment.baseline as unknown as Baseline, 'stopped').best;
        if (trial === undefined) throw new InputError(`experiment ${experiment.name} has no feasible finished trial; choose one with --trial N`);
      }
      const result = exportTrial(store, args.db, experiment, trial, args.out);
      io.stdout.write(args.json ? `${JSON.stringify(result)}\n` : `exported trial ${trial.number} of ${experiment.name} to ${result.out} (${describeTrial(trial)})\n`);
      return 0;
    });
  },
};

/**
 * Synthetic workspaces for the terminal UI's tests and bench: trials of every state written through
 * the real Store API, with deterministic metrics and per-epoch curves, and no training.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { score } from '../../src/experiment/objective.js';
import { buildPlan } from '../../src/experiment/plan.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import { Store } from '../../src/experiment/store/store.js';

export interface FixtureOptions {
  readonly trials: number;
  readonly epochs: number;
  /** How many of the last trials are still running (they get half their epochs). */
  readonly running?: number;
  readonly name?: string;
}

export interface Fixture {
  readonly store: Store;
  readonly dbFile: string;
  readonly experimentId: number;
}

const BASELINE = { accuracy: 0.95, gzipBytes: 40_000, loss: 0.2, params: 60_000 };

/** Trial `i`'s state: every 7th failed, every 11th stopped early, the last `running` running. */
export function fixtureState(i: number, trials: number, running: number): 'running' | 'failed' | 'early-stopped' | 'complete' {
  if (i >= trials - running) return 'running';
  if (i % 7 === 3) return 'failed';
  if (i % 11 === 5) return 'early-stopped';
  return 'complete';
}

export function fixtureStore({ trials, epochs, running = 0, name = 'fixture' }: FixtureOptions): Fixture {
  const dbFile = join(mkdtempSync(join(tmpdir(), 'squish-tui-')), 'squish.db');
  const store = Store.open(dbFile);
  const spec = parseExperiment({
    name, epochs, maxTrials: trials + 10, concurrency: Math.max(1, running), backend: 'wasm', objective: { maxAccuracyDrop: 0.02 },
    searchSpace: { pruning: { _type: 'choice', _value: [{ _name: 'level', conv: { _type: 'uniform', _value: [0, 0.9] }, fc: { _type: 'uniform', _value: [0, 0.9] } }] } },
  }, { baseDir: '.', defaultName: name });
  const experiment = store.createExperiment(spec.name, spec);
  store.setBaseline(experiment.id, BASELINE);
  for (let i = 0; i < trials; i++) {
    const [conv, fc] = [((i * 37) % 90) / 100, ((i * 29) % 90) / 100];
    const trial = store.addTrial(experiment.id, i, { pruning: 'level', 'pruning/level/conv': conv, 'pruning/level/fc': fc });
    store.startTrial(trial.id, buildPlan({ pruning: { _name: 'level', conv, fc } }, epochs));
    const state = fixtureState(i, trials, running);
    const sparsity = (conv + fc) / 2;
    const accuracy = 0.95 - 0.1 * sparsity ** 3;
    const done = state === 'running' ? Math.floor(epochs / 2) : state === 'early-stopped' ? Math.ceil(epochs / 3) : epochs;
    for (let e = 0; e < done; e++) store.recordEpoch(trial.id, e, { accuracy: accuracy - 0.2 / (e + 1), loss: 0.2 + 1 / (e + 1) });
    if (state === 'failed') store.failTrial(trial.id, { message: `boom in trial ${i}`, stack: `Error: boom in trial ${i}\n    at runTrial (runner.js:10:5)` });
    else if (state !== 'running') {
      const metrics = { accuracy, gzipBytes: Math.round(BASELINE.gzipBytes * (1 - sparsity)), sparsity, wallSeconds: 3 };
      const s = score(spec.objective, BASELINE, metrics);
      store.finishTrial(trial.id, { state, objective: s.objective, objectives: s.objectives, feasible: s.feasible, metrics });
    }
  }
  return { store, dbFile, experimentId: experiment.id };
}

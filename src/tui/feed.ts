/**
 * What the terminal UI shows, read incrementally from the store. The orchestrator writes the store
 * before it emits an event, so in `squish search` each event is a cue to read what changed; in
 * `squish watch` a timer is. Either way one code path builds the view, and each read fetches only
 * the trials whose revision moved (a few rows, not thousands).
 */
import { rankTrials } from '../experiment/orchestrator.js';
import type { ExperimentRecord, Metrics, Store, TrialRecord } from '../experiment/store/store.js';

export interface EpochProgress {
  /** Epochs finished, 1-based. */
  readonly epochs: number;
  readonly accuracy: number | null;
}

export interface Snapshot {
  readonly experiment: ExperimentRecord;
  /** Every trial, in number order. */
  readonly trials: readonly TrialRecord[];
  /** Running trials' latest epoch, by trial id. */
  readonly progress: ReadonlyMap<number, EpochProgress>;
  readonly best: TrialRecord | undefined;
  /** Pareto front (accuracy × gzipped size), smallest first. */
  readonly paretoFront: readonly TrialRecord[];
  /** The best objective after each finished trial, in finishing order. */
  readonly bestCurve: readonly number[];
  /** Bumped whenever anything above changed, so memoized views can compare one number. */
  readonly version: number;
}

export interface TrialDetail {
  readonly epochs: ReadonlyArray<{ epoch: number } & Metrics>;
  readonly errors: ReadonlyArray<{ attempt: number; message: string; stack: string | null }>;
}

const FINISHED = new Set(['complete', 'early-stopped', 'failed']);

export class SearchFeed {
  readonly store: Store;
  readonly #experimentId: number;
  readonly #byId = new Map<number, TrialRecord>();
  #revision = 0;
  #snapshot: Snapshot | undefined;

  constructor(store: Store, experimentId: number) {
    this.store = store;
    this.#experimentId = experimentId;
  }

  /** Reads what changed since the last call; returns the same object when nothing did. */
  refresh(): Snapshot {
    const changed = this.store.trials(this.#experimentId, this.#revision);
    const experiment = this.store.findOrThrowExperiment(this.#experimentId);
    const previous = this.#snapshot;
    if (previous !== undefined && changed.length === 0 && experiment.updatedAt === previous.experiment.updatedAt) return previous;

    let finishedChanged = previous === undefined;
    const progress = new Map(previous?.progress ?? []);
    for (const t of changed) {
      const before = this.#byId.get(t.id);
      if (FINISHED.has(t.state) || (before !== undefined && FINISHED.has(before.state))) finishedChanged = true;
      this.#byId.set(t.id, t);
      this.#revision = Math.max(this.#revision, t.revision);
      if (t.state === 'running') {
        const last = this.store.epochMetrics(t.id).at(-1);
        progress.set(t.id, { epochs: last === undefined ? 0 : last.epoch + 1, accuracy: last?.accuracy ?? null });
      } else {
        progress.delete(t.id);
      }
    }
    const trials = changed.length === 0 && previous !== undefined ? previous.trials : [...this.#byId.values()].sort((a, b) => a.number - b.number);
    // Ranking is quadratic in the finished trials: redo it only when one of them changed.
    const ranked = finishedChanged || previous === undefined
      ? { ...rankTrials(trials), bestCurve: bestCurve(trials) }
      : { best: previous.best, paretoFront: previous.paretoFront, bestCurve: previous.bestCurve };
    this.#snapshot = { experiment, trials, progress, ...ranked, version: (previous?.version ?? 0) + 1 };
    return this.#snapshot;
  }

  /** The per-epoch metrics and errors of one trial, for the detail pane. */
  detail(trialId: number): TrialDetail {
    return { epochs: this.store.epochMetrics(trialId), errors: this.store.errors(trialId) };
  }
}

/** Running maximum of the feasible complete trials' objective, in the order they finished. */
function bestCurve(trials: readonly TrialRecord[]): number[] {
  const done = trials.filter((t) => t.state === 'complete' && t.feasible === true && t.objective !== null)
    .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
  let best = -Infinity;
  return done.map((t) => (best = Math.max(best, t.objective!)));
}

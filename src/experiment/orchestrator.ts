/**
 * A compression search: the tuner proposes, the pool runs trials, the store records everything, and
 * listeners (UI, logs) hear typed events. All state lives in the store, so a search killed at any
 * moment resumes from it: finished trials are kept, interrupted ones rerun once, the tuner is rebuilt.
 */
import { join, relative, resolve } from 'node:path';
import { createTuner, type Tuner } from '../search/tuner.js';
import { parseSearchSpace, toConfig, type FlatParams } from '../search/space.js';
import type { TrialRecord as TunerTrial } from '../search/trials.js';
import { SquishError } from '../errors.js';
import { shouldStopEarly } from './early-stopping.js';
import type { SearchEvent, SearchListener } from './events.js';
import { score, type Baseline } from './objective.js';
import { buildPlan } from './plan.js';
import { TrialPool } from './pool.js';
import type { BaselineResult, TrialEnvironment } from './protocol.js';
import { mergeTables, type SensitivityTable } from './sensitivity-table.js';
import type { ExperimentSpec } from './spec.js';
import { Store, type ExperimentRecord, type TrialRecord } from './store/store.js';
import { cheapestAllocation, prunedLayerParams, sparsityRepair } from './warm-start.js';

export const DEFAULT_RUNNER = new URL('./runner.js', import.meta.url).href;

export interface SearchOptions {
  /** The workspace database (artifacts go in a folder beside it). */
  readonly dbFile: string;
  /** Module with `prepareBaseline` and `runTrial`; the built-in compression runner by default. */
  readonly runner?: string;
}

export interface SearchSummary {
  readonly experiment: ExperimentRecord;
  readonly baseline: Baseline;
  readonly trials: TrialRecord[];
  /** The best feasible trial by objective, if any. */
  readonly best: TrialRecord | undefined;
  /** Feasible finished trials no other beats on both accuracy and size. */
  readonly paretoFront: TrialRecord[];
  readonly reason: Extract<SearchEvent, { type: 'finished' }>['reason'];
}

export function artifactRoot(dbFile: string): string {
  return resolve(`${dbFile.replace(/\.db$/, '')}-artifacts`);
}

export class Search {
  readonly store: Store;
  readonly experiment: ExperimentRecord;
  readonly spec: ExperimentSpec;
  readonly #runner: string;
  readonly #artifactRoot: string;
  readonly #artifacts: string;
  readonly #listeners = new Set<SearchListener>();
  readonly #resumed: boolean;
  readonly #aborts = new Map<number, AbortController>();
  #tuner!: Tuner;
  /** Parameters of the first trials, from the sensitivity analysis (enqueued before any suggestion). */
  #warmStart: FlatParams[] = [];
  #paused = false;
  #stopping: 'no' | 'finish-running' | 'cancel-running' = 'no';
  #wake: () => void = () => {};

  private constructor(store: Store, experiment: ExperimentRecord, opts: SearchOptions, resumed: boolean) {
    this.store = store;
    this.experiment = experiment;
    this.spec = experiment.spec as ExperimentSpec;
    this.#runner = opts.runner ?? DEFAULT_RUNNER;
    this.#artifactRoot = artifactRoot(opts.dbFile);
    this.#artifacts = join(this.#artifactRoot, experiment.name);
    this.#resumed = resumed;
  }

  /** Creates the experiment in the store. */
  static create(spec: ExperimentSpec, opts: SearchOptions): Search {
    const store = Store.open(opts.dbFile);
    try {
      return new Search(store, store.createExperiment(spec.name, spec), opts, false);
    } catch (err) {
      store.close();
      throw err;
    }
  }

  /** Reopens a stored experiment: trials left running (or cancelled) go back to waiting. */
  static resume(ref: string, opts: SearchOptions): Search {
    const store = Store.open(opts.dbFile);
    try {
      const experiment = store.findOrThrowExperiment(ref);
      store.requeueInterrupted(experiment.id);
      store.setExperimentStatus(experiment.id, 'running');
      return new Search(store, store.findOrThrowExperiment(experiment.id), opts, true);
    } catch (err) {
      store.close();
      throw err;
    }
  }

  on(listener: SearchListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops scheduling new trials (running ones go on) until resumed. */
  setPaused(paused: boolean): void {
    this.#paused = paused;
    this.#emit({ type: 'paused', paused });
    this.#wake();
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Ends the search: running trials finish, or are cancelled (and rerun by a later resume). */
  stop(running: 'finish' | 'cancel'): void {
    this.#stopping = running === 'cancel' ? 'cancel-running' : 'finish-running';
    if (running === 'cancel') for (const abort of this.#aborts.values()) abort.abort();
    this.#wake();
  }

  async run(): Promise<SearchSummary> {
    const spec = this.spec;
    const pool = new TrialPool({ concurrency: spec.concurrency });
    const started = performance.now();
    let reason: SearchSummary['reason'] = 'max-trials';
    try {
      this.#emit({ type: 'experiment', experimentId: this.experiment.id, name: this.experiment.name, resumed: this.#resumed });
      const { baseline, baseModelDir } = await this.#baseline(pool);
      this.#buildTuner(await this.#sensitivity(pool, baseModelDir));
      const inflight = new Set<Promise<void>>();
      for (;;) {
        const outOfTime = spec.maxDuration !== undefined && (performance.now() - started) / 1000 >= spec.maxDuration;
        if (outOfTime) reason = 'max-duration';
        if (this.#stopping !== 'no') reason = 'stopped';
        while (this.#stopping === 'no' && !this.#paused && !outOfTime && inflight.size < spec.concurrency) {
          const next = this.#nextTrial();
          if (next === undefined) break;
          const run: Promise<void> = this.#runTrial(pool, next, baseline, baseModelDir).finally(() => inflight.delete(run));
          inflight.add(run);
        }
        if (inflight.size === 0 && (!this.#paused || this.#stopping !== 'no')) break;
        await new Promise<void>((wake) => {
          this.#wake = wake;
          for (const p of inflight) void p.then(wake);
        });
      }
      const done = reason === 'max-trials' && this.store.trials(this.experiment.id).every((t) => t.state !== 'waiting');
      this.store.setExperimentStatus(this.experiment.id, done ? 'done' : 'stopped');
      this.#emit({ type: 'finished', reason });
      return summarize(this.store, this.experiment.id, baseline, reason);
    } finally {
      await pool.close();
    }
  }

  close(): void {
    this.store.close();
  }

  #emit(event: SearchEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  async #baseline(pool: TrialPool): Promise<{ baseline: Baseline; baseModelDir: string }> {
    const result: BaselineResult = await pool.baseline({ env: this.#env(), artifactDir: join(this.#artifacts, 'dense'), runner: this.#runner });
    this.store.setBaseline(this.experiment.id, result.metrics);
    this.#emit({ type: 'baseline', baseline: result.metrics });
    return { baseline: result.metrics, baseModelDir: result.baseModelDir };
  }

  #env(): TrialEnvironment {
    const { trial, model, seed, epochs, backend, speedup, distill, winograd } = this.spec;
    return { trial, model, seed, epochs, backend, speedup, distill, winograd };
  }

  /**
   * The base model's sensitivity table when a lever needs it: read from the store (a resumed search
   * reuses what the original measured), else measured by a worker and stored. Null when no lever applies
   * or the runner cannot measure it.
   */
  async #sensitivity(pool: TrialPool, baseModelDir: string): Promise<SensitivityTable | null> {
    const { warmStart, repairConstraints, objective } = this.spec;
    if (objective.minSparsity === undefined || !(warmStart || repairConstraints)) return null;
    const stored = this.store.sensitivity(this.experiment.id);
    if (stored !== null) return stored as SensitivityTable;
    const layers = [...new Set([...prunedLayerParams(parseSearchSpace(this.spec.searchSpace)).values()].flat().map((p) => p.layer))];
    if (layers.length === 0) return null;
    // Every worker analyses a share of the layers: the first trial waits on the slowest share.
    const shares = Array.from({ length: Math.min(this.spec.concurrency, layers.length) }, (_, w) => layers.filter((_, i) => i % this.spec.concurrency === w));
    const tables = await Promise.all(shares.map((share) => pool.sensitivity({ env: this.#env(), baseModelDir, layers: share, runner: this.#runner })));
    if (tables.some((t) => t === null)) return null;
    const table = mergeTables(tables as SensitivityTable[]);
    this.store.setSensitivity(this.experiment.id, table);
    return table;
  }

  /** The tuner, rebuilt from the stored trials, with the levers the sensitivity table allows. */
  #buildTuner(table: SensitivityTable | null): void {
    const pareto = this.spec.objective.maximize === 'pareto';
    const trials: TunerTrial[] = this.store.trials(this.experiment.id).map((t) => toTunerTrial(t, pareto));
    const space = parseSearchSpace(this.spec.searchSpace);
    const { minSparsity } = this.spec.objective;
    const levers = table !== null && minSparsity !== undefined;
    const allocation = levers && this.spec.warmStart ? cheapestAllocation(space, table, minSparsity) : null;
    this.#warmStart = allocation === null ? [] : [allocation];
    this.#tuner = createTuner({
      algorithm: this.spec.tuner.algorithm,
      space,
      seed: this.spec.tuner.seed ?? this.spec.seed,
      directions: pareto ? ['maximize', 'minimize'] : ['maximize'],
      trials,
      ...(levers && this.spec.repairConstraints ? { repair: sparsityRepair(space, table, minSparsity) } : {}),
    });
  }

  /** A trial to run next: one left waiting by an interrupted run first, else a new suggestion. */
  #nextTrial(): TrialRecord | undefined {
    const trials = this.store.trials(this.experiment.id);
    const waiting = trials.find((t) => t.state === 'waiting');
    if (waiting !== undefined) return waiting;
    if (trials.length >= this.spec.maxTrials) return undefined;
    const warm = this.#warmStart[trials.length];
    const suggestion = warm !== undefined ? this.#tuner.enqueue(warm) : this.#tuner.suggest();
    return this.store.addTrial(this.experiment.id, suggestion.number, suggestion.params);
  }

  async #runTrial(pool: TrialPool, trial: TrialRecord, baseline: Baseline, baseModelDir: string): Promise<void> {
    const abort = new AbortController();
    this.#aborts.set(trial.id, abort);
    const pareto = this.spec.objective.maximize === 'pareto';
    let best = -Infinity;
    try {
      const plan = buildPlan(toConfig(this.#tuner.space, trial.params as FlatParams), this.spec.epochs);
      this.store.startTrial(trial.id, plan);
      this.#emit({ type: 'trial-started', trial: this.store.trial(trial.id) });
      const result = await pool.run({
        env: this.#env(), trialId: trial.id, number: trial.number, plan, baseModelDir,
        artifactDir: join(this.#artifacts, `trial-${trial.number}`), runner: this.#runner,
      }, ({ epoch, metrics }) => {
        this.store.recordEpoch(trial.id, epoch, metrics);
        best = Math.max(best, metrics.accuracy ?? NaN);
        const finished = this.store.trials(this.experiment.id).filter((t) => t.state === 'complete');
        const atEpoch = this.store.epochValues(this.experiment.id, epoch, 'accuracy').filter((v) => finished.some((t) => t.id === v.trialId)).map((v) => v.value);
        // Stopping after the last epoch would save nothing and lose a finished trial.
        const stop = epoch < this.spec.epochs - 1 && shouldStopEarly(this.spec.earlyStopping, { epoch, bestSoFar: best, finishedAtEpoch: atEpoch, finishedTrials: finished.length });
        this.#emit({ type: 'trial-epoch', trialId: trial.id, number: trial.number, epoch, metrics, stop });
        return stop;
      }, abort.signal);
      const m = result.metrics;
      const bad = Object.entries(m).find(([, v]) => v !== null && Number.isNaN(v));
      if (bad !== undefined) throw new SquishError(`the trial produced NaN ${bad[0]}`);
      const s = score(this.spec.objective, baseline, { accuracy: m.accuracy!, gzipBytes: m.gzipBytes!, sparsity: m.sparsity ?? 0 });
      this.store.finishTrial(trial.id, { state: result.state, objective: s.objective, objectives: s.objectives, feasible: s.feasible, metrics: m });
      for (const a of result.artifacts) this.store.addArtifact(trial.id, a.kind, relative(this.#artifactRoot, a.path), a.bytes);
      this.#tuner.report(trial.number, result.state === 'complete'
        ? (pareto ? s.objectives : s.objective)
        : { state: 'pruned', step: this.spec.epochs, value: s.objective });
    } catch (err) {
      if (abort.signal.aborted) {
        this.store.cancelTrial(trial.id);
      } else {
        this.store.failTrial(trial.id, { message: (err as Error).message, stack: (err as Error).stack });
        this.#tuner.report(trial.number, { state: 'failed' });
      }
    } finally {
      this.#aborts.delete(trial.id);
    }
    this.#emit({ type: 'trial-finished', trial: this.store.trial(trial.id) });
  }
}

function toTunerTrial(t: TrialRecord, pareto: boolean): TunerTrial {
  const params = t.params as FlatParams;
  if (t.state === 'complete') return { number: t.number, state: 'complete', params, values: pareto ? t.objectives! : [t.objective!] };
  if (t.state === 'early-stopped') return { number: t.number, state: 'pruned', params, ...(t.objective !== null ? { intermediate: { step: 0, value: t.objective } } : {}) };
  if (t.state === 'failed') return { number: t.number, state: 'failed', params };
  return { number: t.number, state: 'running', params }; // waiting: will run now
}

export function summarize(store: Store, experimentId: number, baseline: Baseline, reason: SearchSummary['reason']): SearchSummary {
  const trials = store.trials(experimentId);
  return { experiment: store.findOrThrowExperiment(experimentId), baseline, trials, ...rankTrials(trials), reason };
}

/** The best feasible trial and the Pareto front of `trials`; the terminal UI ranks the trials it already holds. */
export function rankTrials(trials: readonly TrialRecord[]): Pick<SearchSummary, 'best' | 'paretoFront'> {
  const complete = trials.filter((t) => t.state === 'complete' && t.feasible === true);
  const best = complete.reduce<TrialRecord | undefined>((b, t) => (b === undefined || t.objective! > b.objective! ? t : b), undefined);
  return { best, paretoFront: paretoFront(complete) };
}

/**
 * The trials no other beats on both accuracy and size (at least as good in both, better in one),
 * smallest first. One sweep by size, not all pairs: at 2,000 trials the pairwise test took the
 * terminal UI's redraw past 100 ms. A trial is on the front when it is the most accurate of its
 * size and more accurate than every smaller trial; equal trials are all on it.
 */
function paretoFront(trials: readonly TrialRecord[]): TrialRecord[] {
  const size = (t: TrialRecord) => t.metrics.gzipBytes!;
  const accuracy = (t: TrialRecord) => t.metrics.accuracy!;
  const sorted = [...trials].sort((a, b) => size(a) - size(b) || accuracy(b) - accuracy(a));
  const front: TrialRecord[] = [];
  let smaller = -Infinity; // best accuracy among strictly smaller trials
  for (let i = 0; i < sorted.length;) {
    const top = accuracy(sorted[i]!);
    let j = i;
    for (; j < sorted.length && size(sorted[j]!) === size(sorted[i]!); j++) {
      if (accuracy(sorted[j]!) === top && top > smaller) front.push(sorted[j]!);
    }
    smaller = Math.max(smaller, top);
    i = j;
  }
  return front;
}

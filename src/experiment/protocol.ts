/**
 * What crosses between the orchestrator and a trial worker. Epoch reports go over a MessagePort as
 * they happen; the orchestrator's continue/stop answer comes back through a SharedArrayBuffer, which
 * the worker waits on with Atomics.wait, so no epoch runs past an early-stopping decision.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CompressionPlan } from './plan.js';
import type { SensitivityTable } from './sensitivity-table.js';
import type { ExperimentSpec } from './spec.js';
import type { Metrics } from './store/store.js';

/** The part of the experiment a worker needs; plain data, so it crosses threads by structured clone. */
export type TrialEnvironment = Pick<ExperimentSpec, 'trial' | 'model' | 'seed' | 'epochs' | 'backend'> & Partial<Pick<ExperimentSpec, 'speedup' | 'distill' | 'winograd'>>;

/** Trains (or loads from the cache) and measures the dense base model, once per search. */
export interface BaselineTask {
  readonly kind: 'baseline';
  readonly env: TrialEnvironment;
  /** Where the dense model's export goes, to measure its size. */
  readonly artifactDir: string;
  readonly runner: string;
}

export interface BaselineResult {
  readonly baseModelDir: string;
  readonly metrics: Metrics & { readonly accuracy: number; readonly gzipBytes: number };
}

/** Measures how much pruning each layer alone costs, on the cached base model (see `sensitivity.ts`). */
export interface SensitivityTask {
  readonly kind: 'sensitivity';
  readonly env: TrialEnvironment;
  readonly baseModelDir: string;
  /** The layers the search space prunes. */
  readonly layers: readonly string[];
  readonly runner: string;
}

export interface TrialTask {
  readonly kind: 'trial';
  readonly env: TrialEnvironment;
  readonly trialId: number;
  readonly number: number;
  readonly plan: CompressionPlan;
  /** The cached dense base model's directory. */
  readonly baseModelDir: string;
  /** Where this trial writes its exported model (absolute). */
  readonly artifactDir: string;
  /** Module exporting `runTrial` (absolute file URL); the built-in compression runner by default. */
  readonly runner: string;
  readonly port: MessagePort;
  /** [answer sequence, stop flag], written by the orchestrator after each epoch report. */
  readonly control: SharedArrayBuffer;
}

export interface EpochReport {
  readonly kind: 'epoch';
  readonly epoch: number;
  readonly metrics: Metrics;
}

export type WorkerMessage = EpochReport;

export interface TrialResult {
  readonly state: 'complete' | 'early-stopped';
  readonly metrics: Metrics;
  /** Absolute paths; the store keeps them relative to the artifact folder, so the workspace can move. */
  readonly artifacts: ReadonlyArray<{ kind: string; path: string; bytes: number }>;
}

/** What a trial runner gets besides its task: a way to report each epoch and hear whether to go on. */
export interface TrialReporter {
  /** Reports an epoch's metrics; resolves to false when the orchestrator stops the trial early. */
  epoch(epoch: number, metrics: Metrics): boolean;
}

/** What a runner module exports. */
export interface TrialRunner {
  prepareBaseline(task: BaselineTask): Promise<BaselineResult>;
  runTrial(task: TrialTask, reporter: TrialReporter): Promise<TrialResult>;
  /** Optional: without it, a search runs without the levers that need a sensitivity table. */
  analyzeSensitivity?(task: SensitivityTask): Promise<SensitivityTable>;
}

/** How long a worker waits for a stop decision before going on (the orchestrator answers in ms). */
const DECISION_TIMEOUT_MS = 10_000;

export function workerReporter(task: TrialTask): TrialReporter {
  const control = new Int32Array(task.control);
  let seq = 0;
  return {
    epoch(epoch, metrics) {
      seq++;
      task.port.postMessage({ kind: 'epoch', epoch, metrics } satisfies EpochReport);
      Atomics.wait(control, 0, seq - 1, DECISION_TIMEOUT_MS);
      return Atomics.load(control, 1) === 0;
    },
  };
}

/** The orchestrator's answer to the latest epoch report. */
export function answer(control: SharedArrayBuffer, stop: boolean): void {
  const view = new Int32Array(control);
  Atomics.store(view, 1, stop ? 1 : 0);
  Atomics.add(view, 0, 1);
  Atomics.notify(view, 0);
}

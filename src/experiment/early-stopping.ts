/**
 * The median stopping rule (Optuna's MedianPruner, NNI's Medianstop): stop a trial at epoch e when its
 * best accuracy so far is below the median of what finished trials reported at epoch e.
 */
export interface EarlyStoppingSettings {
  readonly enabled: boolean;
  /** No stopping until this many trials have finished (Optuna: n_startup_trials = 5). */
  readonly startupTrials: number;
  /** No stopping before this epoch (Optuna: n_warmup_steps = 0). */
  readonly warmupEpochs: number;
}

export interface MedianInput {
  readonly epoch: number;
  /** The trial's best value up to and including `epoch`; NaN stops it. */
  readonly bestSoFar: number;
  /** Values that finished (complete) trials reported at `epoch`. */
  readonly finishedAtEpoch: readonly number[];
  readonly finishedTrials: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** True when the trial should stop now (higher values are better). */
export function shouldStopEarly(settings: EarlyStoppingSettings, input: MedianInput): boolean {
  if (!settings.enabled) return false;
  if (Number.isNaN(input.bestSoFar)) return true;
  if (input.finishedTrials < settings.startupTrials || input.epoch < settings.warmupEpochs) return false;
  if (input.finishedAtEpoch.length === 0) return false; // Optuna's n_min_trials = 1
  return input.bestSoFar < median(input.finishedAtEpoch);
}

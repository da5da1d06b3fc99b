/**
 * From a trial's metrics to what the tuner optimizes. Constraints mark a trial feasible or not; an
 * infeasible trial still gets a value, lowered in proportion to how far it misses, so the tuner
 * learns where the feasible region lies instead of seeing a flat penalty.
 */
import type { ExperimentSpec } from './spec.js';

export interface Baseline {
  readonly accuracy: number;
  /** Gzipped bytes of the dense model's export. */
  readonly gzipBytes: number;
}

export interface ScoredMetrics {
  readonly accuracy: number;
  readonly gzipBytes: number;
  readonly sparsity: number;
}

export interface Score {
  readonly feasible: boolean;
  /** Maximized by the tuner (single objective). */
  readonly objective: number;
  /** [accuracy, gzipBytes] for the Pareto front. */
  readonly objectives: [number, number];
  /** Each constraint's shortfall, 0 when met. */
  readonly violations: Record<string, number>;
}

/**
 * Weight of a constraint's shortfall against the objective: `accuracy − 10·shortfall` (the form of
 * the search-efficiency benchmark's objective). A compression objective is log2 of the size ratio,
 * where one bit (2× smaller) must not buy a point of accuracy over budget, hence 100.
 */
export const VIOLATION_WEIGHT = { accuracy: 10, pareto: 10, compression: 100 } as const;

export function violations(spec: ExperimentSpec['objective'], baseline: Baseline, m: ScoredMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  if (spec.maxAccuracyDrop !== undefined) {
    const drop = baseline.accuracy - m.accuracy;
    const allowed = spec.accuracyDrop === 'relative' ? spec.maxAccuracyDrop * baseline.accuracy : spec.maxAccuracyDrop;
    out.maxAccuracyDrop = Math.max(0, drop - allowed);
  }
  // Size shortfalls are relative, so they weigh like accuracy points whatever the model's size.
  if (spec.maxModelBytes !== undefined) out.maxModelBytes = Math.max(0, m.gzipBytes / spec.maxModelBytes - 1);
  if (spec.minSparsity !== undefined) out.minSparsity = Math.max(0, spec.minSparsity - m.sparsity);
  return out;
}

export function score(spec: ExperimentSpec['objective'], baseline: Baseline, m: ScoredMetrics): Score {
  const v = violations(spec, baseline, m);
  const shortfall = Object.values(v).reduce((a, b) => a + b, 0);
  const base = spec.maximize === 'compression' ? Math.log2(baseline.gzipBytes / m.gzipBytes) : m.accuracy;
  return { feasible: shortfall === 0, objective: base - VIOLATION_WEIGHT[spec.maximize] * shortfall, objectives: [m.accuracy, m.gzipBytes], violations: v };
}

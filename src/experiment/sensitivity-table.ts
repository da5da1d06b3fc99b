/**
 * What a sensitivity analysis of the base model yields (NNI's SensitivityAnalysis: one layer pruned at
 * a time, evaluated without fine-tuning), and what the search reads from it before any trial runs:
 * the overall weight sparsity a per-layer plan will have, and how much each layer's pruning costs.
 * Plain data and arithmetic, no TF.js: the orchestrator uses it on the main thread.
 */

export interface SensitivityPoint {
  readonly sparsity: number;
  readonly accuracy: number;
  readonly loss: number;
}

export interface SensitivityTable {
  /** Test samples every point was evaluated on. */
  readonly samples: number;
  /** The dense model on them. */
  readonly base: { readonly accuracy: number; readonly loss: number };
  /** Kernel size of every conv and dense layer: what the overall weight sparsity counts. */
  readonly kernels: Readonly<Record<string, number>>;
  /** Per analysed layer, ascending sparsity: the model with only that layer pruned. */
  readonly layers: Readonly<Record<string, readonly SensitivityPoint[]>>;
}

/** One table from analyses of disjoint layer groups of one model (run on several workers at once). */
export function mergeTables(tables: readonly SensitivityTable[]): SensitivityTable {
  return { ...tables[0]!, layers: Object.assign({}, ...tables.map((t) => t.layers)) as SensitivityTable['layers'] };
}

/** Element-wise magnitude pruners: a layer at sparsity s has exactly ⌊n·s⌋ zeros, so plans predict sparsity. */
export const ELEMENTWISE_PRUNERS: ReadonlySet<string> = new Set(['level', 'agp']);

/** Overall weight sparsity of a plan giving `sparsities` (layer → s) to its layers, the others dense. */
export function planSparsity(table: SensitivityTable, sparsities: Readonly<Record<string, number>>): number {
  let total = 0;
  let zeros = 0;
  for (const [layer, n] of Object.entries(table.kernels)) {
    total += n;
    zeros += Math.floor(n * (sparsities[layer] ?? 0));
  }
  return total === 0 ? 0 : zeros / total;
}

/**
 * The predicted cost of pruning `layer` to `s`: the loss increase it caused alone, made non-decreasing
 * in s (more pruning never helps, whatever the evaluation noise), interpolated linearly from 0 at s = 0
 * and extrapolated with the last slope.
 */
export function layerCost(table: SensitivityTable, layer: string, s: number): number {
  const xs = [0];
  const cs = [0];
  for (const p of table.layers[layer] ?? []) {
    xs.push(p.sparsity);
    cs.push(Math.max(cs.at(-1)!, p.loss - table.base.loss));
  }
  let i = 1;
  while (i < xs.length - 1 && s > xs[i]!) i++;
  if (xs.length < 2) return 0;
  return cs[i - 1]! + ((cs[i]! - cs[i - 1]!) * (s - xs[i - 1]!)) / (xs[i]! - xs[i - 1]!);
}

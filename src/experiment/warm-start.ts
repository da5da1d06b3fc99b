/**
 * Two search levers that read the base model's sensitivity table (issue 11):
 *
 * - Constraint repair. With an element-wise pruner the overall weight sparsity of a per-layer plan is
 *   known before training, so a sampled point that misses `minSparsity` is raised onto the budget
 *   instead of spending a trial on it.
 * - Warm start. The first trial is the allocation that meets `minSparsity` at the least predicted cost
 *   (the loss increase each layer caused alone, summed): large, insensitive layers take the sparsity.
 */
import type { NumericDistribution } from '../search/distributions.js';
import type { FlatParams, ParamSpec, SearchSpace } from '../search/space.js';
import { ELEMENTWISE_PRUNERS, layerCost, planSparsity, type SensitivityTable } from './sensitivity-table.js';

/** Aim this far above the budget, so float rounding of ⌊n·s⌋ in the pruner never lands a weight short. */
const MARGIN = 1e-4;
/** Resolution of the greedy allocation for continuous parameters. */
const ALLOCATION_STEP = 0.005;

interface LayerParam {
  readonly spec: ParamSpec;
  readonly layer: string;
  readonly d: NumericDistribution;
}

/**
 * The per-layer sparsity parameters of each element-wise pruning algorithm in the space, by algorithm;
 * with `kernels`, only those naming a layer that has a kernel.
 */
export function prunedLayerParams(space: SearchSpace, kernels?: Readonly<Record<string, number>>): Map<string, LayerParam[]> {
  const out = new Map<string, LayerParam[]>();
  const choice = space.params.find((p) => p.name === 'pruning');
  if (choice === undefined || choice.distribution.kind !== 'categorical') return out;
  const algorithms = choice.distribution.choices;
  for (const spec of space.params) {
    const d = spec.distribution;
    if (spec.parent?.name !== 'pruning' || d.kind !== 'numeric' || d.normal !== null || (kernels !== undefined && !(spec.key in kernels))) continue;
    const algorithm = String(algorithms[spec.parent.index]);
    if (!ELEMENTWISE_PRUNERS.has(algorithm)) continue;
    out.set(algorithm, [...(out.get(algorithm) ?? []), { spec, layer: spec.key, d }]);
  }
  return out;
}

/** The smallest value of `d` at or above x (stepped parameters round up, so repairs never undershoot). */
function atOrAbove(d: NumericDistribution, x: number): number {
  if (d.step === null) return Math.min(d.high, Math.max(d.low, x));
  const k = Math.ceil((x - d.low) / d.step - 1e-9);
  return Math.min(d.high, Number((d.low + k * d.step).toPrecision(12)));
}

function sparsities(layers: readonly LayerParam[], params: FlatParams): Record<string, number> {
  return Object.fromEntries(layers.map((l) => [l.layer, params[l.spec.name] as number]));
}

/**
 * Greedy on the marginal cost (the Lagrangian optimum when costs are convex): from `start`, repeatedly
 * raise the layer whose next step costs least per weight it zeroes (on a tie the larger layer) until the
 * plan meets `minSparsity`, or every layer is at its upper bound.
 */
function raiseToBudget(layers: readonly LayerParam[], table: SensitivityTable, start: ReadonlyMap<LayerParam, number>, minSparsity: number): Map<LayerParam, number> {
  const s = new Map(start);
  const current = () => Object.fromEntries(layers.map((l) => [l.layer, s.get(l)!]));
  while (planSparsity(table, current()) < minSparsity + MARGIN) {
    let best: { l: LayerParam; next: number; price: number } | undefined;
    for (const l of layers) {
      const now = s.get(l)!;
      // Rounded: repeated steps would otherwise store values such as 0.7000000000000002.
      const next = Number(atOrAbove(l.d, now + (l.d.step ?? ALLOCATION_STEP)).toPrecision(12));
      if (next <= now) continue;
      const price = (layerCost(table, l.layer, next) - layerCost(table, l.layer, now)) / (table.kernels[l.layer]! * (next - now));
      const larger = best !== undefined && price === best.price && table.kernels[l.layer]! > table.kernels[best.l.layer]!;
      if (best === undefined || price < best.price || larger) best = { l, next, price };
    }
    if (best === undefined) break; // every layer at its upper bound: as close as the space allows
    s.set(best.l, best.next);
  }
  return s;
}

/**
 * A repair function for the tuner: a point whose plan falls short of `minSparsity` keeps its sampled
 * sparsities as floors and is raised to the budget where the added loss is least, so the tuner's
 * samples explore the allocations that can be feasible instead of the cheap-to-reach dense corner.
 */
export function sparsityRepair(space: SearchSpace, table: SensitivityTable, minSparsity: number): (params: FlatParams) => FlatParams {
  const byAlgorithm = prunedLayerParams(space, table.kernels);
  return (params) => {
    const layers = byAlgorithm.get(String(params.pruning));
    if (layers === undefined || planSparsity(table, sparsities(layers, params)) >= minSparsity + MARGIN) return params;
    const raised = raiseToBudget(layers, table, new Map(layers.map((l) => [l, params[l.spec.name] as number])), minSparsity);
    return { ...params, ...Object.fromEntries(layers.map((l) => [l.spec.name, raised.get(l)!])) };
  };
}

/**
 * The allocation meeting `minSparsity` at the least summed cost, raised from every layer at its lower
 * bound. Null when the space is not a plain per-layer space of one element-wise pruner (other
 * parameters would have no value to start from).
 */
export function cheapestAllocation(space: SearchSpace, table: SensitivityTable, minSparsity: number): FlatParams | null {
  const [entry] = prunedLayerParams(space, table.kernels);
  if (entry === undefined) return null;
  const [algorithm, layers] = entry;
  if (space.params.length !== layers.length + 1) return null;
  const s = raiseToBudget(layers, table, new Map(layers.map((l) => [l, l.d.low])), minSparsity);
  return { pruning: algorithm, ...Object.fromEntries(layers.map((l) => [l.spec.name, s.get(l)!])) };
}

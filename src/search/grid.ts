/**
 * Grid search over a finite space (Optuna's `GridSampler`): every combination of the active
 * parameters' values, visited in an order shuffled once by the seed. Failed points are retried;
 * once every point has been visited, random points of the grid are revisited, as Optuna does.
 */
import { InputError, formatPath } from '../errors.js';
import { gridValues } from './distributions.js';
import { Prng } from './prng.js';
import { isActive, toFlatParams, type FlatParams, type ParamSpec, type SearchSpace } from './space.js';
import type { SampleContext, Sampler } from './trials.js';

/** Grids larger than this are almost surely a mistake (and would not fit in memory). */
const MAX_GRID_POINTS = 1_000_000;

function valuesOf(spec: ParamSpec): number[] {
  const d = spec.distribution;
  if (d.kind === 'categorical') return d.choices.map((_, i) => i);
  const values = gridValues(d);
  if (values === null) {
    throw new InputError(`${formatPath('searchSpace', spec.path)} must be finite for grid search (choice, randint, quniform or qloguniform), but got ${spec.type}`);
  }
  return values;
}

/** Every grid point (parents before children; inactive parameters are left out). */
export function enumerateGrid(space: SearchSpace): Map<string, number>[] {
  let points: Map<string, number>[] = [new Map()];
  for (const spec of space.params) {
    const values = valuesOf(spec);
    points = points.flatMap((p) => (isActive(spec, p) ? values.map((v) => new Map(p).set(spec.name, v)) : [p]));
    if (points.length > MAX_GRID_POINTS) {
      throw new InputError(`searchSpace must have at most ${MAX_GRID_POINTS} grid points for grid search, but got more at ${formatPath('searchSpace', spec.path)}`);
    }
  }
  return points;
}

/** Canonical identity of a point, independent of key order. */
function pointKey(params: FlatParams): string {
  return JSON.stringify(Object.keys(params).sort().map((k) => [k, params[k]]));
}

export class GridSampler implements Sampler {
  readonly #points: Map<string, number>[];
  readonly #keys: string[];

  constructor(space: SearchSpace, seed: number) {
    const points = enumerateGrid(space);
    // Fisher–Yates on a stream no trial uses (trial streams are keyed by non-negative numbers).
    const rng = new Prng(seed, -1);
    for (let i = points.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [points[i], points[j]] = [points[j]!, points[i]!];
    }
    this.#points = points;
    this.#keys = points.map((p) => pointKey(toFlatParams(space, p)));
  }

  /** Number of points in the grid. */
  get size(): number {
    return this.#points.length;
  }

  sample(ctx: SampleContext): Map<string, number> {
    const visited = new Set(ctx.trials.filter((t) => t.state !== 'failed').map((t) => pointKey(t.params)));
    const next = this.#keys.findIndex((k) => !visited.has(k));
    return new Map(this.#points[next >= 0 ? next : ctx.rng.int(this.#points.length)]);
  }
}

/**
 * Splits observed trials into "below" (the good ones, l(x)) and "above" (the rest, g(x)), both
 * in chronological order so that the weight ramp applies to trial age. Running trials always go
 * above (constant liar); failed trials never get here.
 *
 * Multi-objective: MOTPE (Ozaki et al. 2020, Optuna's TPE with several directions) rather than
 * NSGA-II, because it reuses this whole TPE machinery (conditional spaces, constant liar,
 * restarts from stored trials) and learns from the first trials onward, while NSGA-II's
 * population of 50 leaves only two generations in a 100-trial compression search.
 */
import { compareKeys, dominates, rankKey, signOf, signedValues, type Direction, type TrialRecord } from '../trials.js';
import { contributionWeights, greedySubset, referencePoint } from './hypervolume.js';

export interface Split {
  /** Indices into the splitter's trials, ascending (= chronological). */
  readonly below: number[];
  readonly above: number[];
  /** Weights of the below kernels, or null for the default age ramp. */
  readonly belowWeights: number[] | null;
}

/** Trials that count as observations (complete, and pruned for one objective). */
export function isScored(trial: TrialRecord, nObjectives: number): boolean {
  return trial.state === 'complete' || (trial.state === 'pruned' && nObjectives === 1);
}

/** Splits subsets of one trial list; the ranking is computed once per suggestion. */
export class TrialSplitter {
  readonly #trials: readonly TrialRecord[];
  readonly #directions: readonly Direction[];
  /** Single objective: indices of scored trials, best first. */
  readonly #ranked: number[];
  readonly #cache = new Map<string, Split>();

  /** @param trials chronological (sorted by number) */
  constructor(trials: readonly TrialRecord[], directions: readonly Direction[]) {
    this.#trials = trials;
    this.#directions = directions;
    const sign = signOf(directions[0]!);
    const keys = trials.map((t) => rankKey(t, sign));
    this.#ranked = directions.length > 1 ? [] : [...trials.keys()]
      .filter((i) => isScored(trials[i]!, 1))
      .sort((a, b) => compareKeys(keys[a]!, keys[b]!) || a - b);
  }

  /** Splits the trials whose `included` flag is set, with `nBelow` of them below. */
  split(included: Uint8Array, nBelow: number): Split {
    const cacheKey = `${nBelow}:${included.join('')}`;
    let split = this.#cache.get(cacheKey);
    if (split === undefined) {
      split = this.#directions.length === 1 ? this.#splitSingle(included, nBelow) : this.#splitMulti(included, nBelow);
      this.#cache.set(cacheKey, split);
    }
    return split;
  }

  #splitSingle(included: Uint8Array, nBelow: number): Split {
    const below: number[] = [];
    const above: number[] = [];
    for (const i of this.#ranked) if (included[i]) (below.length < nBelow ? below : above).push(i);
    this.#trials.forEach((t, i) => {
      if (included[i] && t.state === 'running') above.push(i);
    });
    const ascending = (a: number, b: number) => a - b;
    return { below: below.sort(ascending), above: above.sort(ascending), belowWeights: null };
  }

  #splitMulti(included: Uint8Array, nBelow: number): Split {
    const scored = [...this.#trials.keys()].filter((i) => included[i] && isScored(this.#trials[i]!, this.#directions.length));
    const signed = scored.map((i) => signedValues(this.#trials[i]!, this.#directions));
    const chosen = new Set<number>();
    for (const rank of nonDominatedRanks(signed)) {
      if (chosen.size + rank.length <= nBelow) {
        rank.forEach((j) => chosen.add(j));
        continue;
      }
      // Optuna's HSSP tie-break: reference point from the worst values of this rank.
      const points = rank.map((j) => signed[j]!);
      greedySubset(points, nBelow - chosen.size, referencePoint(points)).forEach((r) => chosen.add(rank[r]!));
      break;
    }
    const belowLocal = [...chosen].sort((a, b) => a - b);
    const above = [
      ...scored.filter((_, j) => !chosen.has(j)),
      ...[...this.#trials.keys()].filter((i) => included[i] && this.#trials[i]!.state === 'running'),
    ].sort((a, b) => a - b);
    return {
      below: belowLocal.map((j) => scored[j]!),
      above,
      belowWeights: contributionWeights(belowLocal.map((j) => signed[j]!)),
    };
  }
}

/** Indices grouped by non-domination rank, best rank first. */
function nonDominatedRanks(points: readonly (readonly number[])[]): number[][] {
  const ranks: number[][] = [];
  let rest = [...points.keys()];
  while (rest.length > 0) {
    const front = rest.filter((i) => !rest.some((j) => j !== i && dominates(points[j]!, points[i]!)));
    ranks.push(front);
    rest = rest.filter((i) => !front.includes(i));
  }
  return ranks;
}

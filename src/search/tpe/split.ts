/**
 * Splits observed trials into "below" (the good ones, l(x)) and "above" (the rest, g(x)), both
 * in chronological order so that the weight ramp applies to trial age.
 *
 * Multi-objective: MOTPE (Ozaki et al. 2020, Optuna's TPE with several directions) rather than
 * NSGA-II, because it reuses this whole TPE machinery (conditional spaces, constant liar,
 * restarts from stored trials) and learns from the first trials onward, while NSGA-II's
 * population of 50 leaves only two generations in a 100-trial compression search.
 */
import { compareKeys, dominates, rankKey, signOf, signedValues, type Direction, type TrialRecord } from '../trials.js';
import { contributionWeights, greedySubset, referencePoint } from './hypervolume.js';

export interface Split {
  readonly below: TrialRecord[];
  readonly above: TrialRecord[];
  /** Weights of the below kernels, or null for the default age ramp. */
  readonly belowWeights: number[] | null;
}

const byNumber = (a: TrialRecord, b: TrialRecord): number => a.number - b.number;

/** Trials that count as observations (complete, and pruned for one objective). */
export function isScored(trial: TrialRecord, nObjectives: number): boolean {
  return trial.state === 'complete' || (trial.state === 'pruned' && nObjectives === 1);
}

/**
 * @param trials candidate trials; running ones always go above (constant liar), failed ones are ignored
 * @param nBelow size of the below set (γ(n) of the scored trials)
 */
export function splitTrials(trials: readonly TrialRecord[], directions: readonly Direction[], nBelow: number): Split {
  const scored = trials.filter((t) => isScored(t, directions.length));
  const running = trials.filter((t) => t.state === 'running');
  if (directions.length === 1) {
    const sign = signOf(directions[0]!);
    const ranked = scored
      .map((t) => ({ t, key: rankKey(t, sign) }))
      .sort((a, b) => compareKeys(a.key, b.key) || a.t.number - b.t.number)
      .map((e) => e.t);
    return { below: ranked.slice(0, nBelow).sort(byNumber), above: [...ranked.slice(nBelow), ...running].sort(byNumber), belowWeights: null };
  }
  const signed = scored.map((t) => signedValues(t, directions));
  const chosen = new Set<number>();
  for (const rank of nonDominatedRanks(signed)) {
    if (chosen.size + rank.length <= nBelow) {
      rank.forEach((i) => chosen.add(i));
      continue;
    }
    const ref = referencePoint(signed);
    greedySubset(rank.map((i) => signed[i]!), nBelow - chosen.size, ref).forEach((j) => chosen.add(rank[j]!));
    break;
  }
  const belowIdx = [...chosen].sort((a, b) => scored[a]!.number - scored[b]!.number);
  const below = belowIdx.map((i) => scored[i]!);
  const above = [...scored.filter((_, i) => !chosen.has(i)), ...running].sort(byNumber);
  return { below, above, belowWeights: contributionWeights(belowIdx.map((i) => signed[i]!)) };
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

/**
 * Hypervolume (minimization) dominated by a point set and bounded by a reference point, and the
 * greedy hypervolume subset selection MOTPE uses to break ties in the last non-domination rank.
 * Exact, by slicing along the last objective (HSO, While et al. 2006): O(n^(d−1)), fine for the
 * ≤ 25 points of a "below" set.
 */
export function hypervolume(points: readonly (readonly number[])[], ref: readonly number[]): number {
  const inside = points.filter((p) => p.every((v, i) => v < ref[i]!));
  if (inside.length === 0) return 0;
  const d = ref.length;
  if (d === 1) return ref[0]! - Math.min(...inside.map((p) => p[0]!));
  if (d === 2) {
    const sorted = [...inside].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    let volume = 0;
    let bestY = ref[1]!;
    for (const p of sorted) {
      if (p[1]! < bestY) {
        volume += (ref[0]! - p[0]!) * (bestY - p[1]!);
        bestY = p[1]!;
      }
    }
    return volume;
  }
  const sorted = [...inside].sort((a, b) => a[d - 1]! - b[d - 1]!);
  const refHead = ref.slice(0, d - 1);
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1]![d - 1]! : ref[d - 1]!;
    const height = top - sorted[i]![d - 1]!;
    if (height > 0) volume += height * hypervolume(sorted.slice(0, i + 1).map((p) => p.slice(0, d - 1)), refHead);
  }
  return volume;
}

/** Reference point as Optuna sets it: max(1.1·worst, 0.9·worst) per objective, 0 → EPS. */
export function referencePoint(points: readonly (readonly number[])[]): number[] {
  const d = points[0]!.length;
  return Array.from({ length: d }, (_, i) => {
    const worst = Math.max(...points.map((p) => p[i]!));
    const r = Math.max(1.1 * worst, 0.9 * worst);
    return r === 0 ? 1e-12 : r;
  });
}

/** Indices of `size` points chosen greedily, each adding the most hypervolume. */
export function greedySubset(points: readonly (readonly number[])[], size: number, ref: readonly number[]): number[] {
  const chosen: number[] = [];
  const rest = new Set(points.keys());
  while (chosen.length < size && rest.size > 0) {
    let best = -1;
    let bestVolume = -Infinity;
    for (const i of rest) {
      const v = hypervolume([...chosen, i].map((j) => points[j]!), ref);
      if (v > bestVolume) {
        bestVolume = v;
        best = i;
      }
    }
    chosen.push(best);
    rest.delete(best);
  }
  return chosen;
}

/**
 * MOTPE's weights of the below kernels: each point's exclusive hypervolume contribution, scaled
 * so the largest is 1. As Optuna, 1e-12 is added so that a point contributing nothing (a
 * duplicate) keeps a tiny weight rather than none.
 */
export function contributionWeights(points: readonly (readonly number[])[]): number[] {
  if (points.length <= 1) return points.map(() => 1);
  const ref = referencePoint(points);
  const total = hypervolume(points, ref);
  const contributions = points.map((_, i) => total - hypervolume(points.filter((__, j) => j !== i), ref) + 1e-12);
  const max = Math.max(...contributions);
  return contributions.map((c) => Math.min(1, Math.max(0, c / max)));
}

/**
 * The trials table's model: sort orders, state filters and the scroll window. Pure functions, so
 * the key handler and the view agree on which rows are shown.
 */
import { TRIAL_STATES, type TrialRecord, type TrialState } from '../experiment/store/store.js';

export interface SortOrder {
  readonly label: string;
  /** Negative when `a` comes first. */
  readonly compare: (a: TrialRecord, b: TrialRecord) => number;
}

/** Missing values sort last whatever the direction. */
function by(value: (t: TrialRecord) => number | null | undefined, direction: 1 | -1): SortOrder['compare'] {
  return (a, b) => {
    const [x, y] = [value(a), value(b)];
    if (x === null || x === undefined) return y === null || y === undefined ? a.number - b.number : 1;
    if (y === null || y === undefined) return -1;
    return direction * (x - y) || a.number - b.number;
  };
}

/** `s` cycles through these. */
export const SORT_ORDERS: readonly SortOrder[] = [
  { label: 'number', compare: (a, b) => a.number - b.number },
  { label: 'accuracy ↓', compare: by((t) => t.metrics.accuracy, -1) },
  { label: 'size ↑', compare: by((t) => t.metrics.gzipBytes, 1) },
  { label: 'sparsity ↓', compare: by((t) => t.metrics.sparsity, -1) },
  { label: 'objective ↓', compare: by((t) => t.objective, -1) },
  { label: 'duration ↑', compare: by((t) => (t.finishedAt === null || t.startedAt === null ? null : t.finishedAt - t.startedAt), 1) },
];

/** `f` cycles through these: every trial, then one state at a time. */
export const FILTERS: ReadonlyArray<TrialState | 'all'> = ['all', ...TRIAL_STATES];

export function sortAndFilter(trials: readonly TrialRecord[], sort: number, filter: number): TrialRecord[] {
  const state = FILTERS[filter]!;
  const kept = state === 'all' ? [...trials] : trials.filter((t) => t.state === state);
  return sort === 0 ? kept : kept.sort(SORT_ORDERS[sort]!.compare);
}

/** The first visible row: moves only as far as needed to keep `selected` in a window of `height` rows. */
export function scrollTop(top: number, selected: number, height: number, count: number): number {
  if (height <= 0) return 0;
  let next = Math.min(top, Math.max(0, count - height));
  if (selected < next) next = selected;
  if (selected >= next + height) next = selected - height + 1;
  return Math.max(0, next);
}

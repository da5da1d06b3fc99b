/**
 * The typed event stream of a search. The store is written first; then the event goes to every view
 * (the Ink UI, plain log lines, NDJSON), so a view never shows what the store does not hold.
 */
import type { Baseline } from './objective.js';
import type { Metrics, TrialRecord } from './store/store.js';

export type SearchEvent =
  | { readonly type: 'experiment'; readonly experimentId: number; readonly name: string; readonly resumed: boolean }
  | { readonly type: 'baseline'; readonly baseline: Baseline & Metrics }
  | { readonly type: 'trial-started'; readonly trial: TrialRecord }
  | { readonly type: 'trial-epoch'; readonly trialId: number; readonly number: number; readonly epoch: number; readonly metrics: Metrics; readonly stop: boolean }
  | { readonly type: 'trial-finished'; readonly trial: TrialRecord }
  | { readonly type: 'paused'; readonly paused: boolean }
  | { readonly type: 'finished'; readonly reason: 'max-trials' | 'max-duration' | 'stopped' };

export type SearchListener = (event: SearchEvent) => void;

/** Short cell texts for the terminal UI: durations, parameters, fixed-width cells. */
import type { TrialRecord } from '../experiment/store/store.js';

export { kb, pct } from '../cli/search-log.js';

/** `42s`, `3m05s`, `2h14m`; `–` when unknown. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Seconds a trial ran, or has been running at `now` (unix seconds). */
export function trialSeconds(t: TrialRecord, now: number): number | null {
  if (t.startedAt === null) return null;
  // A trial started since the UI's clock last ticked has run for 0 s, not less.
  return Math.max(0, (t.finishedAt ?? (t.state === 'running' ? now : t.startedAt)) - t.startedAt);
}

/**
 * The key parameters of a trial in one short string: algorithm names as they are, numbers as
 * `layer=value` under the last segment of their path (`pruning/level/conv` → `conv=.13`).
 */
export function paramsSummary(params: Readonly<Record<string, unknown>>): string {
  return Object.entries(params).map(([key, v]) => {
    if (typeof v !== 'number') return String(v);
    const name = key.slice(key.lastIndexOf('/') + 1);
    return `${name}=${Number.isInteger(v) ? v : v.toFixed(2).replace(/^0\./, '.')}`;
  }).join(' ');
}

/** `text` cut or padded to exactly `width` columns; cut text ends with `…`. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  if (text.length > width) return `${text.slice(0, width - 1)}…`;
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

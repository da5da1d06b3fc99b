/**
 * The non-interactive views of a search: one plain line per event (logs, CI, pipes), or NDJSON with
 * --json. Both read the same event stream as the terminal UI.
 */
import type { SearchEvent } from '../experiment/events.js';
import type { SearchSummary } from '../experiment/orchestrator.js';
import type { TrialRecord } from '../experiment/store/store.js';
import type { CommandIO } from './command.js';

export const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(2)}%`);
export const kb = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? '–' : `${(bytes / 1024).toFixed(1)} KB`);

export function describeTrial(t: TrialRecord): string {
  const m = t.metrics;
  const base = `trial ${t.number} ${t.state}`;
  if (t.state === 'failed' || t.state === 'cancelled' || t.state === 'waiting' || t.state === 'running') return base;
  return `${base}: accuracy ${pct(m.accuracy)}, sparsity ${pct(m.sparsity)}, ${kb(m.gzipBytes)} gzipped${t.feasible ? '' : ' (infeasible)'}, ${m.wallSeconds?.toFixed(1) ?? '–'} s`;
}

export function logLine(event: SearchEvent): string | undefined {
  switch (event.type) {
    case 'experiment':
      return `${event.resumed ? 'resuming' : 'starting'} experiment ${event.name}`;
    case 'baseline':
      return `dense model: accuracy ${pct(event.baseline.accuracy)}, ${kb(event.baseline.gzipBytes)} gzipped, ${event.baseline.params} parameters`;
    case 'trial-started':
      return `trial ${event.trial.number} started (attempt ${event.trial.attempt})`;
    case 'trial-epoch':
      return `trial ${event.number} epoch ${event.epoch + 1}: accuracy ${pct(event.metrics.accuracy)}${event.stop ? ' — stopped early (below the median)' : ''}`;
    case 'trial-finished':
      return describeTrial(event.trial);
    case 'paused':
      return event.paused ? 'scheduling paused' : 'scheduling resumed';
    case 'finished':
      return `search finished (${event.reason})`;
  }
}

export function summaryText(s: SearchSummary): string {
  const lines = [`experiment ${s.experiment.name}: ${s.trials.length} trials, dense accuracy ${pct(s.baseline.accuracy)}, ${kb(s.baseline.gzipBytes)} gzipped`];
  if (s.best === undefined) {
    lines.push('no feasible trial: relax the constraints or run more trials (squish resume)');
  } else {
    lines.push(`best: ${describeTrial(s.best)}`);
    lines.push(`      ${(s.baseline.gzipBytes / s.best.metrics.gzipBytes!).toFixed(1)}× smaller gzipped; export with: squish export ${s.experiment.name} --out DIR`);
  }
  if (s.paretoFront.length > 0) {
    lines.push('Pareto front (accuracy × gzipped size):');
    for (const t of s.paretoFront) lines.push(`  ${describeTrial(t)}`);
  }
  return lines.join('\n');
}

export function summaryJson(s: SearchSummary): unknown {
  const trial = (t: TrialRecord) => ({ number: t.number, state: t.state, feasible: t.feasible, objective: t.objective, params: t.params, metrics: t.metrics });
  return { type: 'summary', experiment: s.experiment.name, reason: s.reason, baseline: s.baseline, trials: s.trials.length, best: s.best && trial(s.best), paretoFront: s.paretoFront.map(trial) };
}

/** Writes events as they come: NDJSON on stdout with `json`, else plain lines on stderr. */
export function eventLogger(io: CommandIO, json: boolean): (event: SearchEvent) => void {
  return (event) => {
    if (json) io.stdout.write(`${JSON.stringify(event)}\n`);
    else {
      const line = logLine(event);
      if (line !== undefined) io.stderr.write(`${line}\n`);
    }
  };
}

import { memo } from 'react';
import { Box, Text } from 'ink';
import type { CompressionPlan } from '../experiment/plan.js';
import type { TrialRecord } from '../experiment/store/store.js';
import type { TrialDetail as Detail } from './feed.js';
import { duration, fit, kb, paramsSummary, pct, trialSeconds } from './format.js';
import { barChart, rangeOf } from './plot.js';
import { useTheme } from './theme.js';

export type Props = {
  readonly trial: TrialRecord;
  /** Its per-epoch metrics and errors, read from the store. */
  readonly detail: Detail;
  /** Unix seconds, for a running trial's time. */
  readonly now: number;
  /** Lines available: the pane cuts what does not fit. */
  readonly height: number;
  readonly width: number;
};

type Line = { readonly text: string; readonly color?: string | undefined; readonly bold?: boolean };

/** `conv: sparsity .50` — one config-list entry, its op names first. */
function configLine(config: Readonly<Record<string, unknown>>): string {
  const { opNames, ...rest } = config;
  const values = Object.entries(rest).map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : JSON.stringify(v)}`);
  return `${Array.isArray(opNames) ? opNames.join(', ') : '*'}: ${values.join(' · ')}`;
}

/** The selected trial: outcome, config list per compression step, accuracy per epoch, errors. */
function TrialDetail({ trial, detail, now, height, width }: Props) {
  const theme = useTheme();
  const m = trial.metrics;
  const lines: Line[] = [
    { text: `Trial #${trial.number} · ${trial.state} · attempt ${trial.attempt} · ${duration(trialSeconds(trial, now))}${trial.feasible === false ? ' · infeasible' : ''}`, bold: true, color: theme.state[trial.state] },
    { text: `accuracy ${pct(m.accuracy)} · sparsity ${pct(m.sparsity)} · ${kb(m.gzipBytes)} gzipped · objective ${trial.objective?.toFixed(4) ?? '–'}` },
    { text: 'Config list', bold: true },
  ];
  const plan = trial.plan as CompressionPlan | null;
  if (plan === null) lines.push({ text: `  (not planned yet) ${paramsSummary(trial.params)}` });
  for (const [step, s] of Object.entries(plan ?? {})) {
    lines.push({ text: `  ${step}: ${s.algorithm}` });
    for (const c of s.configList) lines.push({ text: `    ${configLine(c)}` });
  }
  const curve = detail.epochs.map((e) => e.accuracy).filter((v): v is number => typeof v === 'number');
  lines.push({ text: `Accuracy per epoch (${curve.length})`, bold: true });
  if (curve.length > 0) {
    const range = rangeOf(curve);
    const rows = Math.min(4, Math.max(1, height - lines.length - 2 - 2 * detail.errors.length));
    barChart(curve, Math.min(curve.length * 3, width - 10), rows, range).forEach((row, i) =>
      lines.push({ text: `${fit(i === 0 ? pct(range.max) : i === rows - 1 ? pct(range.min) : '', 7, 'right')} ${row}` }));
    lines.push({ text: `  ${curve.map((v) => pct(v)).join(' ')}` });
  }
  for (const e of detail.errors) {
    lines.push({ text: `Error (attempt ${e.attempt}): ${e.message}`, color: theme.bad, bold: true });
    for (const s of (e.stack ?? '').split('\n').slice(1, 3)) lines.push({ text: `  ${s.trim()}`, color: theme.bad });
  }
  return (
    <Box flexDirection="column">
      {lines.slice(0, height).map((l, i) => (
        <Text key={i} wrap="truncate" color={l.color} bold={l.bold === true}>{fit(l.text, width)}</Text>
      ))}
    </Box>
  );
}

export default memo(TrialDetail);

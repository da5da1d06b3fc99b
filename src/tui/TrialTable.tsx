import { memo } from 'react';
import { Box, Text } from 'ink';
import type { TrialRecord } from '../experiment/store/store.js';
import { duration, fit, kb, paramsSummary, pct, trialSeconds } from './format.js';
import { useTheme } from './theme.js';

export type Props = {
  /** Only the rows on screen: the caller slices, so thousands of trials cost nothing here. */
  readonly rows: readonly TrialRecord[];
  /** Index of the first row in the whole sorted, filtered list. */
  readonly top: number;
  /** Rows in the whole list. */
  readonly count: number;
  /** Index of the selected row in the whole list. */
  readonly selected: number;
  /** Ids of the trials on the Pareto front, marked `◆`. */
  readonly front: ReadonlySet<number>;
  readonly sortLabel: string;
  readonly filterLabel: string;
  /** Unix seconds, for running trials' time. */
  readonly now: number;
  readonly width: number;
};

// Fixed columns; the parameters take what is left of the width.
const FIXED = { mark: 2, id: 6, state: 14, acc: 8, sparsity: 7, size: 9, time: 7 };
const FIXED_WIDTH = Object.values(FIXED).reduce((a, b) => a + b, 0);

/** A title line, a column header and the visible rows; the selected row is marked `▸` and bold. */
function TrialTable({ rows, top, count, selected, front, sortLabel, filterLabel, now, width }: Props) {
  const theme = useTheme();
  const paramsWidth = Math.max(0, width - FIXED_WIDTH);
  const range = count === 0 ? 'none' : `${top + 1}–${top + rows.length} of ${count}`;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate" bold>{fit(`Trials ${range} · sort: ${sortLabel} · filter: ${filterLabel}`, width)}</Text>
      <Text wrap="truncate" dimColor>
        {fit('', FIXED.mark)}{fit('id', FIXED.id)}{fit('state', FIXED.state)}{fit('params', paramsWidth)}
        {fit('acc', FIXED.acc, 'right')}{fit('spars', FIXED.sparsity, 'right')}{fit('size', FIXED.size, 'right')}{fit('time', FIXED.time, 'right')}
      </Text>
      {rows.map((t, i) => {
        const isSelected = top + i === selected;
        return (
          <Text key={t.id} wrap="truncate" bold={isSelected} inverse={isSelected && theme.accent !== undefined}>
            {isSelected ? '▸ ' : '  '}
            {fit(`${front.has(t.id) ? '◆' : ''}#${t.number}`, FIXED.id)}
            <Text color={theme.state[t.state]}>{fit(t.state, FIXED.state)}</Text>
            {fit(paramsSummary(t.params), paramsWidth)}
            {fit(pct(t.metrics.accuracy), FIXED.acc, 'right')}
            {fit(pct(t.metrics.sparsity).replace(/\.\d+%/, '%'), FIXED.sparsity, 'right')}
            {fit(kb(t.metrics.gzipBytes), FIXED.size, 'right')}
            {fit(duration(trialSeconds(t, now)), FIXED.time, 'right')}
          </Text>
        );
      })}
    </Box>
  );
}

export default memo(TrialTable);

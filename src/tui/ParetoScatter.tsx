import { memo } from 'react';
import { Box, Text } from 'ink';
import type { TrialRecord } from '../experiment/store/store.js';
import { fit, kb, pct } from './format.js';
import { rangeOf, scatter } from './plot.js';

export type Props = {
  /** Finished trials with an accuracy and a size. */
  readonly trials: readonly TrialRecord[];
  /** Ids of the Pareto-front trials, drawn `◆`. */
  readonly front: ReadonlySet<number>;
  /** Lines of the plot area (plus a title line and an axis line). */
  readonly height: number;
  readonly width: number;
};

const GUTTER = 8;

/** Accuracy (up) against gzipped size (right); the Pareto front is what no trial beats on both. */
function ParetoScatter({ trials, front, height, width }: Props) {
  const plotWidth = Math.max(1, width - GUTTER);
  const points = trials.map((t) => ({ x: t.metrics.gzipBytes!, y: t.metrics.accuracy!, marked: front.has(t.id) }));
  const x = rangeOf(points.map((p) => p.x));
  const y = rangeOf(points.map((p) => p.y));
  const grid = scatter(points, plotWidth, height, x, y);
  const empty = points.length === 0;
  const axis = empty ? '' : `${kb(x.min)}${fit(kb(x.max), Math.max(0, plotWidth - kb(x.min).length - 2), 'right')}`;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate" bold>{fit('Accuracy × size  (◆ Pareto front)', width)}</Text>
      {grid.map((line, row) => {
        const label = empty ? '' : row === 0 ? pct(y.max) : row === height - 1 ? pct(y.min) : '';
        return <Text key={row} wrap="truncate">{fit(label, GUTTER - 1, 'right')}│{line}</Text>;
      })}
      <Text wrap="truncate" dimColor>{fit(`${' '.repeat(GUTTER - 1)}└ ${axis}`, width)}</Text>
    </Box>
  );
}

export default memo(ParetoScatter);

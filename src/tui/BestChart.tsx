import { memo } from 'react';
import { Box, Text } from 'ink';
import { barChart, rangeOf } from './plot.js';
import { fit } from './format.js';

export type Props = {
  /** Best objective after each finished feasible trial. */
  readonly curve: readonly number[];
  /** Formats an objective value for the axis (a ratio, a percentage). */
  readonly format: (value: number) => string;
  /** Lines of the plot area (plus a title line and an axis line). */
  readonly height: number;
  readonly width: number;
};

const GUTTER = 8;

/** Best-so-far objective as eighth-block bars, one column per finished trial (bucketed when many). */
function BestChart({ curve, format, height, width }: Props) {
  const plotWidth = Math.max(1, width - GUTTER);
  const range = rangeOf(curve);
  const plot = curve.length === 0 ? Array<string>(height).fill('') : barChart(curve, plotWidth, height, range);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate" bold>{fit('Best objective so far', width)}</Text>
      {plot.map((line, row) => {
        const label = curve.length === 0 ? '' : row === 0 ? format(range.max) : row === height - 1 ? format(range.min) : '';
        return <Text key={row} wrap="truncate">{fit(label, GUTTER - 1, 'right')}│{fit(line, plotWidth)}</Text>;
      })}
      <Text wrap="truncate" dimColor>{fit(`${' '.repeat(GUTTER - 1)}└ ${curve.length} feasible trials finished`, width)}</Text>
    </Box>
  );
}

export default memo(BestChart);

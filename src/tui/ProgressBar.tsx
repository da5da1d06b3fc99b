import { memo } from 'react';
import { Text } from 'ink';
import { useTheme } from './theme.js';

export type Props = {
  /** Epochs finished. */
  readonly done: number;
  /** Epochs in all. */
  readonly total: number;
  /** Columns of the bar itself. */
  readonly width: number;
};

/** A fixed-width bar: `█` per finished fraction, `░` for the rest. */
function ProgressBar({ done, total, width }: Props) {
  const theme = useTheme();
  const filled = total <= 0 ? width : Math.round((Math.min(done, total) / total) * width);
  return (
    <Text>
      <Text color={theme.good}>{'█'.repeat(filled)}</Text>
      <Text dimColor>{'░'.repeat(width - filled)}</Text>
    </Text>
  );
}

export default memo(ProgressBar);

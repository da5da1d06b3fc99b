import { memo } from 'react';
import { Text } from 'ink';
import { fit } from './format.js';
import { useTheme } from './theme.js';

export type Props = {
  /** A notice (exported, read-only, an error) shown instead of the key hints. */
  readonly message: string | undefined;
  /** The quit question is open. */
  readonly asking: boolean;
  readonly readOnly: boolean;
  readonly width: number;
};

/** The last line: the quit question, a notice, or the key hints. */
function KeyBar({ message, asking, readOnly, width }: Props) {
  const theme = useTheme();
  if (asking) {
    return <Text wrap="truncate" bold color={theme.warn}>{fit('Quit? [s]top the search · [c]ancel running trials · [l]eave it running · Esc back', width)}</Text>;
  }
  if (message !== undefined) return <Text wrap="truncate" color={theme.accent}>{fit(message, width)}</Text>;
  const hints = `↑↓ select · ⏎ detail · s sort · f filter · ${readOnly ? '' : 'p pause · '}e export · q quit · ? help`;
  return <Text wrap="truncate" dimColor>{fit(hints, width)}</Text>;
}

export default memo(KeyBar);

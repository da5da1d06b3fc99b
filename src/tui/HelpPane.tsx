import { memo } from 'react';
import { Box, Text } from 'ink';
import { fit } from './format.js';

export type Props = {
  /** `squish watch`: p does nothing and q just quits. */
  readonly readOnly: boolean;
  readonly height: number;
  readonly width: number;
};

/** The keys, one per line. */
function HelpPane({ readOnly, height, width }: Props) {
  const keys: Array<[string, string]> = [
    ['↑ ↓ PgUp PgDn Home End', 'select a trial'],
    ['Enter', 'show or hide the selected trial\'s details'],
    ['s', 'sort by the next column'],
    ['f', 'filter by the next state'],
    ['p', readOnly ? '(watching: pause from the terminal running the search)' : 'pause or resume scheduling new trials'],
    ['e', 'export the selected trial\'s model to ./<experiment>-trial-<n>'],
    ['q', readOnly ? 'quit the viewer (the search goes on)' : 'quit: stop the search, or leave it running with plain log lines'],
    ['?', 'this help; Esc goes back'],
  ];
  return (
    <Box flexDirection="column">
      <Text bold>Keys</Text>
      {keys.slice(0, Math.max(0, height - 1)).map(([k, what]) => (
        <Text key={k} wrap="truncate">{fit(`  ${k}`, 26)}{fit(what, width - 26)}</Text>
      ))}
    </Box>
  );
}

export default memo(HelpPane);

import { memo } from 'react';
import { Box, Text } from 'ink';
import type { TrialRecord } from '../experiment/store/store.js';
import { duration, fit, kb, pct } from './format.js';
import { useTheme } from './theme.js';

export type Props = {
  readonly name: string;
  readonly tuner: string;
  readonly backend: string;
  /** `running`, `paused`, `stopping`, `finished`, … shown after the backend. */
  readonly status: string;
  /** Seconds since the experiment was created (to its end once finished). */
  readonly elapsed: number;
  /** Seconds left by the trials' pace or the time budget; undefined until a trial has finished. */
  readonly eta: number | undefined;
  /** Trials finished (complete, early-stopped or failed). */
  readonly done: number;
  readonly maxTrials: number;
  readonly best: TrialRecord | undefined;
  /** The dense model's gzipped bytes, for the compression ratio. */
  readonly baselineBytes: number | undefined;
  readonly width: number;
};

/** Two lines: what is searched and how, then how far along it is and the best trial so far. */
function Header({ name, tuner, backend, status, elapsed, eta, done, maxTrials, best, baselineBytes, width }: Props) {
  const theme = useTheme();
  const ratio = best?.metrics.gzipBytes && baselineBytes ? ` · ${(baselineBytes / best.metrics.gzipBytes).toFixed(1)}× smaller` : '';
  const bestText = best === undefined ? 'best: none feasible yet' : `best: #${best.number} ${pct(best.metrics.accuracy)} · ${kb(best.metrics.gzipBytes)}${ratio}`;
  const progress = `${duration(elapsed)} elapsed · ETA ${eta === undefined ? '–' : duration(eta)} · trials ${done}/${maxTrials} · `;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold color={theme.accent}>squish</Text>
        {fit(` ${name} · tuner ${tuner} · backend ${backend} · `, Math.max(0, width - 6 - status.length))}
        <Text bold color={status === 'running' ? theme.good : theme.warn}>{status}</Text>
      </Text>
      <Text wrap="truncate">{fit(progress + bestText, width)}</Text>
    </Box>
  );
}

export default memo(Header);

import { memo } from 'react';
import { Box, Text } from 'ink';
import type { TrialRecord } from '../experiment/store/store.js';
import type { EpochProgress } from './feed.js';
import { duration, fit, paramsSummary, pct, trialSeconds } from './format.js';
import ProgressBar from './ProgressBar.js';

export type Props = {
  readonly trials: readonly TrialRecord[];
  /** Latest epoch of each running trial, by id. */
  readonly progress: ReadonlyMap<number, EpochProgress>;
  /** Fine-tuning epochs per trial. */
  readonly epochs: number;
  /** Lines available; trials beyond them are counted on the last line. */
  readonly lines: number;
  /** Unix seconds, for the running time. */
  readonly now: number;
  readonly width: number;
};

const BAR = 12;

/** One line per running trial: epoch bar, latest accuracy, time so far, parameters. */
function RunningTrials({ trials, progress, epochs, lines, now, width }: Props) {
  const shown = trials.length > lines ? trials.slice(0, Math.max(0, lines - 1)) : trials;
  return (
    <Box flexDirection="column">
      {shown.map((t) => {
        const p = progress.get(t.id);
        const head = fit(`#${t.number}`, 6);
        const tail = ` ${p?.epochs ?? 0}/${epochs} acc ${pct(p?.accuracy)} ${duration(trialSeconds(t, now))} ${paramsSummary(t.params)}`;
        return (
          <Text key={t.id} wrap="truncate">
            {head}<ProgressBar done={p?.epochs ?? 0} total={epochs} width={BAR} />{fit(tail, width - head.length - BAR)}
          </Text>
        );
      })}
      {shown.length < trials.length && <Text dimColor>{fit(`… and ${trials.length - shown.length} more running`, width)}</Text>}
    </Box>
  );
}

export default memo(RunningTrials);

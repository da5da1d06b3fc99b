import { memo, useMemo } from 'react';
import { Box } from 'ink';
import type { ExperimentSpec } from '../experiment/spec.js';
import type { TrialRecord } from '../experiment/store/store.js';
import BestChart from './BestChart.js';
import type { Snapshot, TrialDetail as Detail } from './feed.js';
import { pct } from './format.js';
import Header from './Header.js';
import HelpPane from './HelpPane.js';
import KeyBar from './KeyBar.js';
import { layout } from './layout.js';
import ParetoScatter from './ParetoScatter.js';
import RunningTrials from './RunningTrials.js';
import TrialDetail from './TrialDetail.js';
import TrialTable from './TrialTable.js';

export type View = 'table' | 'detail' | 'help';

export type Props = {
  readonly snapshot: Snapshot;
  /** The trials after sorting and filtering. */
  readonly list: readonly TrialRecord[];
  /** Index of the selected trial in `list`. */
  readonly selected: number;
  /** Index in `list` of the table's first visible row. */
  readonly top: number;
  readonly sortLabel: string;
  readonly filterLabel: string;
  readonly view: View;
  /** The selected trial's epochs and errors, when the detail pane is open. */
  readonly detail: Detail | undefined;
  /** `running`, `paused`, `stopping`, `watching`, `finished`, `stopped`. */
  readonly status: string;
  readonly message: string | undefined;
  readonly asking: boolean;
  readonly readOnly: boolean;
  /** Unix seconds. */
  readonly now: number;
  readonly columns: number;
  readonly rows: number;
};

const FINISHED = new Set(['complete', 'early-stopped', 'failed']);

/** Seconds left: the pace of finished trials so far, capped by the time budget. */
function eta(spec: ExperimentSpec, elapsed: number, done: number): number | undefined {
  const byTrials = done === 0 ? undefined : (elapsed / done) * Math.max(0, spec.maxTrials - done);
  const byTime = spec.maxDuration === undefined ? undefined : Math.max(0, spec.maxDuration - elapsed);
  return byTrials === undefined ? byTime : byTime === undefined ? byTrials : Math.min(byTrials, byTime);
}

/** The whole screen, a pure function of the snapshot and the UI state. */
function Dashboard(props: Props) {
  const { snapshot, list, selected, top, view, columns, rows, now } = props;
  const { experiment, trials, progress } = snapshot;
  const spec = experiment.spec as ExperimentSpec;
  const running = useMemo(() => trials.filter((t) => t.state === 'running'), [trials]);
  const finished = useMemo(() => trials.filter((t) => FINISHED.has(t.state)), [trials]);
  const plotted = useMemo(() => finished.filter((t) => t.metrics.accuracy != null && t.metrics.gzipBytes != null), [finished]);
  const front = useMemo(() => new Set(snapshot.paretoFront.map((t) => t.id)), [snapshot.paretoFront]);
  const format = useMemo(() => (spec.objective.maximize === 'compression' ? (v: number) => `${(2 ** v).toFixed(2)}×` : pct), [spec.objective.maximize]);
  const box = layout(rows, running.length);
  const live = experiment.status === 'running';
  const elapsed = (live ? now : experiment.updatedAt) - experiment.createdAt;
  const half = Math.floor(columns / 2);
  const baselineBytes = (experiment.baseline?.gzipBytes as number | null | undefined) ?? undefined;

  let body;
  if (view === 'help') body = <HelpPane readOnly={props.readOnly} height={box.body} width={columns} />;
  else if (view === 'detail' && list[selected] !== undefined && props.detail !== undefined) {
    body = <TrialDetail trial={list[selected]!} detail={props.detail} now={now} height={box.body} width={columns} />;
  } else {
    body = (
      <Box flexDirection="column">
        <TrialTable rows={list.slice(top, top + box.tableRows)} top={top} count={list.length} selected={selected} front={front}
          sortLabel={props.sortLabel} filterLabel={props.filterLabel} now={now} width={columns} />
        {box.chart > 0 && (
          <Box flexDirection="row">
            <BestChart curve={snapshot.bestCurve} format={format} height={box.chart} width={half} />
            <ParetoScatter trials={plotted} front={front} height={box.chart} width={columns - half} />
          </Box>
        )}
      </Box>
    );
  }
  return (
    <Box flexDirection="column" width={columns}>
      <Header name={experiment.name} tuner={spec.tuner.algorithm} backend={spec.backend} status={props.status}
        elapsed={elapsed} eta={live ? eta(spec, elapsed, finished.length) : undefined} done={finished.length} maxTrials={spec.maxTrials}
        best={snapshot.best} baselineBytes={baselineBytes} width={columns} />
      {box.running > 0 && <RunningTrials trials={running} progress={progress} epochs={spec.epochs} lines={box.running} now={now} width={columns} />}
      <Box height={box.body} flexDirection="column" overflow="hidden">{body}</Box>
      <KeyBar message={props.message} asking={props.asking} readOnly={props.readOnly} width={columns} />
    </Box>
  );
}

export default memo(Dashboard);

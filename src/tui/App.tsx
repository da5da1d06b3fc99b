import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Key } from 'ink';
import { useApp, useInput, useStdout } from 'ink';
import { resolve } from 'node:path';
import { exportTrial } from '../cli/results.js';
import Dashboard, { type View } from './Dashboard.js';
import type { SearchFeed } from './feed.js';
import { layout } from './layout.js';
import { FILTERS, SORT_ORDERS, scrollTop, sortAndFilter } from './table.js';

/** What the UI may do to a search it runs; `squish watch` has none (read-only). */
export interface SearchControl {
  readonly paused: () => boolean;
  setPaused(paused: boolean): void;
  stop(running: 'finish' | 'cancel'): void;
}

/** How the UI ended: the user quit it, or chose to leave the search running without it. */
export type Outcome = 'quit' | 'detach';

export type Props = {
  readonly feed: SearchFeed;
  /** Calls back whenever the store may have changed: on each search event, or on each poll. */
  readonly subscribe: (onChange: () => void) => () => void;
  readonly control: SearchControl | undefined;
  /** The workspace database, whose artifact folder `e` exports from. */
  readonly dbFile: string;
};

const now = () => Date.now() / 1000;

/** The stateful shell: reads the feed on each change, keeps the selection, and handles the keys. */
export default function App({ feed, subscribe, control, dbFile }: Props) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [snapshot, setSnapshot] = useState(() => feed.refresh());
  const [paused, setPaused] = useState(() => control?.paused() ?? false);
  const [size, setSize] = useState({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [clock, setClock] = useState(now);
  const [sort, setSort] = useState(0);
  const [filter, setFilter] = useState(0);
  const [selectedId, setSelectedId] = useState<number | undefined>(undefined);
  const [view, setView] = useState<View>('table');
  const [asking, setAsking] = useState(false);
  const [stopping, setStopping] = useState(false);
  const [message, setMessage] = useState<string | undefined>(undefined);
  const top = useRef(0);

  useEffect(() => subscribe(() => {
    setSnapshot(feed.refresh());
    if (control !== undefined) setPaused(control.paused());
  }), [feed, subscribe, control]);
  useEffect(() => {
    const tick = setInterval(() => setClock(now()), 1000);
    return () => clearInterval(tick);
  }, []);
  useEffect(() => {
    const onResize = () => setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);

  const finished = snapshot.experiment.status !== 'running';
  // Once asked to stop, the UI has done its job when the search has.
  useEffect(() => {
    if (stopping && finished) exit('quit' satisfies Outcome);
  }, [stopping, finished, exit]);

  const list = useMemo(() => sortAndFilter(snapshot.trials, sort, filter), [snapshot.trials, sort, filter]);
  const found = list.findIndex((t) => t.id === selectedId);
  const selected = found >= 0 ? found : 0;
  const box = layout(size.rows, snapshot.trials.filter((t) => t.state === 'running').length);
  top.current = scrollTop(top.current, selected, box.tableRows, list.length);
  const selectedTrial = list[selected];
  const detail = useMemo(() => (view === 'detail' && selectedTrial !== undefined ? feed.detail(selectedTrial.id) : undefined),
    [view, selectedTrial, feed]);

  const select = (index: number) => setSelectedId(list[Math.max(0, Math.min(list.length - 1, index))]?.id);
  const stop = (running: 'finish' | 'cancel') => {
    control!.stop(running);
    setStopping(true);
    setMessage(running === 'finish' ? 'stopping: running trials will finish (Ctrl-C to cancel them)' : 'cancelling running trials (squish resume reruns them)');
  };

  // Keys can come faster than React re-subscribes a new handler: route them through a ref that
  // each render points at a handler closing over that render's state.
  const onKey = useRef<(input: string, key: Key) => void>(() => {});
  useInput(useCallback((input: string, key: Key) => onKey.current(input, key), []));
  onKey.current = (input, key) => {
    if (asking) {
      setAsking(false);
      if (input === 's') stop('finish');
      else if (input === 'c') stop('cancel');
      else if (input === 'l') exit('detach' satisfies Outcome);
      return;
    }
    setMessage(undefined);
    if (key.ctrl && input === 'c') {
      if (control === undefined || finished) exit('quit' satisfies Outcome);
      else stop(stopping ? 'cancel' : 'finish');
    } else if (input === 'q') {
      if (control === undefined || finished) exit('quit' satisfies Outcome);
      else setAsking(true);
    } else if (key.upArrow || input === 'k') select(selected - 1);
    else if (key.downArrow || input === 'j') select(selected + 1);
    else if (key.pageUp) select(selected - box.tableRows);
    else if (key.pageDown) select(selected + box.tableRows);
    else if (key.home) select(0);
    else if (key.end) select(list.length - 1);
    else if (key.return) setView(view === 'detail' ? 'table' : 'detail');
    else if (key.escape) setView('table');
    else if (input === '?') setView(view === 'help' ? 'table' : 'help');
    else if (input === 's') setSort((sort + 1) % SORT_ORDERS.length);
    else if (input === 'f') setFilter((filter + 1) % FILTERS.length);
    else if (input === 'p') {
      if (control === undefined) setMessage('watching read-only: pause from the terminal running the search');
      else if (finished) setMessage('the search has finished');
      else control.setPaused(!control.paused());
    } else if (input === 'e' && selectedTrial !== undefined) {
      try {
        const out = exportTrial(feed.store, dbFile, snapshot.experiment, selectedTrial, resolve(`${snapshot.experiment.name}-trial-${selectedTrial.number}`));
        setMessage(`exported trial ${out.trial} to ${out.out}`);
      } catch (err) {
        setMessage((err as Error).message);
      }
    }
  };

  const status = finished ? (snapshot.experiment.status === 'done' ? 'finished' : 'stopped')
    : control === undefined ? 'watching' : stopping ? 'stopping' : paused ? 'paused' : 'running';
  return (
    <Dashboard snapshot={snapshot} list={list} selected={selected} top={top.current} sortLabel={SORT_ORDERS[sort]!.label}
      filterLabel={FILTERS[filter]!} view={view} detail={detail} status={status} asking={asking}
      message={message ?? (finished && control !== undefined ? 'the search has finished: q prints its summary and exits' : undefined)}
      readOnly={control === undefined} now={clock} columns={size.columns} rows={size.rows} />
  );
}

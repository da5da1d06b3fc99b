/**
 * Where the terminal UI meets the command line: the live view of a search this process runs, the
 * read-only view of one another process runs (`squish watch`), and a single frame for pipes.
 */
import type { ReactElement } from 'react';
import { render, renderToString } from 'ink';
import type { Search } from '../experiment/orchestrator.js';
import type { Store } from '../experiment/store/store.js';
import App, { type Outcome } from './App.js';
import ErrorBoundary from './ErrorBoundary.js';
import { SearchFeed } from './feed.js';
import { ThemeContext, themeFor, type Theme } from './theme.js';

export interface Terminal {
  readonly stdout: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
}

/** How often `squish watch` reads the store. */
const WATCH_INTERVAL_MS = 500;

export interface Mounted {
  /** Resolves when the user quits or detaches. */
  readonly outcome: Promise<Outcome>;
  /** Takes the UI down (when the search failed under it). */
  close(): void;
}

function mount(app: ReactElement, terminal: Terminal, theme: Theme): Mounted {
  let failed = false;
  const instance = render(
    <ThemeContext.Provider value={theme}>
      <ErrorBoundary onError={() => { failed = true; instance.unmount(); }}>{app}</ErrorBoundary>
    </ThemeContext.Provider>,
    { stdout: terminal.stdout, stdin: terminal.stdin, exitOnCtrlC: false },
  );
  // A failed view leaves the search running with plain lines, as if the user had chosen to.
  const outcome = instance.waitUntilExit().then((value) => (failed ? 'detach' : ((value as Outcome | undefined) ?? 'quit')));
  return { outcome, close: () => instance.unmount() };
}

/** The live view of `search`, which this process runs. */
export function showSearch(search: Search, dbFile: string, terminal: Terminal, env = process.env): Mounted {
  const control = { paused: () => search.paused, setPaused: (p: boolean) => search.setPaused(p), stop: (r: 'finish' | 'cancel') => search.stop(r) };
  const subscribe = (onChange: () => void) => search.on(onChange);
  return mount(<App feed={new SearchFeed(search.store, search.experiment.id)} subscribe={subscribe} control={control} dbFile={dbFile} />, terminal, themeFor(env));
}

function poll(onChange: () => void): () => void {
  const timer = setInterval(onChange, WATCH_INTERVAL_MS);
  return () => clearInterval(timer);
}

/** The read-only view of an experiment another process may be running, read from `store`. */
export async function watchSearch(store: Store, experimentId: number, dbFile: string, terminal: Terminal, env = process.env): Promise<void> {
  await mount(<App feed={new SearchFeed(store, experimentId)} subscribe={poll} control={undefined} dbFile={dbFile} />, terminal, themeFor(env)).outcome;
}

/** One uncoloured frame of the watch view, `columns` wide (for pipes and logs). */
export function watchFrame(store: Store, experimentId: number, dbFile: string, columns: number): string {
  return renderToString(
    <ThemeContext.Provider value={themeFor({ NO_COLOR: '1' })}>
      <App feed={new SearchFeed(store, experimentId)} subscribe={poll} control={undefined} dbFile={dbFile} />
    </ThemeContext.Provider>,
    { columns },
  );
}

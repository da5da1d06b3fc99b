/** Renders the terminal UI with ink-testing-library over a synthetic store, and presses keys. */
import { setTimeout as delay } from 'node:timers/promises';
import { render } from 'ink-testing-library';
import App, { type SearchControl } from '../../src/tui/App.js';
import { SearchFeed } from '../../src/tui/feed.js';
import { ThemeContext, themeFor } from '../../src/tui/theme.js';
import type { Fixture } from './store-fixture.js';

export const KEYS = { up: '\u001B[A', down: '\u001B[B', enter: '\r', escape: '\u001B', pageDown: '\u001B[6~', end: '\u001B[F', home: '\u001B[H' } as const;

export interface Harness {
  /** The last frame, lines with trailing spaces removed. */
  frame(): string;
  press(...keys: string[]): Promise<void>;
  resize(columns: number, rows: number): Promise<void>;
  /** Tells the UI the store changed, as a search event or a poll would. */
  notify(): Promise<void>;
  unmount(): void;
}

export async function mountApp(fixture: Fixture, { control, env = {} }: { control?: SearchControl; env?: NodeJS.ProcessEnv } = {}): Promise<Harness> {
  const listeners = new Set<() => void>();
  const subscribe = (l: () => void) => {
    listeners.add(l);
    return () => void listeners.delete(l);
  };
  const ui = render(
    <ThemeContext.Provider value={themeFor(env)}>
      <App feed={new SearchFeed(fixture.store, fixture.experimentId)} subscribe={subscribe} control={control} dbFile={fixture.dbFile} />
    </ThemeContext.Provider>,
  );
  // Ink reads the size from stdout; ink-testing-library's is 100 columns and has no rows.
  const size = { columns: 100, rows: 24 };
  Object.defineProperty(ui.stdout, 'columns', { get: () => size.columns });
  Object.defineProperty(ui.stdout, 'rows', { get: () => size.rows });
  // Until the UI has drawn a new frame (or a second has passed: the key changed nothing), then a
  // little longer for the renders it triggered; fixed delays flake on a loaded machine.
  const settle = async () => {
    const before = ui.frames.length;
    const deadline = Date.now() + 1000;
    while (ui.frames.length === before && Date.now() < deadline) await delay(5);
    await delay(15);
  };
  await delay(50); // until the input handler is subscribed
  return {
    frame: () => (ui.lastFrame() ?? '').split('\n').map((l) => l.trimEnd()).join('\n'),
    async press(...keys) {
      for (const k of keys) {
        ui.stdin.write(k);
        await settle();
      }
    },
    async resize(columns, rows) {
      Object.assign(size, { columns, rows });
      ui.stdout.emit('resize');
      await settle();
    },
    async notify() {
      for (const l of listeners) l();
      await settle();
    },
    unmount: () => ui.unmount(),
  };
}

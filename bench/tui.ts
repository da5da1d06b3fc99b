/**
 * Redraw time of the terminal UI over a store of 2,000 trials × 30 epochs (issue 7's bar: ≤ 100 ms).
 * A redraw is what follows a search event or a key: the incremental store read plus Ink's render of
 * the 80×24 frame. Store writes (the orchestrator's work) are outside the timings. Prints JSON.
 *
 *   npx tsc -p . && node dist/bench/tui.js [--trials 2000] [--epochs 30] [--runs 25]
 */
import { createElement } from 'react';
import { parseArgs } from 'node:util';
import { setImmediate as tick } from 'node:timers/promises';
import { render } from 'ink-testing-library';
import App from '../src/tui/App.js';
import { SearchFeed } from '../src/tui/feed.js';
import { ThemeContext, themeFor } from '../src/tui/theme.js';
import { fixtureStore } from '../test/tui/store-fixture.js';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '2000' }, epochs: { type: 'string', default: '30' }, runs: { type: 'string', default: '25' } } });
const [TRIALS, EPOCHS, RUNS] = [Number(values.trials), Number(values.epochs), Number(values.runs)];
const BUDGET_MS = 100;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let start = performance.now();
const fixture = fixtureStore({ trials: TRIALS, epochs: EPOCHS, running: 4 });
const setupSeconds = (performance.now() - start) / 1000;
const { store, experimentId, dbFile } = fixture;

const listeners = new Set<() => void>();
const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => void listeners.delete(l);
};
start = performance.now();
const ui = render(createElement(ThemeContext.Provider, { value: themeFor(process.env) },
  createElement(App, { feed: new SearchFeed(store, experimentId), subscribe, control: undefined, dbFile })));
const firstFrameMs = performance.now() - start;
const size = { columns: 80, rows: 24 };
Object.defineProperty(ui.stdout, 'columns', { get: () => size.columns });
Object.defineProperty(ui.stdout, 'rows', { get: () => size.rows });
ui.stdout.emit('resize');
await tick();

/** Milliseconds from `action` to the next frame Ink writes. */
async function redraw(action: () => void): Promise<number> {
  const before = ui.frames.length;
  const t = performance.now();
  action();
  while (ui.frames.length === before) await tick();
  return performance.now() - t;
}
const notify = () => { for (const l of listeners) l(); };

const running = store.trials(experimentId).filter((t) => t.state === 'running');
const samples = { epoch: [] as number[], finished: [] as number[], key: [] as number[], detail: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  // A running trial reports an epoch.
  const r = running[i % running.length]!;
  store.recordEpoch(r.id, EPOCHS + i, { accuracy: 0.5 + i / 1000 });
  samples.epoch.push(await redraw(notify));
  // A new trial runs and finishes: the Pareto front and best-so-far curve are recomputed.
  const t = store.addTrial(experimentId, TRIALS + i, { pruning: 'level', 'pruning/level/conv': 0.5 });
  store.startTrial(t.id, null);
  store.finishTrial(t.id, { state: 'complete', objective: 1, objectives: [0.9, 20_000], feasible: true, metrics: { accuracy: 0.9, gzipBytes: 20_000 - i, sparsity: 0.5 } });
  samples.finished.push(await redraw(notify));
  // ↓ moves the selection; Enter opens (or closes) the detail pane with its 30-epoch curve.
  samples.key.push(await redraw(() => ui.stdin.write('\u001B[B')));
  samples.detail.push(await redraw(() => ui.stdin.write('\r')));
}
ui.unmount();
store.close();

const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Number(median(v).toFixed(2))])) as Record<keyof typeof samples, number>;
console.log(JSON.stringify({
  bench: 'tui-redraw', trials: TRIALS, epochsPerTrial: EPOCHS, terminal: '80x24', runs: RUNS, setupSeconds: Number(setupSeconds.toFixed(1)),
  firstFrameMs: Number(firstFrameMs.toFixed(1)), medianRedrawMs: medians, maxRedrawMs: Number(Math.max(...Object.values(samples).flat()).toFixed(2)),
  budgetMs: BUDGET_MS, withinBudget: Object.values(medians).every((m) => m <= BUDGET_MS),
}));

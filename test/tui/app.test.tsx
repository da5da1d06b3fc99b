/** The terminal UI's frames over synthetic stores: header, table, sorting, filtering, scrolling, detail, keys, sizes. */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanup, render } from 'ink-testing-library';
import { artifactRoot } from '../../src/experiment/orchestrator.js';
import ErrorBoundary from '../../src/tui/ErrorBoundary.js';
import { KEYS, mountApp } from './harness.js';
import { fixtureState, fixtureStore } from './store-fixture.js';

// A failed assertion must not leave a UI (its clock, its stdin listener) keeping the process alive.
afterEach(cleanup);

const rowNumbers = (frame: string) => [...frame.matchAll(/^[▸ ] [◆ ]?#(\d+)\s/gm)].map((m) => Number(m[1]));

test('header and table: experiment, tuner, backend, progress, best trial, running trials and the first rows', async () => {
  const fixture = fixtureStore({ trials: 40, epochs: 3, running: 2 });
  const ui = await mountApp(fixture);
  await ui.resize(80, 24);
  const frame = ui.frame();
  const lines = frame.split('\n');
  assert.match(lines[0]!, /^squish fixture · tuner tpe · backend wasm · +watching$/);
  assert.match(lines[1]!, /elapsed · ETA \S+ · trials 38\/50 · best: #\d+ \d+\.\d\d% · [\d.]+ KB · [\d.]+× smaller/);
  assert.match(lines[2]!, /^#38 +████░{8} 1\/3 acc \d+\.\d\d%/);
  assert.match(lines[3]!, /^#39 /);
  assert.match(frame, /Trials 1–9 of 40 · sort: number · filter: all/);
  assert.deepEqual(rowNumbers(frame), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.match(frame, /^▸ ◆#0 +complete +level conv=0 fc=0 +95\.00% +0% +39\.1 KB/m);
  assert.match(frame, /^ {2}#3 +failed +level conv=\.21 fc=\.87 +– +– +–/m);
  assert.match(frame, /Best objective so far/);
  assert.match(frame, /Accuracy × size {2}\(◆ Pareto front\)/);
  ui.unmount();
  fixture.store.close();
});

test('80×24: every line fits 80 columns and the frame leaves the last terminal line free', async () => {
  const fixture = fixtureStore({ trials: 60, epochs: 2, running: 3 });
  const ui = await mountApp(fixture);
  await ui.resize(80, 24);
  for (const view of [[], [KEYS.enter], [KEYS.escape, '?']]) {
    await ui.press(...view);
    const lines = ui.frame().split('\n');
    assert.ok(lines.length <= 23, `${lines.length} lines`);
    for (const l of lines) assert.ok([...l].length <= 80, `${[...l].length} columns: ${l}`);
  }
  ui.unmount();
  fixture.store.close();
});

test('a resize redraws to the new width and height', async () => {
  const fixture = fixtureStore({ trials: 60, epochs: 2 });
  const ui = await mountApp(fixture);
  await ui.resize(120, 40);
  const tall = rowNumbers(ui.frame()).length;
  await ui.resize(60, 16);
  const lines = ui.frame().split('\n');
  for (const l of lines) assert.ok([...l].length <= 60, l);
  assert.ok(lines.length <= 15);
  assert.ok(rowNumbers(ui.frame()).length < tall, 'a shorter terminal shows fewer rows');
  assert.doesNotMatch(ui.frame(), /Best objective/, 'no room for charts in 16 rows');
  ui.unmount();
  fixture.store.close();
});

test('s sorts by the next column: accuracy descending, then size ascending', async () => {
  const fixture = fixtureStore({ trials: 40, epochs: 2 });
  const trials = fixture.store.trials(fixture.experimentId);
  const ui = await mountApp(fixture);
  await ui.press('s');
  assert.match(ui.frame(), /sort: accuracy ↓/);
  const byAccuracy = trials.filter((t) => t.metrics.accuracy != null).sort((a, b) => b.metrics.accuracy! - a.metrics.accuracy! || a.number - b.number);
  const shown = rowNumbers(ui.frame()).length;
  assert.ok(shown >= 9, `${shown} rows`);
  assert.deepEqual(rowNumbers(ui.frame()), byAccuracy.slice(0, shown).map((t) => t.number));
  await ui.press('s');
  assert.match(ui.frame(), /sort: size ↑/);
  const bySize = trials.filter((t) => t.metrics.gzipBytes != null).sort((a, b) => a.metrics.gzipBytes! - b.metrics.gzipBytes! || a.number - b.number);
  assert.deepEqual(rowNumbers(ui.frame()), bySize.slice(0, shown).map((t) => t.number));
  ui.unmount();
  fixture.store.close();
});

test('f filters by state, one state at a time, and back to all', async () => {
  const fixture = fixtureStore({ trials: 40, epochs: 2, running: 1 });
  const ui = await mountApp(fixture);
  const failed = Array.from({ length: 40 }, (_, i) => i).filter((i) => fixtureState(i, 40, 1) === 'failed');
  await ui.press('f', 'f', 'f', 'f'); // waiting, running, complete, failed
  assert.match(ui.frame(), new RegExp(`Trials 1–${failed.length} of ${failed.length} · sort: number · filter: failed`));
  assert.deepEqual(rowNumbers(ui.frame()), failed);
  await ui.press('f');
  assert.match(ui.frame(), /filter: early-stopped/);
  assert.ok(rowNumbers(ui.frame()).every((n) => fixtureState(n, 40, 1) === 'early-stopped'));
  await ui.press('f', 'f');
  assert.match(ui.frame(), /Trials 1–\d+ of 40 · sort: number · filter: all/);
  ui.unmount();
  fixture.store.close();
});

test('scrolling through 300 trials renders only the visible rows and keeps the selection on screen', async () => {
  const fixture = fixtureStore({ trials: 300, epochs: 1 });
  const ui = await mountApp(fixture);
  await ui.resize(80, 24);
  const height = rowNumbers(ui.frame()).length;
  assert.ok(height >= 9 && height < 20, `${height} rows`);
  await ui.press(KEYS.end);
  assert.match(ui.frame(), new RegExp(`Trials ${301 - height}–300 of 300`));
  assert.deepEqual(rowNumbers(ui.frame()), Array.from({ length: height }, (_, i) => 300 - height + i));
  assert.match(ui.frame(), /^▸ [◆ ]?#299 /m);
  await ui.press(KEYS.home, KEYS.pageDown, KEYS.down);
  assert.match(ui.frame(), new RegExp(`^▸ [◆ ]?#${height + 1} `, 'm'));
  assert.match(ui.frame(), new RegExp(`Trials 3–${height + 2} of 300`));
  await ui.press(KEYS.up, KEYS.up, KEYS.up);
  assert.match(ui.frame(), new RegExp(`^▸ [◆ ]?#${height - 2} `, 'm'));
  assert.match(ui.frame(), new RegExp(`Trials 3–${height + 2} of 300`), 'moving inside the window does not scroll');
  ui.unmount();
  fixture.store.close();
});

test('Enter opens the detail pane: config list, per-epoch accuracy, and the error of a failed trial', async () => {
  const fixture = fixtureStore({ trials: 12, epochs: 3 });
  const ui = await mountApp(fixture);
  await ui.press(KEYS.down, KEYS.enter);
  let frame = ui.frame();
  assert.match(frame, /Trial #1 · complete · attempt 1/);
  assert.match(frame, /accuracy 94\.64% · sparsity 33\.00% · 26\.2 KB gzipped · objective /);
  assert.match(frame, /pruning: level\n +conv: sparsity 0\.370\n +fc: sparsity 0\.290/);
  assert.match(frame, /Accuracy per epoch \(3\)\n[\s\S]*74\.64% 84\.64% 87\.97%/);
  await ui.press(KEYS.down, KEYS.down);
  frame = ui.frame();
  assert.match(frame, /Trial #3 · failed/);
  assert.match(frame, /Error \(attempt 1\): boom in trial 3\n +at runTrial \(runner\.js:10:5\)/);
  await ui.press(KEYS.enter);
  assert.match(ui.frame(), /Trials 1–\d+ of 12/);
  ui.unmount();
  fixture.store.close();
});

test('new trials appear on the next change; p pauses through the control; q asks before stopping', async () => {
  const fixture = fixtureStore({ trials: 5, epochs: 2 });
  const calls: string[] = [];
  let paused = false;
  const control = {
    paused: () => paused,
    setPaused: (p: boolean) => { paused = p; calls.push(`paused ${p}`); },
    stop: (mode: 'finish' | 'cancel') => void calls.push(`stop ${mode}`),
  };
  const ui = await mountApp(fixture, { control });
  assert.match(ui.frame(), /Trials 1–5 of 5/);
  const added = fixture.store.addTrial(fixture.experimentId, 5, { pruning: 'level', 'pruning/level/conv': 0.5 });
  fixture.store.startTrial(added.id, null);
  fixture.store.recordEpoch(added.id, 0, { accuracy: 0.875 });
  await ui.notify();
  assert.match(ui.frame(), /^#5 +██████░{6} 1\/2 acc 87\.50%/m);
  assert.match(ui.frame(), /Trials 1–6 of 6/);
  await ui.press('p');
  await ui.notify();
  assert.deepEqual(calls, ['paused true']);
  assert.match(ui.frame().split('\n')[0]!, /paused$/);
  await ui.press('q');
  assert.match(ui.frame(), /Quit\? \[s\]top the search · \[c\]ancel running trials · \[l\]eave it running · Esc back/);
  await ui.press(KEYS.escape);
  assert.doesNotMatch(ui.frame(), /Quit\?/);
  await ui.press('q', 's');
  assert.deepEqual(calls, ['paused true', 'stop finish']);
  assert.match(ui.frame().split('\n')[0]!, /stopping$/);
  ui.unmount();
  fixture.store.close();
});

test('watching is read-only: p explains, ? lists the keys', async () => {
  const fixture = fixtureStore({ trials: 5, epochs: 2 });
  const ui = await mountApp(fixture);
  await ui.press('p');
  assert.match(ui.frame(), /watching read-only: pause from the terminal running the search/);
  await ui.press('?');
  assert.match(ui.frame(), /q +quit the viewer \(the search goes on\)/);
  ui.unmount();
  fixture.store.close();
});

test('e exports the selected trial\'s model beside the current directory, or says why it cannot', async () => {
  const fixture = fixtureStore({ trials: 3, epochs: 1 });
  const [first] = fixture.store.trials(fixture.experimentId);
  const model = join(artifactRoot(fixture.dbFile), 'fixture', 'trial-0', 'model');
  mkdirSync(model, { recursive: true });
  writeFileSync(join(model, 'model.json'), '{"format":"layers-model"}');
  fixture.store.addArtifact(first!.id, 'model', join('fixture', 'trial-0', 'model'), 25);
  const cwd = mkdtempSync(join(tmpdir(), 'squish-tui-export-'));
  process.chdir(cwd);
  const ui = await mountApp(fixture);
  await ui.press('e');
  assert.match(ui.frame(), new RegExp(`exported trial 0 to ${join(cwd, 'fixture-trial-0')}`));
  assert.equal(readFileSync(join(cwd, 'fixture-trial-0', 'model.json'), 'utf8'), '{"format":"layers-model"}');
  await ui.press(KEYS.down, 'e');
  assert.match(ui.frame(), /trial 1 of fixture has no exported model \(its state is complete\)/);
  ui.unmount();
  fixture.store.close();
});

test('a view that throws shows the error instead of taking the process down, and tells its owner', async () => {
  const errors: string[] = [];
  const Broken = (): never => {
    throw new Error('boom in a view');
  };
  const ui = render(<ErrorBoundary onError={(e) => errors.push(e.message)}><Broken /></ErrorBoundary>);
  assert.match(ui.lastFrame()!, /The terminal UI failed: boom in a view/);
  assert.deepEqual(errors, ['boom in a view']);
  ui.unmount();
});

test('when the search has finished, the live view says so and p no longer pauses', async () => {
  const fixture = fixtureStore({ trials: 4, epochs: 1 });
  const calls: string[] = [];
  const ui = await mountApp(fixture, { control: { paused: () => false, setPaused: () => void calls.push('paused'), stop: () => void calls.push('stop') } });
  fixture.store.setExperimentStatus(fixture.experimentId, 'done');
  await ui.notify();
  assert.match(ui.frame().split('\n')[0]!, /finished$/);
  assert.match(ui.frame(), /the search has finished: q prints its summary and exits/);
  await ui.press('p');
  assert.match(ui.frame(), /the search has finished$/m);
  assert.deepEqual(calls, []);
  ui.unmount();
  fixture.store.close();
});

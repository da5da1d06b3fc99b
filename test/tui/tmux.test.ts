/**
 * End to end in a real pseudo-terminal: `squish search` on a tiny model inside tmux (80×24), keys
 * pressed as a user would, the screen read back with capture-pane; `squish watch` attaches from a
 * second window. Skipped where tmux is missing (.ci/run installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Store } from '../../src/experiment/store/store.js';
import { useTestBackend } from '../helpers/backend.js';
import { tinyWorkspace } from '../helpers/tiny.js';

const BIN = fileURLToPath(new URL('../../../bin/squish.js', import.meta.url));
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// A private tmux server, so the test never touches the user's sessions.
const SOCKET = `squish-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = (window: string) => tmux('capture-pane', '-p', '-t', window);

/** Polls the window until `pattern` is on screen; fails with the last screen after `seconds`. */
async function waitFor(window: string, pattern: RegExp, seconds = 60): Promise<string> {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    last = screen(window);
    if (pattern.test(last)) return last;
    await delay(100);
  }
  assert.fail(`${pattern} not on screen after ${seconds} s:\n${last}`);
}

async function press(window: string, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    tmux('send-keys', '-t', window, k);
    await delay(150);
  }
}

/** A tiny user model and data set, and an experiment of 8 trials of 3 epochs each, one at a time. */
async function workspace(): Promise<string> {
  await useTestBackend();
  const w = await tinyWorkspace('squish-tmux-', { train: 192, test: 24 });
  const dir = w.dir;
  writeFileSync(join(dir, 'exp.json'), JSON.stringify({
    name: 'tiny',
    model: { dir: w.model, trainImages: w.trainImages, trainLabels: w.trainLabels, testImages: w.testImages, testLabels: w.testLabels, loss: 'softmax-cross-entropy' },
    searchSpace: { pruning: { _type: 'choice', _value: [{ _name: 'level', conv: { _type: 'quniform', _value: [0.1, 0.9, 0.05] } }] } },
    maxTrials: 8, concurrency: 1, epochs: 3, backend: 'wasm', earlyStopping: { enabled: false },
  }));
  return dir;
}

test('squish search in tmux: live UI, pause, help, detail, squish watch from another window, then leave it running', { skip: !hasTmux && 'tmux is not installed' }, async () => {
  const dir = await workspace();
  const db = join(dir, 'squish.db');
  // Ink draws nothing live under CI=…, and the UI is what is tested here.
  const env = `env -u CI -u CONTINUOUS_INTEGRATION -u NO_COLOR SQUISH_CACHE_DIR=${join(dir, 'cache')} TERM=xterm-256color`;
  tmux('new-session', '-d', '-s', 'squish', '-x', '80', '-y', '24', `cd ${dir} && ${env} ${process.execPath} ${BIN} search exp.json --db ${db}; echo "SEARCH EXIT $?"; sleep 60`);
  try {
    let s = await waitFor('squish:0', /squish tiny · tuner tpe · backend wasm · +running/);
    assert.match(s, /Trials .* · sort: number · filter: all/);
    for (const line of s.split('\n')) assert.ok([...line].length <= 80, line);

    await waitFor('squish:0', /^#0 +[█░]+ \d\/3 acc/m);
    await press('squish:0', 'p');
    await waitFor('squish:0', /squish tiny · .* paused$/m, 10);
    // Paused, the running trial finishes and no next one starts. Trials take ~0.3 s, so one more may
    // have started before the key arrived: take the last on screen once the screen has settled.
    await delay(1500);
    const last = Math.max(...[...screen('squish:0').matchAll(/#(\d+) /g)].map((m) => Number(m[1])));
    s = await waitFor('squish:0', new RegExp(`#${last} +complete`));
    await delay(1500);
    assert.doesNotMatch(screen('squish:0'), new RegExp(`#${last + 1} `));

    await press('squish:0', '?');
    await waitFor('squish:0', /pause or resume scheduling new trials/, 10);
    await press('squish:0', 'Escape', 'Enter');
    s = await waitFor('squish:0', /Trial #0 · complete · attempt 1/, 10);
    assert.match(s, /Config list\n +pruning: level\n +conv: sparsity/);
    assert.match(s, /Accuracy per epoch \(3\)/);
    await press('squish:0', 'Enter');

    // A second terminal attaches read-only; q there quits only the viewer.
    tmux('new-window', '-t', 'squish', `cd ${dir} && ${env} ${process.execPath} ${BIN} watch tiny --db ${db}; echo "WATCH EXIT $?"; sleep 60`);
    s = await waitFor('squish:1', /squish tiny · .* watching$/m);
    assert.match(s, /#0 +complete/);
    await press('squish:1', 'p');
    await waitFor('squish:1', /watching read-only/, 10);
    await press('squish:1', 'q');
    await waitFor('squish:1', /WATCH EXIT 0/, 10);

    // Resume, then at once quit and leave it running: trials remain (8 of ~0.3 s each), so the
    // search must go on without the UI, in plain lines, to its end.
    await press('squish:0', 'p', 'q', 'l');
    s = await waitFor('squish:0', /SEARCH EXIT 0/, 120);
    assert.match(s, /trial 7 complete: accuracy/);
    assert.match(s, /search finished \(max-trials\)/);
    assert.match(s, /experiment tiny: 8 trials/);
  } finally {
    tmux('kill-server');
  }
  const store = Store.open(db, { readonly: true });
  const trials = store.trials(store.findOrThrowExperiment('tiny').id);
  store.close();
  assert.deepEqual(trials.map((t) => t.state), Array(8).fill('complete'));
});

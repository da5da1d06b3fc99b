/** Without a terminal there is no UI: `squish search` prints plain lines, `squish watch` one uncoloured frame. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { runSearch } from '../../src/cli/search.js';
import { Search } from '../../src/experiment/orchestrator.js';
import { parseExperiment } from '../../src/experiment/spec.js';
import { fixtureStore } from './store-fixture.js';

const RUNNER = new URL('../fixtures/runner.js', import.meta.url).href;
const ESCAPE = /\u001B\[/;

function output(isTTY: boolean): Writable & { isTTY: boolean; text: string } {
  const stream = Object.assign(new Writable({ write(chunk, _encoding, done) { stream.text += String(chunk); done(); } }), { isTTY, text: '' });
  return stream;
}

for (const [what, isTTY, noTui] of [['a pipe', false, false], ['--no-tui on a terminal', true, true]] as const) {
  test(`squish search to ${what}: plain event lines on stderr, the summary on stdout, no escapes`, async () => {
    const { dbFile } = fixtureStore({ trials: 0, epochs: 1, name: 'other' });
    const spec = parseExperiment({
      name: 'plain', epochs: 2, concurrency: 1, maxTrials: 3, earlyStopping: { enabled: false },
      searchSpace: { pruning: { _type: 'choice', _value: [{ _name: 'fixture', a: { _type: 'uniform', _value: [0, 0.9] } }] } },
    }, { baseDir: '.', defaultName: 'plain' });
    // The keyboard too is a terminal in the --no-tui case, so only the flag keeps the UI off.
    Object.defineProperty(process.stdin, 'isTTY', { value: isTTY, configurable: true });
    const io = { stdout: output(isTTY), stderr: output(isTTY) };
    const summary = await runSearch(Search.create(spec, { dbFile, runner: RUNNER }), io, { json: false, noTui, dbFile });
    assert.equal(summary.trials.length, 3);
    const lines = io.stderr.text.trim().split('\n');
    assert.equal(lines[0], 'starting experiment plain');
    assert.match(lines[1]!, /^dense model: accuracy 95\.00%/);
    assert.equal(lines.filter((l) => /^trial \d epoch [12]: accuracy/.test(l)).length, 6);
    assert.equal(lines.at(-1), 'search finished (max-trials)');
    assert.match(io.stdout.text, /^experiment plain: 3 trials, dense accuracy 95\.00%/);
    assert.doesNotMatch(io.stdout.text + io.stderr.text, ESCAPE);
  });
}

test('squish watch to a pipe prints one uncoloured 80-column frame and exits', async () => {
  const { dbFile, store } = fixtureStore({ trials: 30, epochs: 2, running: 2 });
  store.close();
  const io = { stdout: Object.assign(output(false), { columns: 80 }), stderr: output(false) };
  assert.equal(await main(['watch', 'fixture', '--db', dbFile], io), 0);
  const lines = io.stdout.text.trimEnd().split('\n');
  assert.match(lines[0]!, /^squish fixture · tuner tpe · backend wasm · +watching$/);
  assert.match(io.stdout.text, /Trials 1–\d+ of 30 · sort: number · filter: all/);
  assert.match(io.stdout.text, /^#28 +█/m);
  assert.ok(lines.length <= 23 && lines.every((l) => [...l].length <= 80));
  assert.doesNotMatch(io.stdout.text, ESCAPE);
});

test('squish watch names the experiments a database has when given another', async () => {
  const { dbFile, store } = fixtureStore({ trials: 1, epochs: 1 });
  store.close();
  const io = { stdout: output(false), stderr: output(false) };
  assert.equal(await main(['watch', 'nope', '--db', dbFile], io), 2);
  assert.match(io.stderr.text, /^squish watch: no experiment 'nope' in this database; it has: fixture\n$/);
});

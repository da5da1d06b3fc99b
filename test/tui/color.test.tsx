/** NO_COLOR: colours are on by default and all off with NO_COLOR; selection and the Pareto front keep their glyphs. */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';

// Ink's chalk decides once, at import, whether it may colour; the test's stdout is a pipe, so force it.
process.env.FORCE_COLOR = '1';
const { cleanup } = await import('ink-testing-library');
const { mountApp } = await import('./harness.js');
// A failed assertion must not leave a UI (its clock, its stdin listener) keeping the process alive.
afterEach(cleanup);
const { fixtureStore } = await import('./store-fixture.js');
const { themeFor } = await import('../../src/tui/theme.js');

const COLOUR = /\u001B\[(3[0-7]|9[0-7]|38;|4[0-7]|10[0-7])/;
const strip = (s: string) => s.replace(/\u001B\[[\d;]*m/g, '');

test('colours by default, none with NO_COLOR, and the same text either way', async () => {
  const fixture = fixtureStore({ trials: 12, epochs: 2, running: 1 });
  const coloured = await mountApp(fixture);
  const plain = await mountApp(fixture, { env: { NO_COLOR: '1' } });
  assert.match(coloured.frame(), COLOUR);
  assert.doesNotMatch(plain.frame(), COLOUR);
  assert.match(strip(plain.frame()), /^▸ ◆#0 +complete/m);
  const timeless = (frame: string) => strip(frame).replace(/\b\d+(m\d+)?s\b/g, 'Ns'); // the two clocks differ
  assert.equal(timeless(plain.frame()), timeless(coloured.frame()));
  coloured.unmount();
  plain.unmount();
  fixture.store.close();
});

test('an empty NO_COLOR does not count (no-color.org)', () => {
  assert.equal(themeFor({ NO_COLOR: '' }).accent, 'cyan');
  assert.equal(themeFor({ NO_COLOR: 'yes' }).accent, undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/errors.js';
import { createTuner, type Tuner, type TunerOptions } from '../../src/search/tuner.js';

const space = {
  opt: { _type: 'choice', _value: [{ _name: 'sgd', momentum: { _type: 'uniform', _value: [0, 0.99] } }, { _name: 'adam' }] },
  lr: { _type: 'loguniform', _value: [1e-5, 1] },
  layers: { _type: 'randint', _value: [1, 9] },
  ls: { _type: 'quniform', _value: [0, 0.3, 0.05] },
  width: { _type: 'qlognormal', _value: [4, 0.5, 8] },
  shift: { _type: 'normal', _value: [0, 2] },
  bits: { _type: 'choice', _value: [2, 4, 8] },
};
const objective = (p: Readonly<Record<string, unknown>>) =>
  Math.log10(p.lr as number) ** 2 / 10 + ((p.layers as number) - 4) ** 2 / 20 + (p.opt === 'sgd' ? 0.2 : 0) + (p.bits === 4 ? 0 : 0.1) + ((p.shift as number) - 1) ** 2 / 50;

const algorithms: readonly TunerOptions[] = [
  { algorithm: 'tpe', space }, { algorithm: 'tpe', space, tpe: { multivariate: true } },
  { algorithm: 'random', space }, { algorithm: 'anneal', space },
];

function run(options: TunerOptions, seed: number, n: number): Tuner {
  const tuner = createTuner({ ...options, seed });
  for (let i = 0; i < n; i++) {
    const s = tuner.suggest();
    tuner.report(s, objective(s.params));
  }
  return tuner;
}

test('every tuner: same seed ⇒ same suggestions, different seed ⇒ different', () => {
  for (const options of algorithms) {
    const params = (seed: number) => run(options, seed, 16).trials.map((t) => t.params);
    assert.deepEqual(params(1), params(1), options.algorithm);
    assert.notDeepEqual(params(1), params(2), options.algorithm);
  }
});

test('every tuner: a tuner rebuilt from stored trials makes the identical next suggestion', () => {
  for (const options of algorithms) {
    const original = run(options, 5, 14);
    const stored = JSON.parse(JSON.stringify(original.trials));
    const resumed = createTuner({ ...options, seed: 5, trials: stored });
    assert.deepEqual(resumed.suggest(), original.suggest(), options.algorithm);
  }
});

test('suggestions respect the domain and nest conditional parameters', () => {
  const tuner = run({ algorithm: 'tpe', space }, 3, 30);
  for (const t of tuner.trials) {
    const p = t.params;
    assert.ok(Number.isInteger(p.layers) && (p.layers as number) >= 1 && (p.layers as number) <= 8);
    assert.ok([0, 0.05, 0.1, 0.15000000000000002, 0.2, 0.25, 0.3].includes(p.ls as number), String(p.ls));
    assert.ok((p.width as number) % 8 === 0 && (p.width as number) >= 0);
    assert.equal('opt/sgd/momentum' in p, p.opt === 'sgd');
  }
  const s = tuner.suggest();
  assert.equal(typeof s.config.opt, 'object');
  assert.equal((s.config.opt as { _name: string })._name, s.params.opt);
});

test('the first 10 TPE trials are exactly the random sampler\'s (same seed)', () => {
  const tpe = run({ algorithm: 'tpe', space }, 9, 10).trials.map((t) => t.params);
  const random = run({ algorithm: 'random', space }, 9, 10).trials.map((t) => t.params);
  assert.deepEqual(tpe, random);
});

test('failed trials are ignored; a NaN value fails the trial', () => {
  const base = run({ algorithm: 'tpe', space }, 4, 12);
  const withFailure = createTuner({ algorithm: 'tpe', space, seed: 4, trials: base.trials });
  const s = withFailure.suggest();
  assert.equal(withFailure.report(s, NaN).state, 'failed');
  const clean = createTuner({ algorithm: 'tpe', space, seed: 4, trials: base.trials });
  clean.suggest(); // same number consumed, so the streams line up
  clean.report(s.number, { state: 'failed' });
  assert.deepEqual(withFailure.suggest().params, clean.suggest().params);
});

test('running trials change the next TPE suggestion (constant liar) unless disabled', () => {
  const history = run({ algorithm: 'tpe', space }, 6, 15).trials;
  const next = (constantLiar: boolean, runningFirst: boolean) => {
    const tuner = createTuner({ algorithm: 'tpe', space, seed: 6, trials: history, tpe: { constantLiar } });
    if (runningFirst) tuner.suggest();
    return tuner;
  };
  // With one trial in flight, the liar puts it into g(x); compare against a run whose in-flight trial failed.
  const withLiar = next(true, true).suggest();
  const failedPeer = next(true, true);
  failedPeer.report(15, { state: 'failed' });
  assert.notDeepEqual(withLiar.params, failedPeer.suggest().params);
  const noLiar = next(false, true).suggest();
  const noLiarFailed = next(false, true);
  noLiarFailed.report(15, { state: 'failed' });
  assert.deepEqual(noLiar.params, noLiarFailed.suggest().params);
});

test('pruned trials rank after complete ones, deeper steps first', () => {
  const tuner = createTuner({ algorithm: 'random', space: { x: { _type: 'uniform', _value: [0, 1] } } });
  const ids = [0, 1, 2, 3].map(() => tuner.suggest().number);
  tuner.report(ids[0]!, { state: 'pruned', step: 3, value: 0.01 });
  tuner.report(ids[1]!, 0.5);
  tuner.report(ids[2]!, { state: 'pruned', step: 7, value: 0.9 });
  tuner.report(ids[3]!, { state: 'pruned' });
  assert.equal(tuner.best()?.number, ids[1]);
  assert.equal(tuner.trials[2]!.intermediate?.step, 7);
});

test('report and options errors name the problem', () => {
  const tuner = createTuner({ algorithm: 'random', space, directions: ['minimize', 'maximize'] });
  const s = tuner.suggest();
  assert.throws(() => tuner.report(s, 1), /values must have 2 entries \(one per direction\), but got \[1\]/);
  tuner.report(s, [1, 2]);
  assert.throws(() => tuner.report(s, [1, 2]), /trial 0 must be running to be reported, but it is complete/);
  assert.throws(() => tuner.report(99, [1, 2]), /trial must be a suggested trial number, but got 99/);
  assert.throws(() => tuner.best(), /best\(\) must be used with one direction/);
  assert.throws(() => createTuner({ algorithm: 'bayes' as never, space }), (e: unknown) => e instanceof InputError && /^options\.algorithm must be one of tpe, random, grid, anneal, but got "bayes"$/.test(e.message));
  assert.throws(() => createTuner({ algorithm: 'anneal', space, directions: ['minimize', 'minimize'] }), /options\.directions must have one entry for anneal/);
  assert.throws(() => createTuner({ algorithm: 'tpe', space: { x: { _type: 'loguniform', _value: [0, 1] } } }), /searchSpace\.x\._value\[0\] must be > 0/);
  assert.throws(
    () => createTuner({ algorithm: 'tpe', space, trials: [{ number: 0, state: 'done' as never, params: {} }] }),
    /options\.trials\[0\]\.state must be one of running, complete, pruned, failed, but got "done"/,
  );
});

test('stored trials are checked: values per direction, unique numbers', () => {
  const x = { x: { _type: 'uniform', _value: [0, 1] } };
  assert.throws(
    () => createTuner({ algorithm: 'tpe', space: x, directions: ['maximize', 'minimize'], trials: [{ number: 0, state: 'complete', params: { x: 0.5 }, values: [1] }] }),
    /options\.trials\[0\]\.values must have 2 entries \(one per direction\), but got \[1\]$/,
  );
  const t = { number: 3, state: 'running' as const, params: { x: 0.5 } };
  assert.throws(() => createTuner({ algorithm: 'tpe', space: x, trials: [t, t] }), /options\.trials must have unique numbers, but got 3 twice/);
  assert.equal(createTuner({ algorithm: 'tpe', space: x, trials: [t] }).suggest().number, 4);
});

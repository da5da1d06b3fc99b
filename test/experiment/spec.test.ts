import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperimentFile, parseExperiment } from '../../src/experiment/spec.js';
import { score } from '../../src/experiment/objective.js';
import { buildPlan } from '../../src/experiment/plan.js';
import { shouldStopEarly } from '../../src/experiment/early-stopping.js';
import { InputError } from '../../src/errors.js';
import { parseSearchSpace } from '../../src/search/space.js';
import { getTrial } from '../../trials/registry.js';
import { buildLenet5 } from '../../trials/models.js';
import { createPruner } from '../../src/experiment/algorithms.js';
import { agpSparsity } from '../../src/compression/pruners/agp.js';
import type { LayerConfig } from '../../src/compression/config.js';

const SPACE = { pruning: { _type: 'choice', _value: [{ _name: 'level', conv1: { _type: 'uniform', _value: [0, 0.9] } }] } };
const parse = (raw: unknown, overrides = {}) => parseExperiment(raw, { baseDir: '.', defaultName: 'x', overrides });

test('a bare search space runs with the defaults on the built-in data', () => {
  const spec = parse(SPACE);
  assert.deepEqual([spec.trial, spec.epochs, spec.maxTrials, spec.tuner.algorithm, spec.backend, spec.earlyStopping.enabled, spec.winograd, spec.name], ['mnist-lenet', 1, 20, 'tpe', 'auto', true, true, 'x']);
  assert.equal(spec.objective.maximize, 'compression');
});

test('YAML files, relative search-space paths, durations and overrides', () => {
  const dir = mkdtempSync(join(tmpdir(), 'squish-spec-'));
  writeFileSync(join(dir, 'space.json'), JSON.stringify(SPACE));
  writeFileSync(join(dir, 'exp.yaml'), 'name: lenet\nsearchSpace: space.json\nmaxDuration: 10m\nobjective:\n  minSparsity: 0.9\n  maxAccuracyDrop: 0.01\nmaxTrials: 5\n');
  const spec = loadExperimentFile(join(dir, 'exp.yaml'), { maxTrials: 9, seed: 4 });
  assert.deepEqual([spec.name, spec.maxDuration, spec.maxTrials, spec.seed, spec.objective.maximize], ['lenet', 600, 9, 4, 'accuracy']);
  assert.deepEqual(spec.searchSpace, SPACE);
});

test('errors name the exact key', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ searchSpace: SPACE, maxTrials: 0 }, /^experiment\.maxTrials must be > 0, but got 0$/],
    [{ searchSpace: SPACE, objective: { minSparsity: 1.5 } }, /^experiment\.objective\.minSparsity must be < 1, but got 1\.5$/],
    [{ searchSpace: SPACE, objectve: {} }, /^experiment has unknown key 'objectve'$/],
    [{ searchSpace: SPACE, maxDuration: '10 minutes' }, /^experiment\.maxDuration must be a duration such as 90s, 10m or 2h/],
    [{ searchSpace: SPACE, backend: 'gpu' }, /^experiment\.backend must be one of .*"wasm".*, but got "gpu"$/],
    [{ searchSpace: SPACE, winograd: 'yes' }, /^experiment\.winograd must be a boolean, but got "yes"$/],
    [{ searchSpace: { conv1: { _type: 'loguniform', _value: [0, 1] } } }, /searchSpace\.conv1/],
    [{ searchSpace: SPACE, model: { dir: 'm' } }, /^experiment\.model\.trainImages must be a string, but got nothing$/],
  ];
  for (const [raw, message] of cases) assert.throws(() => parse(raw), (e: Error) => e instanceof InputError && message.test(e.message), JSON.stringify(raw));
  assert.throws(() => loadExperimentFile('/nonexistent/exp.yaml'), /cannot read \/nonexistent\/exp\.yaml: ENOENT/);
});

test('score: feasibility, the accuracy objective and proportional penalties', () => {
  const baseline = { accuracy: 0.95, gzipBytes: 1000 };
  const objective = { maximize: 'accuracy', accuracyDrop: 'absolute', maxAccuracyDrop: 0.01, minSparsity: 0.9 } as const;
  const ok = score(objective, baseline, { accuracy: 0.945, gzipBytes: 100, sparsity: 0.92 });
  assert.deepEqual([ok.feasible, ok.objective, ok.objectives], [true, 0.945, [0.945, 100]]);
  const short = score(objective, baseline, { accuracy: 0.95, gzipBytes: 100, sparsity: 0.85 });
  assert.equal(short.feasible, false);
  assert.ok(Math.abs(short.objective - (0.95 - 10 * 0.05)) < 1e-12);
  const relative = score({ ...objective, accuracyDrop: 'relative', maxAccuracyDrop: 0.1, minSparsity: undefined }, baseline, { accuracy: 0.86, gzipBytes: 1, sparsity: 0 });
  assert.equal(relative.feasible, true); // 0.09 ≤ 10 % of 0.95
  const compression = score({ maximize: 'compression', accuracyDrop: 'absolute' }, baseline, { accuracy: 0.5, gzipBytes: 125, sparsity: 0 });
  assert.equal(compression.objective, 3);
});

test('buildPlan maps sampled configurations to config lists', () => {
  assert.deepEqual(buildPlan({ pruning: { _name: 'level', conv1: 0.5, fc1: 0.9 } }, 1), {
    pruning: { algorithm: 'level', configList: [{ opNames: ['conv1'], sparsity: 0.5 }, { opNames: ['fc1'], sparsity: 0.9 }] },
  });
  const agp = (epochs: number) => buildPlan({ pruning: { _name: 'agp', fc1: 0.9 } }, epochs).pruning!.configList;
  assert.deepEqual(agp(3), [{ opNames: ['fc1'], finalSparsity: 0.9, startEpoch: 0, endEpoch: 3, frequency: 1, initialSparsity: 0 }]);
  // The curve ends at the last epoch: 0, 0.7875 (= 0.9·(1 − ½³)), then 0.9 for 3 epochs; 0.9 at once for 1.
  assert.deepEqual([0, 1, 2].map((e) => agpSparsity(agp(3)[0] as unknown as LayerConfig, e)), [0, 0.9 + (0 - 0.9) * 0.5 ** 3, 0.9]);
  assert.deepEqual(agp(1), [{ opNames: ['fc1'], finalSparsity: 0.9, startEpoch: 0, endEpoch: 1, frequency: 1, initialSparsity: 0 }]);
  assert.equal(agpSparsity(agp(1)[0] as unknown as LayerConfig, 0), 0.9);
  // A one-epoch search's AGP plan is a valid config list (it was endEpoch 0, refused).
  const model = buildLenet5({ seed: 0 });
  createPruner('agp', model, agp(1)).dispose();
  model.dispose();
  assert.deepEqual(buildPlan({ quantization: { _name: 'qat', conv1: 8 } }, 1).quantization!.configList, [{ opNames: ['conv1'], quantTypes: ['weight'], quantBits: 8 }]);
  assert.throws(() => buildPlan({ lr: 0.1 }, 1), /searchSpace\.lr is not a compression step/);
});

test('median rule: Optuna\'s startup, warm-up and minimum-trials guards', () => {
  const on = { enabled: true, startupTrials: 5, warmupEpochs: 1 };
  const input = { epoch: 1, bestSoFar: 0.5, finishedAtEpoch: [0.6, 0.7, 0.8], finishedTrials: 5 };
  assert.equal(shouldStopEarly(on, input), true);
  assert.equal(shouldStopEarly(on, { ...input, bestSoFar: 0.7 }), false); // not strictly below the median
  assert.equal(shouldStopEarly(on, { ...input, finishedTrials: 4 }), false);
  assert.equal(shouldStopEarly(on, { ...input, epoch: 0 }), false);
  assert.equal(shouldStopEarly(on, { ...input, finishedAtEpoch: [] }), false);
  assert.equal(shouldStopEarly({ ...on, enabled: false }, input), false);
  assert.equal(shouldStopEarly(on, { ...input, bestSoFar: NaN, finishedTrials: 0 }), true);
});

test('the ready experiment files validate, and their search spaces name layers of their trial model', async () => {
  const dir = new URL('../../../experiments/', import.meta.url);
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  assert.deepEqual(files.sort(), ['bigcnn.yaml', 'lenet5.yaml']);
  for (const file of files) {
    const spec = loadExperimentFile(fileURLToPath(new URL(file, dir)));
    const model = await getTrial(spec.trial).buildModel(0);
    const layers = new Set(model.layers.map((l) => l.name));
    model.dispose();
    for (const p of parseSearchSpace(spec.searchSpace).params.filter((q) => q.parent !== null)) assert.ok(layers.has(p.key), `${file}: ${p.name}`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestBackend } from '../helpers/backend.js';
import { InputError } from '../../src/errors.js';
import {
  AGPPruner,
  L1FilterPruner,
  LEVEL_SPEC,
  LevelPruner,
  LotteryTicketPruner,
  SlimPruner,
  resolveConfigList,
} from '../../src/compression/index.js';
import { convNet, denseNet } from './fixtures.js';

await useTestBackend();

const model = denseNet();
const conv = convNet();
const resolve = (list: unknown) => resolveConfigList(model, list, LEVEL_SPEC).map((r) => [r.layer.name, r.config.sparsity, r.configIndex]);

test('a later dict wins over an earlier one for the layers both select', () => {
  assert.deepEqual(resolve([{ opTypes: 'default', sparsity: 0.5 }, { opNames: ['d2'], sparsity: 0.25 }]), [
    ['d1', 0.5, 0],
    ['d2', 0.25, 1],
  ]);
});

test('exclude leaves a layer uncompressed; opTypes and opNames together must both match', () => {
  assert.deepEqual(resolve([{ opTypes: ['Dense'], sparsity: 0.5 }, { exclude: true, opNames: 'd2' }]), [['d1', 0.5, 0]]);
  assert.deepEqual(resolve([{ opTypes: ['Dense'], opNames: ['d2'], sparsity: 0.3 }]), [['d2', 0.3, 0]]);
});

test("NNI's snake_case keys are accepted as aliases", () => {
  assert.deepEqual(resolve([{ op_types: ['default'], sparsity: 0.5 }, { op_names: ['d1'], sparse_ratio: 0.1 }]), [
    ['d1', 0.1, 1],
    ['d2', 0.5, 0],
  ]);
  const agp = new AGPPruner(model, [{ op_types: ['Dense'], initial_sparsity: 0.1, final_sparsity: 0.8, start_epoch: 1, end_epoch: 4, frequency: 1 }]);
  assert.deepEqual(agp.selected[0].config, {
    opTypes: ['Dense'],
    exclude: false,
    initialSparsity: 0.1,
    finalSparsity: 0.8,
    startEpoch: 1,
    endEpoch: 4,
    frequency: 1,
  });
});

test('a sparsity outside [0, 1) names the dict, the key and the value', () => {
  assert.throws(
    () => new LevelPruner(model, [{ opTypes: ['Dense'], sparsity: 0.5 }, { opNames: ['d1'], sparsity: 1.2 }]),
    (err: unknown) => err instanceof InputError && err.message === 'configList[1].sparsity must be in [0, 1), but got 1.2',
  );
  assert.throws(() => new AGPPruner(model, [{ op_types: ['Dense'], final_sparsity: -0.1 }]), /^InputError: configList\[0\]\.final_sparsity must be in \[0, 1\), but got -0\.1$/);
});

test('unknown keys, keys the algorithm does not read, and missing required keys are errors', () => {
  assert.throws(() => new LevelPruner(model, [{ opTypes: ['Dense'], sparsity: 0.5, sparsty: 0.5 }]), /configList\[0\]\.sparsty is not a known key/);
  assert.throws(() => new LevelPruner(model, [{ opTypes: ['Dense'], sparsity: 0.5, pruneIterations: 3 }]), /configList\[0\]\.pruneIterations is not used by LevelPruner/);
  assert.throws(() => new LevelPruner(model, [{ opTypes: ['Dense'] }]), /configList\[0\]\.sparsity is required by LevelPruner/);
  assert.throws(() => new LevelPruner(model, [{ sparsity: 0.5 }]), /configList\[0\] must select layers with opTypes or opNames/);
  assert.throws(() => new LevelPruner(model, [{ opTypes: 'Dense', sparsity: 0.5, sparse_ratio: 0.2 }]), /configList\[0\] gives sparsity twice/);
  assert.throws(() => new LevelPruner(model, [{ opTypes: 'Dense', sparsity: '0.5' }]), /configList\[0\]\.sparsity must be a number in \[0, 1\), but got "0.5"/);
  assert.throws(() => new LevelPruner(model, {}), /configList must be a non-empty array of dicts/);
});

test('a layer name that does not exist, or a dict that selects nothing, is an error', () => {
  assert.throws(() => new LevelPruner(model, [{ opNames: ['d1', 'conv9'], sparsity: 0.5 }]), /configList\[0\]\.opNames\[1\] names no layer of the model: 'conv9'; layers: d1, d2/);
  assert.throws(() => new LevelPruner(model, [{ opTypes: ['Dense'], sparsity: 0.5 }, { opTypes: ['Conv2D'], sparsity: 0.5 }]), /configList\[1\] selects no layer of the model \(opTypes Conv2D\)/);
  assert.throws(() => new LevelPruner(model, [{ opTypes: ['Conv2d'], sparsity: 0.5 }]), /configList\[0\]\.opTypes\[0\] 'Conv2d' is not a compressible layer class \(did you mean 'Conv2D'\?\)/);
  assert.throws(() => new LevelPruner(model, [{ exclude: true, opTypes: ['Dense'] }]), /leaves no layer to compress/);
});

test('an algorithm refuses layer classes it cannot compress', () => {
  assert.throws(() => new L1FilterPruner(conv, [{ opTypes: ['Dense'], sparsity: 0.5 }]), /configList\[0\]\.opTypes\[0\] L1FilterPruner cannot compress Dense layers; it compresses Conv1D, Conv2D/);
  assert.throws(() => new L1FilterPruner(conv, [{ opNames: ['flat'], sparsity: 0.5 }]), /'flat' is a Flatten, which L1FilterPruner cannot compress/);
  // 'default' means the layers with a kernel that this algorithm handles.
  assert.deepEqual(new L1FilterPruner(conv, [{ opTypes: 'default', sparsity: 0.5 }]).selected.map((r) => r.layer.name), ['c1']);
});

test('rules across keys and dicts', () => {
  assert.throws(() => new AGPPruner(model, [{ opTypes: 'Dense', finalSparsity: 0.5, startEpoch: 2, endEpoch: 2 }]), /configList\[0\]\.endEpoch must be greater than startEpoch \(2\), but got 2/);
  assert.throws(() => new AGPPruner(model, [{ opTypes: 'Dense', initialSparsity: 0.6, finalSparsity: 0.5 }]), /initialSparsity must be at most finalSparsity/);
  assert.throws(
    () => new LotteryTicketPruner(model, [{ opNames: 'd1', sparsity: 0.5, pruneIterations: 2 }, { opNames: 'd2', sparsity: 0.5, pruneIterations: 3 }]),
    /configList\[1\]\.pruneIterations must equal configList\[0\]\.pruneIterations \(2\), but got 3/,
  );
  assert.throws(() => new SlimPruner(conv, [{ opNames: 'bn1', sparsity: 0.5 }, { opNames: 'bn1', sparsity: 0.4 }]), /configList\[1\]\.sparsity must equal configList\[0\]\.sparsity/);
});

test('every problem is reported at once, one line each', () => {
  assert.throws(
    () => new LevelPruner(model, [{ opTypes: 'Dense', sparsity: 2 }, { opTypes: 'Dense', sparsity: 0.5, quant_bits: 40 }]),
    (err: unknown) =>
      err instanceof InputError &&
      err.message.split('\n').length === 2 &&
      /configList\[1\]\.quant_bits must be an integer in \[1, 32\]/.test(err.message),
  );
});

test("'default' leaves BatchNormalization out, but a dict can name one", () => {
  assert.deepEqual(new LevelPruner(conv, [{ opTypes: 'default', sparsity: 0.5 }]).selected.map((r) => r.layer.name), ['c1', 'd1']);
  const named = new LevelPruner(conv, [{ opTypes: 'default', sparsity: 0.5 }, { opNames: ['bn1'], sparsity: 0.25 }]);
  assert.deepEqual(named.selected.map((r) => [r.layer.name, r.config.sparsity]), [['c1', 0.5], ['bn1', 0.25], ['d1', 0.5]]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { InputError } from '../../src/errors.js';
import { parseSearchSpace, toConfig } from '../../src/search/space.js';

const spacesDir = new URL('../../../search-spaces/', import.meta.url);

function rejects(raw: unknown, message: RegExp): void {
  assert.throws(() => parseSearchSpace(raw), (e: unknown) => e instanceof InputError && message.test(e.message));
}

test('every ready search space validates and names only LeNet-5 weight layers', () => {
  const files = readdirSync(spacesDir).filter((f) => f.endsWith('.json'));
  assert.deepEqual(files.sort(), ['lenet5-prune-quantize.json', 'lenet5-pruning.json', 'lenet5-quantization.json']);
  const layers = new Set(['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
  for (const file of files) {
    const space = parseSearchSpace(JSON.parse(readFileSync(new URL(file, spacesDir), 'utf8')));
    for (const spec of space.params.filter((p) => p.parent !== null)) assert.ok(layers.has(spec.key), `${file}: ${spec.name}`);
  }
});

test('filter pruners only offer conv layers in the pruning space', () => {
  const space = parseSearchSpace(JSON.parse(readFileSync(new URL('lenet5-pruning.json', spacesDir), 'utf8')));
  const under = (algo: string) => space.params.filter((p) => p.name.startsWith(`pruning/${algo}/`)).map((p) => p.key);
  assert.deepEqual(under('level'), ['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
  for (const algo of ['l1filter', 'l2filter', 'fpgm']) assert.deepEqual(under(algo), ['conv1', 'conv2']);
});

test('rejects bad bounds and names the exact parameter', () => {
  rejects({ conv1_sparsity: { _type: 'loguniform', _value: [0, 1] } }, /^searchSpace\.conv1_sparsity\._value\[0\] must be > 0 for loguniform, but got 0$/);
  rejects({ lr: { _type: 'uniform', _value: [1, 1] } }, /^searchSpace\.lr\._value\[1\] must be > low \(1\) for uniform, but got 1$/);
  rejects({ n: { _type: 'randint', _value: [3, 2] } }, /searchSpace\.n\._value\[1\] must be > lower/);
  rejects({ q: { _type: 'quniform', _value: [0, 1, 0] } }, /searchSpace\.q\._value\[2\] must be > 0 for quniform, but got 0/);
  rejects({ s: { _type: 'normal', _value: [0, -1] } }, /searchSpace\.s\._value\[1\] must be > 0 for normal, but got -1/);
  rejects({ b: { _type: 'qloguniform', _value: [1, 100, 10] } }, /searchSpace\.b\._value\[0\] must be > q\/2/);
  rejects({ u: { _type: 'uniform', _value: [0] } }, /searchSpace\.u\._value must be \[low, high\] for uniform, but got \[0\]/);
  rejects({ u: { _type: 'uniform', _value: [0, 'x'] } }, /searchSpace\.u\._value\[1\] must be a finite number, but got "x"/);
});

test('rejects malformed entries: empty choice, unknown type, extra keys, duplicates', () => {
  rejects({ algo: { _type: 'choice', _value: [] } }, /^searchSpace\.algo\._value must be a non-empty list for choice, but got \[\]$/);
  rejects({ x: { _type: 'gaussian', _value: [0, 1] } }, /searchSpace\.x\._type must be one of choice, randint, .*, but got "gaussian"/);
  rejects({ x: { _type: 'uniform', _value: [0, 1], q: 2 } }, /searchSpace\.x must only have the keys _type and _value, but got q/);
  rejects({ x: { _type: 'choice', _value: [1, 2, 1] } }, /searchSpace\.x\._value\[2\] must be unique within the choice, but got 1 twice/);
  rejects({}, /searchSpace must define at least one parameter/);
  rejects([1], /searchSpace must be an object of parameters/);
});

test('errors inside nested choices carry the full path', () => {
  rejects(
    { model: { _type: 'choice', _value: [{ _name: 'cnn', lr: { _type: 'loguniform', _value: [-1, 1] } }] } },
    /^searchSpace\.model\._value\[0\]\.lr\._value\[0\] must be > 0 for loguniform, but got -1$/,
  );
  rejects({ model: { _type: 'choice', _value: [{ lr: { _type: 'uniform', _value: [0, 1] } }] } }, /searchSpace\.model\._value\[0\]\._name must be a non-empty string/);
});

test('flattens nested choices with their activating parent and maps NNI types to domains', () => {
  const space = parseSearchSpace({
    model: { _type: 'choice', _value: [{ _name: 'cnn', lr: { _type: 'loguniform', _value: [1e-4, 1] } }, 'linear'] },
    layers: { _type: 'randint', _value: [1, 5] },
    ls: { _type: 'quniform', _value: [0, 0.32, 0.05] },
  });
  assert.deepEqual(space.params.map((p) => p.name), ['model', 'model/cnn/lr', 'layers', 'ls']);
  assert.deepEqual(space.params[1]!.parent, { name: 'model', index: 0 });
  assert.deepEqual(space.params[2]!.distribution, { kind: 'numeric', low: 1, high: 4, log: false, step: 1, normal: null });
  assert.equal((space.params[3]!.distribution as { high: number }).high, 0.3);
  assert.deepEqual(toConfig(space, { model: 'cnn', 'model/cnn/lr': 0.01, layers: 2, ls: 0.1 }), {
    model: { _name: 'cnn', lr: 0.01 }, layers: 2, ls: 0.1,
  });
  assert.deepEqual(toConfig(space, { model: 'linear', layers: 3, ls: 0 }), { model: 'linear', layers: 3, ls: 0 });
});

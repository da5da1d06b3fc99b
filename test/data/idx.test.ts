import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadIdxDataset, readIdx } from '../../src/data/idx.js';
import { InputError } from '../../src/errors.js';

/** An IDX file: 00 00 type ndims, big-endian uint32 dims, then `data` (already big-endian). */
function idx(type: number, dims: number[], data: Uint8Array | number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** Big-endian encoding of `values` with a Buffer writer such as 'writeFloatBE'. */
function be(values: number[], size: number, write: 'writeInt16BE' | 'writeInt32BE' | 'writeFloatBE' | 'writeDoubleBE'): Buffer {
  const out = Buffer.alloc(values.length * size);
  values.forEach((v, i) => out[write](v, i * size));
  return out;
}

// Three 2×3 images and their labels.
const PIXELS = [0, 51, 255, 102, 0, 204, 255, 255, 0, 0, 0, 153, 17, 34, 68, 85, 136, 187];
const LABELS = [2, 0, 7];

describe('IDX', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'squish-idx-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, bytes: Buffer): string {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    return file;
  }

  function assertInputError(file: string, pattern: RegExp) {
    return (err: unknown): boolean => {
      assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
      assert.ok(err.message.startsWith(file), `the message should name ${file}: ${err.message}`);
      assert.match(err.message, pattern);
      return true;
    };
  }

  for (const gz of [false, true]) {
    test(`round-trips ubyte images and labels${gz ? ' gzipped' : ''}`, async () => {
      const pack = (b: Buffer): Buffer => (gz ? gzipSync(b) : b);
      const ext = gz ? '.gz' : '';
      const set = await loadIdxDataset({
        images: write(`rt-idx3-ubyte${ext}`, pack(idx(0x08, [3, 2, 3], PIXELS))),
        labels: write(`rt-idx1-ubyte${ext}`, pack(idx(0x08, [3], LABELS))),
      });
      assert.deepEqual([set.count, set.height, set.width, set.channels, set.numClasses], [3, 2, 3, 1, 8]);
      assert.deepEqual([...set.images], PIXELS.map((p) => Math.fround(p / 255)));
      assert.deepEqual([...set.labels], LABELS);
    });
  }

  test('takes channels from a 4th dimension and numClasses from the caller', async () => {
    const set = await loadIdxDataset({
      images: write('rgb-idx4-ubyte', idx(0x08, [3, 1, 2, 3], PIXELS)),
      labels: write('rgb-idx1-ubyte', idx(0x08, [3], LABELS)),
      numClasses: 10,
    });
    assert.deepEqual([set.count, set.height, set.width, set.channels, set.numClasses], [3, 1, 2, 3, 10]);
  });

  test('float images are kept as values; int labels are decoded big-endian', async () => {
    const values = [0.25, -1.5, 3, 0.1];
    const set = await loadIdxDataset({
      images: write('f-idx3', idx(0x0d, [2, 1, 2], be(values, 4, 'writeFloatBE'))),
      labels: write('i-idx1', idx(0x0c, [2], be([1, 3], 4, 'writeInt32BE'))),
    });
    assert.deepEqual([...set.images], values.map(Math.fround));
    assert.deepEqual([...set.labels], [1, 3]);
    assert.equal(set.numClasses, 4);
  });

  test('readIdx decodes every IDX type', async () => {
    const cases = [
      { code: 0x08, type: 'ubyte', data: Buffer.from([0, 200, 255]), want: [0, 200, 255] },
      { code: 0x09, type: 'byte', data: Buffer.from([0xff, 0x80, 0x7f]), want: [-1, -128, 127] },
      { code: 0x0b, type: 'short', data: be([-300, 0, 32767], 2, 'writeInt16BE'), want: [-300, 0, 32767] },
      { code: 0x0c, type: 'int', data: be([-70000, 1, 2 ** 31 - 1], 4, 'writeInt32BE'), want: [-70000, 1, 2 ** 31 - 1] },
      { code: 0x0d, type: 'float', data: be([0.5, -2, 1e-3], 4, 'writeFloatBE'), want: [0.5, -2, Math.fround(1e-3)] },
      { code: 0x0e, type: 'double', data: be([0.1, -2, 1e300], 8, 'writeDoubleBE'), want: [0.1, -2, 1e300] },
    ];
    for (const { code, type, data, want } of cases) {
      const got = await readIdx(write(`t${code}`, idx(code, [3], data)));
      assert.equal(got.type, type);
      assert.deepEqual(got.dims, [3]);
      assert.deepEqual([...got.data], want, type);
    }
  });

  const good = (): { images: string; labels: string } => ({
    images: write('good-idx3-ubyte', idx(0x08, [3, 2, 3], PIXELS)),
    labels: write('good-idx1-ubyte', idx(0x08, [3], LABELS)),
  });

  const malformed: Array<{ name: string; role: 'images' | 'labels'; bytes: Buffer; error: RegExp }> = [
    { name: 'bad magic', role: 'images', bytes: Buffer.from('P5\n28 28\n'), error: /bad magic number \[50 35 0a 32\]/ },
    { name: 'empty file', role: 'images', bytes: Buffer.alloc(0), error: /bad magic number \[\]/ },
    { name: 'unsupported type', role: 'images', bytes: idx(0x0a, [3, 2, 3], PIXELS), error: /unsupported IDX type code 0x0a/ },
    { name: 'zero dimensions', role: 'labels', bytes: Buffer.from([0, 0, 8, 0]), error: /declares 0 dimensions/ },
    { name: 'truncated header', role: 'images', bytes: idx(0x08, [3, 2, 3], []).subarray(0, 10), error: /truncated header: expected 16 bytes for 3 dimensions, got 10/ },
    { name: 'truncated data', role: 'images', bytes: idx(0x08, [3, 2, 3], PIXELS.slice(0, 11)), error: /truncated data: dimensions 3×2×3 of ubyte need 18 bytes, got 11/ },
    { name: 'trailing bytes', role: 'labels', bytes: idx(0x08, [3], [...LABELS, 0]), error: /trailing bytes after the data: dimensions 3 of ubyte need 3 bytes, got 4/ },
    { name: 'bad gzip', role: 'labels', bytes: gzipSync(idx(0x08, [3], LABELS)).subarray(0, 12), error: /not a valid gzip file/ },
    { name: 'images of 2 dims', role: 'images', bytes: idx(0x08, [3, 6], PIXELS), error: /images must have 3 \(N×H×W\) or 4 \(N×H×W×C\) dimensions, but got 3×6/ },
    { name: 'int images', role: 'images', bytes: idx(0x0c, [3, 1, 1], be([5, 6, 7], 4, 'writeInt32BE')), error: /images must be ubyte, float or double, but the file holds int/ },
    { name: 'labels of 2 dims', role: 'labels', bytes: idx(0x08, [3, 1], LABELS), error: /labels must have 1 dimension, but got 3×1/ },
    { name: 'count mismatch', role: 'labels', bytes: idx(0x08, [2], [1, 2]), error: /holds 2 labels, but .*good-idx3-ubyte holds 3 images/ },
    { name: 'float labels', role: 'labels', bytes: idx(0x0d, [3], be([1, 2, 3], 4, 'writeFloatBE')), error: /labels must be integers, but the file holds float/ },
    { name: 'negative label', role: 'labels', bytes: idx(0x09, [3], [1, 0xfe, 2]), error: /label #1 is -2, out of range \[0, 256\)/ },
    { name: 'label over 255', role: 'labels', bytes: idx(0x0b, [3], be([1, 2, 256], 2, 'writeInt16BE')), error: /label #2 is 256, out of range \[0, 256\)/ },
  ];
  for (const { name, role, bytes, error } of malformed) {
    test(`rejects ${name} with a message naming the file`, async () => {
      const files = { ...good(), [role]: write(`${name.replace(/ /g, '-')}-${role}`, bytes) };
      await assert.rejects(loadIdxDataset(files), assertInputError(files[role], error));
    });
  }

  test('rejects labels at or above the given numClasses', async () => {
    const files = { ...good(), numClasses: 5 };
    await assert.rejects(loadIdxDataset(files), assertInputError(files.labels, /label #2 is 7, out of range \[0, 5\)/));
  });

  test('rejects an invalid numClasses and a missing file', async () => {
    await assert.rejects(loadIdxDataset({ ...good(), numClasses: 0 }), /numClasses must be an integer in \[1, 256\], but got 0/);
    const missing = join(dir, 'absent-idx3-ubyte');
    await assert.rejects(loadIdxDataset({ ...good(), images: missing }), assertInputError(missing, /cannot read the file: ENOENT/));
  });
});

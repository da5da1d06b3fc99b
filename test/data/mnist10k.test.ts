import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadMnist10k } from '../../src/data/mnist10k.js';
import type { DataSplit } from '../../src/data/dataset.js';
import { mulberry32, randomPermutation } from '../../src/data/random.js';

/** SHA-256 of a typed array's bytes (little-endian on every host TF.js runs on). */
function sha256(a: ArrayBufferView): string {
  return createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

function labelCounts(labels: Uint8Array): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of labels) counts[l]++;
  return counts;
}

// Expected values from ../shared/notes/mnist10k.md.
const HASHES = {
  'mnist10k-train-images.f32.bin': 'a7f71d7fc7d7806009b4a534e48144dffd3fca76be9e773c1a89902a6e0cd15d',
  'mnist10k-train-labels.u8.bin': 'e1fe71ad07cc152406c419ad7931e1355a5f51a2c324441c392ff5b427f8f041',
  'mnist10k-test-images.f32.bin': '3807ab3f49f6f9588baf1b5d10406686c32d4a2ced17e0c6d9db58cd7a0d56e1',
  'mnist10k-test-labels.u8.bin': 'd3165fbbc558584b8a693b69856478e1d1532b27e6ace3825197aaa5a34dab88',
};

function assertSpecSplit(split: DataSplit): void {
  assert.equal(sha256(split.train.images), HASHES['mnist10k-train-images.f32.bin']);
  assert.equal(sha256(split.train.labels), HASHES['mnist10k-train-labels.u8.bin']);
  assert.equal(sha256(split.test.images), HASHES['mnist10k-test-images.f32.bin']);
  assert.equal(sha256(split.test.labels), HASHES['mnist10k-test-labels.u8.bin']);
}

/** Identity of each cache file: a rebuild renames a new file over it, which changes the inode. */
function inodes(dir: string): Record<string, number> {
  return Object.fromEntries(Object.keys(HASHES).map((f) => [f, statSync(join(dir, f)).ino]));
}

test('the split permutation is mulberry32(42) Fisher–Yates, as the note lists it', () => {
  const perm = randomPermutation(10_000, mulberry32(42));
  assert.deepEqual([...perm.subarray(0, 10)], [8139, 4527, 8983, 6438, 7978, 261, 5458, 5210, 4165, 7314]);
  assert.equal(sha256(perm), 'cf785619a81c66110d250dd0c72da44e8ce737b6cbf364e6f40e370682763a0c');
});

test('mulberry32 is reproducible per seed and stays in [0, 1)', () => {
  const a = mulberry32(7);
  const b = mulberry32(7);
  const c = mulberry32(8);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(Array.from({ length: 1000 }, () => b()), xs);
  assert.notDeepEqual(Array.from({ length: 1000 }, () => c()), xs);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

describe('loadMnist10k', () => {
  let dir: string;
  let first: DataSplit;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'squish-mnist-'));
    first = await loadMnist10k({ cacheDir: dir });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('builds the split of the note, bit for bit', () => {
    assertSpecSplit(first);
    const { train, test: testSet } = first;
    assert.deepEqual([...train.labels.subarray(0, 10)], [8, 4, 8, 6, 7, 0, 5, 5, 4, 7]);
    assert.deepEqual([...testSet.labels.subarray(0, 10)], [9, 3, 5, 4, 5, 1, 0, 6, 5, 9]);
    assert.deepEqual(labelCounts(train.labels), [807, 880, 811, 834, 775, 674, 802, 873, 751, 793]);
    assert.deepEqual(labelCounts(testSet.labels), [194, 247, 180, 198, 205, 189, 212, 197, 193, 185]);
  });

  test('describes its shape: 28×28×1 images, 10 classes', () => {
    for (const [set, count] of [[first.train, 8000], [first.test, 2000]] as const) {
      assert.deepEqual(
        [set.count, set.height, set.width, set.channels, set.numClasses],
        [count, 28, 28, 1, 10],
      );
      assert.equal(set.images.length, count * 784);
      assert.ok(set.images.every((v) => v >= 0 && v <= 1));
    }
  });

  test('caches the four arrays as raw files named as in the note, with no temp files left', () => {
    assert.deepEqual(readdirSync(dir).sort(), Object.keys(HASHES).sort());
    const sizes = Object.keys(HASHES).map((f) => statSync(join(dir, f)).size);
    assert.deepEqual(sizes, [8000 * 784 * 4, 8000, 2000 * 784 * 4, 2000]);
  });

  test('a second load reads the cache without rewriting it, with identical bytes', async () => {
    const before = inodes(dir);
    const second = await loadMnist10k({ cacheDir: dir });
    assert.deepEqual(inodes(dir), before);
    assertSpecSplit(second);
    assert.notEqual(second.train.images, first.train.images);
  });

  test('a truncated or missing cache file is detected and the cache rebuilt', async () => {
    truncateSync(join(dir, 'mnist10k-train-images.f32.bin'), 1000);
    unlinkSync(join(dir, 'mnist10k-test-labels.u8.bin'));
    assertSpecSplit(await loadMnist10k({ cacheDir: dir }));
    assert.equal(statSync(join(dir, 'mnist10k-train-images.f32.bin')).size, 8000 * 784 * 4);
    assert.equal(statSync(join(dir, 'mnist10k-test-labels.u8.bin')).size, 2000);
  });

  test('a label file of the right size but out-of-range labels is rebuilt', async () => {
    const file = join(dir, 'mnist10k-train-labels.u8.bin');
    writeFileSync(file, Buffer.alloc(8000, 0xff));
    const ino = statSync(file).ino;
    assertSpecSplit(await loadMnist10k({ cacheDir: dir }));
    assert.notEqual(statSync(file).ino, ino);
  });
});

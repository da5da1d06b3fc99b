import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readCachedBytes, resolveDataCacheDir, writeCachedBytes } from '../../src/data/cache.js';
import { SquishError } from '../../src/errors.js';

describe('resolveDataCacheDir', () => {
  const saved = process.env.SQUISH_CACHE_DIR;
  after(() => {
    if (saved === undefined) delete process.env.SQUISH_CACHE_DIR;
    else process.env.SQUISH_CACHE_DIR = saved;
  });

  test('an explicit directory wins over SQUISH_CACHE_DIR', () => {
    process.env.SQUISH_CACHE_DIR = '/somewhere';
    assert.equal(resolveDataCacheDir('/explicit'), '/explicit');
  });

  test('SQUISH_CACHE_DIR is the cache root; data goes in its data/ folder', () => {
    process.env.SQUISH_CACHE_DIR = '/somewhere';
    assert.equal(resolveDataCacheDir(), join('/somewhere', 'data'));
  });

  test('defaults to ~/.cache/squish/data', () => {
    delete process.env.SQUISH_CACHE_DIR;
    assert.equal(resolveDataCacheDir(), join(homedir(), '.cache', 'squish', 'data'));
  });
});

describe('cache files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'squish-cache-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('round-trips bytes into an aligned buffer, creating directories', async () => {
    const file = join(dir, 'a', 'b', 'x.f32.bin');
    const values = new Float32Array([0, 0.5, 1, -2.25]);
    await writeCachedBytes(file, values.subarray(1));
    const buffer = await readCachedBytes(file, 12);
    assert.ok(buffer);
    assert.deepEqual([...new Float32Array(buffer)], [0.5, 1, -2.25]);
  });

  test('a missing file or one of the wrong size reads as undefined', async () => {
    const file = join(dir, 'short.bin');
    writeFileSync(file, Buffer.alloc(7));
    assert.equal(await readCachedBytes(file, 8), undefined);
    assert.equal(await readCachedBytes(join(dir, 'absent.bin'), 8), undefined);
  });

  test('concurrent writers leave one complete file and no temp files', async () => {
    const sub = join(dir, 'race');
    const file = join(sub, 'r.bin');
    const payloads = Array.from({ length: 8 }, (_, i) => new Uint8Array(1 << 16).fill(i));
    await Promise.all(payloads.map((p) => writeCachedBytes(file, p)));
    assert.deepEqual(readdirSync(sub), ['r.bin']);
    const bytes = readFileSync(file);
    assert.equal(bytes.length, 1 << 16);
    assert.ok(bytes.every((b) => b === bytes[0]), 'the file mixes two writes');
  });

  test('an unwritable cache directory is a SquishError that says how to fix it', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    await assert.rejects(
      writeCachedBytes(join(blocker, 'x.bin'), new Uint8Array(4)),
      (err: unknown) =>
        err instanceof SquishError &&
        /Cannot write the data cache file .*not-a-dir.*x\.bin: .*Set SQUISH_CACHE_DIR/.test(err.message),
    );
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });
});

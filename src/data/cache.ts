/**
 * Raw binary files in Squish's data cache. Writes are atomic (temp file + rename) so that
 * concurrent workers never see a half-written file; reads check the size so that a truncated or
 * foreign file is treated as missing.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { resolveCacheRoot } from '../cache-root.js';
import { SquishError } from '../errors.js';

/**
 * Where built-in data sets are cached: `cacheDir` when given, else `$SQUISH_CACHE_DIR/data`
 * (SQUISH_CACHE_DIR is the root of all Squish caches), else `~/.cache/squish/data`.
 */
export function resolveDataCacheDir(cacheDir?: string): string {
  return cacheDir ?? join(resolveCacheRoot(), 'data');
}

/**
 * Reads `file` into a fresh ArrayBuffer (so typed-array views of any element size are aligned),
 * or returns undefined when it is missing or not exactly `byteLength` bytes long.
 */
export async function readCachedBytes(file: string, byteLength: number): Promise<ArrayBuffer | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    if ((await handle.stat()).size !== byteLength) return undefined;
    const buffer = new ArrayBuffer(byteLength);
    const bytes = new Uint8Array(buffer);
    let done = 0;
    while (done < byteLength) {
      const { bytesRead } = await handle.read(bytes, done, byteLength - done, done);
      if (bytesRead === 0) return undefined; // shrank while we read it
      done += bytesRead;
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `file` atomically, creating the directory if needed. */
export async function writeCachedBytes(file: string, data: ArrayBufferView): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    await rename(tmp, file);
  } catch (err) {
    // Best-effort cleanup: the write error is the one worth reporting.
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new SquishError(
      `Cannot write the data cache file ${file}: ${(err as Error).message}. ` +
        'Set SQUISH_CACHE_DIR to a writable directory.',
    );
  }
}

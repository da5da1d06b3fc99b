import { homedir } from 'node:os';
import { join } from 'node:path';

/** The root of Squish's caches (data, trained base models): `$SQUISH_CACHE_DIR`, else `~/.cache/squish`. */
export function resolveCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.SQUISH_CACHE_DIR;
  return root !== undefined && root !== '' ? root : join(homedir(), '.cache', 'squish');
}

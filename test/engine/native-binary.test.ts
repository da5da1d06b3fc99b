/**
 * The committed SIMD kernels (native/binary.ts) are the build of native/*.c: the recorded hash of the
 * sources, *.c and *.h (concatenated in name order, as the shell's glob gives them) must match, and where clang is
 * installed a rebuild must give the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KERNELS_C_SHA256, KERNELS_WASM_BASE64 } from '../../src/engine/wasm/native/binary.js';

const nativeDir = fileURLToPath(new URL('../../../src/engine/wasm/native/', import.meta.url));

test('binary.ts was built from the current native/*.c', () => {
  const hash = createHash('sha256');
  for (const name of readdirSync(nativeDir).filter((f) => /\.[ch]$/.test(f)).sort()) hash.update(readFileSync(join(nativeDir, name)));
  assert.equal(hash.digest('hex'), KERNELS_C_SHA256, 'a native/*.c or *.h file changed: run sh src/engine/wasm/native/build.sh');
  const wasm = Buffer.from(KERNELS_WASM_BASE64, 'base64');
  assert.deepEqual([...wasm.subarray(0, 4)], [0, 0x61, 0x73, 0x6d]); // "\0asm"
});

test('rebuilding native/*.c reproduces the committed binary', (t) => {
  if (spawnSync('clang', ['--version']).status !== 0) {
    t.skip('clang is not installed (apt-get install clang lld)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'squish-native-'));
  try {
    execFileSync('sh', [join(nativeDir, 'build.sh'), join(dir, 'kernels.wasm')]);
    assert.ok(readFileSync(join(dir, 'kernels.wasm')).equals(Buffer.from(KERNELS_WASM_BASE64, 'base64')));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

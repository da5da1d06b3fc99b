/**
 * The backend tests run on: SQUISH_TEST_BACKEND (default wasm, the embedded default users get).
 * Call once at the top of a test file: `await useTestBackend();`
 */
import { initBackend, resolveBackendName } from '../../src/engine/backend.js';

export async function useTestBackend(): Promise<string> {
  return initBackend(resolveBackendName(process.env.SQUISH_TEST_BACKEND ?? 'wasm'));
}

/**
 * The backend tests run on: SQUISH_TEST_BACKEND (default wasm, the embedded default users get; also
 * webgpu, cpu). Call once at the top of a test file: `await useTestBackend();`
 */
import { initBackend, resolveBackendName } from '../../src/engine/backend.js';

export async function useTestBackend(): Promise<string> {
  const name = resolveBackendName(process.env.SQUISH_TEST_BACKEND ?? 'wasm');
  // Tests check results, not speed, and CI's only WebGPU adapter is Mesa's software one.
  return initBackend(name, { ...process.env, SQUISH_WEBGPU_ALLOW_SOFTWARE: process.env.SQUISH_WEBGPU_ALLOW_SOFTWARE ?? '1' });
}

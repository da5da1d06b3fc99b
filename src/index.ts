/** The package's public API (`import { LevelPruner, createTuner, initBackend } from 'squish'`). */
export * from './compression/index.js';
export * from './search/index.js';
export { initBackend, resolveBackendName, BACKEND_NAMES, type BackendName } from './engine/backend.js';
export { useWinograd } from './engine/wasm/winograd.js';
export { useStockInference, withStockInference } from './engine/wasm/conv2d.js';
export { createAdam } from './engine/adam.js';

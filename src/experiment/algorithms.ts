/** Compression algorithms by the names search spaces and the CLI use (the registry lives with the library). */
export { PRUNERS, QUANTIZERS, algorithmNames, createCompressor, createPruner, createQuantizer } from '../compression/registry.js';

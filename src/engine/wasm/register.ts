/** Registers Squish's wasm training kernels (filled in by the engine work). */
export function registerWasmTrainingKernels(): void {}

/**
 * What WebGPU sees on this machine, as JSON on stdout: the Vulkan driver manifests, the adapter Dawn
 * picks (vendor, architecture, device, driver, software or not, limits, features), and whether tfjs's
 * webgpu backend starts on it and multiplies a 256×256 matrix as the cpu backend does.
 * Exits 1 when the backend does not start. `vulkaninfo --summary` for machines without vulkan-tools.
 *   node dist/bench/gpu/adapter.js
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend.js';
import { vulkanDriverManifests, webGpuAdapter, webGpuSettings } from '../../src/engine/webgpu.js';

async function squareOn(backend: string): Promise<Float32Array> {
  await tf.setBackend(backend);
  // Seeded random tensors are drawn on the CPU: both backends multiply the same matrix.
  const product = tf.tidy(() => {
    const a = tf.randomUniform([256, 256], -1, 1, 'float32', 1);
    return tf.matMul(a, a);
  });
  const values = (await product.data()) as Float32Array;
  product.dispose();
  return values;
}

const report: Record<string, unknown> = {
  settings: webGpuSettings(),
  vulkanDriverManifests: vulkanDriverManifests(),
  adapter: (await webGpuAdapter()) ?? null,
};
try {
  report.backend = await initBackend('webgpu');
  const gpu = await squareOn('webgpu');
  const cpu = await squareOn('cpu');
  let diff = 0, scale = 0;
  cpu.forEach((c, i) => {
    diff = Math.max(diff, Math.abs(gpu[i]! - c));
    scale = Math.max(scale, Math.abs(c));
  });
  report.matmulRelativeErrorVsCpu = diff / scale;
} catch (err) {
  report.error = (err as Error).message;
  process.exitCode = 1;
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);

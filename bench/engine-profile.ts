/**
 * Where a training step's time goes on wasm: wraps every registered wasm kernel with a timer and
 * trains one model for one epoch (or, with --infer, predicts in batches of 256). Kernels are
 * synchronous on wasm, so the wall time around kernelFunc is the kernel's cost; `self` excludes
 * kernels it called. (Per-call CPU time would be steadier under load, but getrusage costs ~15 µs.)
 * The total is given in both wall and process CPU time.
 *   node dist/bench/engine-profile.js [--model bigcnn|lenet5] [--samples 1024] [--shapes: per kernel and input shapes] [--infer] [--direct: Winograd off]
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/engine/backend.js';
import { useWinograd } from '../src/engine/wasm/winograd.js';
import { loadMnist10k } from '../src/data/mnist10k.js';
import { buildBigCnn, buildLenet5 } from '../trials/models.js';
import { fitModel } from '../trials/training.js';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'bigcnn' }, samples: { type: 'string', default: '1024' }, shapes: { type: 'boolean', default: false }, infer: { type: 'boolean', default: false }, direct: { type: 'boolean', default: false } } });
await initBackend('wasm');
useWinograd(!values.direct);

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const stats = new Map<string, { calls: number; total: number; self: number }>();
const stack: number[] = []; // time spent in callees, per active frame
for (const config of tf.getKernelsForBackend('wasm')) {
  const inner = config.kernelFunc;
  const kernelFunc: tf.KernelFunc = (params) => {
    stack.push(0);
    const t0 = performance.now();
    const out = inner(params);
    const dt = performance.now() - t0;
    const callees = stack.pop()!;
    if (stack.length > 0) stack[stack.length - 1]! += dt;
    const key = values.shapes ? `${config.kernelName} ${Object.values(params.inputs).filter((t) => t !== undefined).map((t) => `[${t!.shape}]`).join(' ')}` : config.kernelName;
    const s = stats.get(key) ?? { calls: 0, total: 0, self: 0 };
    s.calls++;
    s.total += dt;
    s.self += dt - callees;
    stats.set(key, s);
    return out;
  };
  tf.unregisterKernel(config.kernelName, 'wasm');
  tf.registerKernel({ ...config, kernelFunc });
}

const split = await loadMnist10k();
const n = Number(values.samples);
const head = (k: number) => ({ ...split.train, count: k, images: split.train.images.subarray(0, k * 784), labels: split.train.labels.subarray(0, k) });
const data = head(n);
const model = (values.model === 'lenet5' ? buildLenet5 : buildBigCnn)({ seed: 1 });
const opts = { epochs: 1, batchSize: 64, learningRate: 1e-3, seed: 1, loss: 'softmax-cross-entropy' } as const;
const x = tf.tensor4d(data.images, [n, 28, 28, 1]);
const work = values.infer
  ? async () => tf.tidy(() => { (model.predict(x, { batchSize: 256 }) as tf.Tensor).dataSync(); })
  : async () => { await fitModel(model, data, opts); };
await (values.infer ? work() : fitModel(model, head(128), opts)); // warm-up
stats.clear();
const t0 = performance.now();
const c0 = process.cpuUsage();
await work();
const cpu = cpuMs(process.cpuUsage(c0));
const wall = performance.now() - t0;
const kernelSelf = [...stats.values()].reduce((a, s) => a + s.self, 0);
const rows = [...stats.entries()].sort((a, b) => b[1].self - a[1].self);
console.log(`${values.model}: ${n} samples in ${wall.toFixed(0)} ms (${(n / wall * 1000).toFixed(0)}/s; CPU ${cpu.toFixed(0)} ms, ${(n / cpu * 1000).toFixed(0)}/s); kernels ${kernelSelf.toFixed(0)} ms, outside kernels ${(wall - kernelSelf).toFixed(0)} ms`);
for (const [name, s] of rows) {
  console.log(`${name.padEnd(values.shapes ? 64 : 28)} calls ${String(s.calls).padStart(6)}  self ${s.self.toFixed(1).padStart(8)} ms ${(100 * s.self / wall).toFixed(1).padStart(5)} %  total ${s.total.toFixed(1).padStart(8)} ms`);
}

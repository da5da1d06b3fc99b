/**
 * Engine throughput: training and inference samples/s of LeNet-5 and BigCNN on every backend this
 * machine can start, and of PyTorch with one thread on the same images when it is installed, median
 * of several interleaved runs, as JSON on stdout. Recipe as in shared/benchmarks/peers.md (Adam 1e-3,
 * batch 64, real MNIST images, one shuffled epoch; inference in batches of 256, best of 3 passes).
 * Both sides first train on WARMUP_SAMPLES: a fresh Node process runs its first training steps
 * ~35 % slower (JIT warm-up of tfjs's JavaScript, wasm heap growth), which 2 steps did not cover.
 * Rates by wall time and by process CPU time: on a shared box the second is the steadier comparison.
 * Ratios are of medians, and of our median to PyTorch's fastest run (the stricter one).
 *   node dist/bench/engine.js [--runs N] [--backends wasm,wasm-direct,cpu] [--python /usr/bin/python3]
 * `wasm-direct` is wasm with its Winograd convolutions turned off (src/engine/wasm/winograd.ts).
 * PyTorch runs from Debian's python3-torch (`--python`, SQUISH_BENCH_PYTHON, default /usr/bin/python3);
 * without it the ratios are against the reference figures below.
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { initBackend, type ActiveBackend } from '../src/engine/backend.js';
import { useWinograd } from '../src/engine/wasm/winograd.js';
import { loadMnist10k } from '../src/data/mnist10k.js';
import type { Dataset } from '../src/data/dataset.js';
import { buildBigCnn, buildLenet5 } from '../trials/models.js';
import { fitModel } from '../trials/training.js';

/** PyTorch 1.13, one thread, on this machine type (peers.md); used only when PyTorch is not installed. */
const PYTORCH_1T_REFERENCE = { lenet5: { train: 7139, infer: 19192 }, bigcnn: { train: 1188, infer: 1954 } } as const;
const MODELS = { lenet5: buildLenet5, bigcnn: buildBigCnn } as const;
type ModelName = keyof typeof MODELS;
type Rates = Record<ModelName, { train: Rate; infer: Rate }>;
/** Samples per timed training epoch (backends not listed get wasm's). The pure-JS cpu backend is ~100× slower, so it gets fewer. */
const TRAIN_SAMPLES: Partial<Record<ActiveBackend, Record<ModelName, number>>> & { wasm: Record<ModelName, number> } = {
  wasm: { lenet5: 4096, bigcnn: 1024 },
  webgpu: { lenet5: 8000, bigcnn: 4096 },
  tensorflow: { lenet5: 8000, bigcnn: 2048 },
  cpu: { lenet5: 128, bigcnn: 64 },
};
const INFER_SAMPLES: Record<ActiveBackend, number> = { wasm: 2000, webgpu: 2000, tensorflow: 2000, cpu: 256 };
const INFER_PASSES = 3;
/** Training samples before each timed epoch (16 steps), on both sides. */
const WARMUP_SAMPLES = 1024;
/** What each row reports: samples/s by wall time, and by process CPU time (`_cpu`). */
const MEASURES = ['train', 'infer', 'train_cpu', 'infer_cpu'] as const;
type Measure = (typeof MEASURES)[number];

/** Samples/s by wall time and by this process's CPU time, which other jobs on the cores disturb less. */
interface Rate {
  wall: number;
  cpu: number;
}

function startClock(): () => Rate {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { wall: (performance.now() - wall) / 1000, cpu: (used.user + used.system) / 1e6 };
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = (xs: number[]) => ({ median: Math.round(median(xs)), min: Math.round(Math.min(...xs)), max: Math.round(Math.max(...xs)), runs: xs.map(Math.round) });

function head(data: Dataset, n: number): Dataset {
  const pixels = data.height * data.width * data.channels;
  return { ...data, count: n, images: data.images.subarray(0, n * pixels), labels: data.labels.subarray(0, n) };
}

async function trainRate(build: (o: { seed: number }) => tf.LayersModel, data: Dataset, run: number): Promise<Rate> {
  const model = build({ seed: run });
  await fitModel(model, head(data, Math.min(WARMUP_SAMPLES, data.count)), { epochs: 1, batchSize: 64, learningRate: 1e-3, seed: run, loss: 'softmax-cross-entropy' });
  const clock = startClock();
  await fitModel(model, data, { epochs: 1, batchSize: 64, learningRate: 1e-3, seed: run, loss: 'softmax-cross-entropy' });
  const seconds = clock();
  model.dispose();
  return { wall: data.count / seconds.wall, cpu: data.count / seconds.cpu };
}

async function inferRate(model: tf.LayersModel, data: Dataset): Promise<Rate> {
  const x = tf.tensor4d(data.images, [data.count, 28, 28, 1]);
  // An asynchronous read: the webgpu backend has no synchronous one in Node.
  const pass = async () => {
    const y = model.predict(x, { batchSize: 256 }) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  await pass();
  const best = { wall: Infinity, cpu: Infinity };
  for (let i = 0; i < INFER_PASSES; i++) {
    const clock = startClock();
    await pass();
    const seconds = clock();
    best.wall = Math.min(best.wall, seconds.wall);
    best.cpu = Math.min(best.cpu, seconds.cpu);
  }
  x.dispose();
  return { wall: data.count / best.wall, cpu: data.count / best.cpu };
}

/** The layout bench/pytorch/engine.py reads: uint32 count, float32 images, uint8 labels. */
function writeDataset(path: string, data: Dataset): void {
  const count = new Uint32Array([data.count]);
  writeFileSync(path, Buffer.concat([Buffer.from(count.buffer), Buffer.from(data.images.buffer, data.images.byteOffset, data.images.byteLength), Buffer.from(data.labels)]));
}

interface PyTorch {
  readonly python: string;
  readonly dir: string;
}

/** One PyTorch run, or why it cannot run. */
function pytorchRun({ python, dir }: PyTorch, run: number): { ok: true; version: string; rates: Rates } | { ok: false; reason: string } {
  const script = new URL('../../bench/pytorch/engine.py', import.meta.url).pathname;
  const counts = (Object.keys(MODELS) as ModelName[]).map((m) => TRAIN_SAMPLES.wasm[m]).join(',');
  const res = spawnSync(python, [script, join(dir, 'train.bin'), join(dir, 'test.bin'), '--train-count', counts, '--passes', String(INFER_PASSES), '--warmup', String(WARMUP_SAMPLES), '--seed', String(run)], {
    encoding: 'utf8',
    // set_num_threads(1) alone leaves BLAS/OpenMP pools that kept both cores busy: pin them all to one thread.
    // glibc's malloc hands large freed blocks back to the kernel (mmap threshold, heap trim), so a process
    // could page-fault its ~6 MB activations anew every step: BigCNN then trained at ~460 samples/s instead
    // of ~1800, in some processes and not others. Keeping freed memory makes PyTorch steady at its fast speed.
    env: {
      ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1',
      GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=2147483647:glibc.malloc.trim_threshold=2147483647',
    },
  });
  if (res.error !== undefined) return { ok: false, reason: `${python}: ${res.error.message}` };
  if (res.status !== 0) return { ok: false, reason: `${python} ${script} exited with ${res.status}: ${res.stderr.trim().split('\n').at(-1)}` };
  const out = JSON.parse(res.stdout) as { version: string; models: Rates };
  return { ok: true, version: out.version, rates: out.models };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    runs: { type: 'string', default: '3' },
    backends: { type: 'string', default: 'wasm,wasm-direct,webgpu,tensorflow,cpu' },
    python: { type: 'string', default: process.env.SQUISH_BENCH_PYTHON ?? '/usr/bin/python3' },
  } });
  const runs = Number(values.runs);
  const split = await loadMnist10k();
  const dir = mkdtempSync(join(tmpdir(), 'squish-bench-'));
  writeDataset(join(dir, 'train.bin'), head(split.train, Math.max(...Object.values(TRAIN_SAMPLES.wasm))));
  writeDataset(join(dir, 'test.bin'), head(split.test, INFER_SAMPLES.wasm));
  const torch: PyTorch = { python: values.python, dir };

  const unavailable: Array<{ backend: string; reason: string }> = [];
  /** The engines measured: a backend, and for wasm whether Winograd is on (off: labelled `wasm-direct`). */
  const engines: Array<{ label: string; backend: ActiveBackend; winograd: boolean }> = [];
  for (const name of values.backends.split(',')) {
    const direct = name === 'wasm-direct';
    try {
      const backend = await initBackend((direct ? 'wasm' : name) as ActiveBackend);
      engines.push({ label: direct ? name : backend, backend, winograd: !direct });
    } catch (err) {
      unavailable.push({ backend: name, reason: (err as Error).message.split('\n')[0]! });
    }
  }
  const samples = new Map<string, Record<Measure, number[]>>();
  const record = (key: string, train: Rate, infer: Rate) => {
    const s = samples.get(key) ?? { train: [], infer: [], train_cpu: [], infer_cpu: [] };
    s.train.push(train.wall);
    s.infer.push(infer.wall);
    s.train_cpu.push(train.cpu);
    s.infer_cpu.push(infer.cpu);
    samples.set(key, s);
  };
  let pytorch: { version: string } | { reason: string } | undefined;
  // Interleaved: each run measures every engine once, so load from other jobs hits them alike.
  for (let run = 0; run < runs; run++) {
    for (const { label, backend, winograd } of engines) {
      await initBackend(backend);
      useWinograd(winograd);
      for (const [modelName, build] of Object.entries(MODELS) as Array<[ModelName, (o: { seed: number }) => tf.LayersModel]>) {
        const train = await trainRate(build, head(split.train, (TRAIN_SAMPLES[backend] ?? TRAIN_SAMPLES.wasm)[modelName]), run);
        const model = build({ seed: run });
        record(`${label}/${modelName}`, train, await inferRate(model, head(split.test, INFER_SAMPLES[backend] ?? INFER_SAMPLES.wasm)));
        model.dispose();
      }
    }
    if (pytorch === undefined || 'version' in pytorch) {
      const res = pytorchRun(torch, run);
      if (res.ok) {
        pytorch = { version: res.version };
        for (const m of Object.keys(MODELS) as ModelName[]) record(`pytorch/${m}`, res.rates[m].train, res.rates[m].infer);
      } else {
        pytorch = { reason: res.reason };
      }
    }
    process.stderr.write(`run ${run + 1}/${runs} done\n`);
  }
  rmSync(dir, { recursive: true });

  const measured = pytorch !== undefined && 'version' in pytorch;
  const results = [];
  for (const { label: backend } of engines) {
    for (const modelName of Object.keys(MODELS) as ModelName[]) {
      const s = samples.get(`${backend}/${modelName}`)!;
      const { train, infer } = PYTORCH_1T_REFERENCE[modelName];
      const ref = measured ? samples.get(`pytorch/${modelName}`)! : { train: [train], infer: [infer], train_cpu: [train], infer_cpu: [infer] };
      const table = (src: Record<Measure, number[]>) => Object.fromEntries(MEASURES.map((m) => [m, summary(src[m])]));
      const ratioTo = (pick: (xs: number[]) => number) => Object.fromEntries(MEASURES.map((m) => [m, +(median(s[m]) / pick(ref[m])).toFixed(3)])) as Record<Measure, number>;
      const ratios = ratioTo(median);
      // PyTorch's own speed still varies between processes on a shared host; against its fastest run, a slow one cannot flatter us.
      const strict = measured ? ratioTo((xs) => Math.max(...xs)) : undefined;
      results.push({
        backend, model: modelName,
        samples_per_s: table(s),
        pytorch_1thread_samples_per_s: measured ? table(ref) : 'reference figures (PyTorch not run)',
        ratio_to_pytorch_1thread: ratios,
        ...(strict && { ratio_to_pytorch_fastest_run: strict }),
      });
      process.stderr.write(`${backend} ${modelName}: ratio to PyTorch ${JSON.stringify(ratios)}${strict ? `, to its fastest run ${JSON.stringify(strict)}` : ''}\n`);
    }
  }
  const require = createRequire(import.meta.url);
  const version = (pkg: string) => (require(`${pkg}/package.json`) as { version: string }).version;
  process.stdout.write(`${JSON.stringify({
    benchmark: 'engine',
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}`, wasmThreads: 1, pytorchThreads: 1 },
    versions: { tfjs: version('@tensorflow/tfjs'), tfjsBackendWasm: version('@tensorflow/tfjs-backend-wasm'), pytorch: measured ? (pytorch as { version: string }).version : null },
    runs,
    pytorch: measured ? { measured: true, python: values.python } : { measured: false, reason: (pytorch as { reason: string } | undefined)?.reason ?? 'no runs', reference: { source: 'shared/benchmarks/peers.md, PyTorch 1.13.1, 1 thread, same machine type', ...PYTORCH_1T_REFERENCE } },
    unavailable,
    results,
  }, null, 2)}\n`);
}

await main();

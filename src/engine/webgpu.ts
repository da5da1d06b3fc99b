/**
 * The webgpu backend in Node: TF.js's WebGPU kernels on Dawn, Chrome's WebGPU implementation, through
 * its Node binding (npm `webgpu`, prebuilt). Dawn drives the GPU through Vulkan, so an NVIDIA, AMD or
 * Intel GPU needs only the Vulkan loader (Debian `libvulkan1`) and the driver's Vulkan ICD: no CUDA.
 *
 * Environment:
 * - SQUISH_WEBGPU_OPTS: space-separated Dawn options, e.g. `backend=vulkan` or `adapter=<name>`.
 *   `backend=opengles` (with EGL_PLATFORM=surfaceless) runs on Mesa's OpenGL ES drivers at WebGPU's
 *   compatibility feature level.
 * - SQUISH_WEBGPU_ALLOW_SOFTWARE=1: accept a software adapter (Mesa's llvmpipe/lavapipe, SwiftShader).
 *   Without it only a GPU is used: a software adapter is slower than the wasm backend.
 *
 * Each thread (the main one, each piscina worker) starts its own Dawn instance and device.
 * Dawn keeps nothing alive: processes and workers exit on their own (test/engine/webgpu.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BackendUnavailableError, InputError, SquishError } from '../errors.js';

export interface WebGpuSettings {
  /** Options for Dawn's `create()`, from SQUISH_WEBGPU_OPTS. Defaults to none: Dawn picks Vulkan on Linux. */
  readonly dawnOptions: readonly string[];
  /** From SQUISH_WEBGPU_ALLOW_SOFTWARE. Defaults to false. */
  readonly allowSoftware: boolean;
}

/** What Dawn reports about the adapter it chose: the `vulkaninfo --summary` of WebGPU. */
export interface WebGpuAdapterSummary {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** True for CPU rasterisers: Dawn's isFallbackAdapter misses them on OpenGL ES, so names count too. */
  readonly software: boolean;
  readonly featureLevel: 'core' | 'compatibility';
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly features: readonly string[];
}

/** GPUAdapterInfo as Dawn fills it; @webgpu/types has isFallbackAdapter on the adapter, Dawn on its info. */
interface DawnAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly isFallbackAdapter?: boolean;
}

interface Probe {
  /** Held for the thread's lifetime: Dawn destroys its instance when this is collected, under live devices. */
  readonly gpu?: GPU;
  readonly adapter?: GPUAdapter;
  readonly summary?: WebGpuAdapterSummary;
  /** Why there is no adapter, with what to install. */
  readonly problem?: string;
}

const SOFTWARE_RENDERERS = /llvmpipe|lavapipe|softpipe|swiftshader/i;
const GL_BACKENDS = new Set(['opengl', 'opengles']);

const INSTALL_VULKAN = [
  'The webgpu backend drives the GPU through Vulkan (Dawn). It needs:',
  '  - the Vulkan loader libvulkan.so.1:  apt-get install libvulkan1',
  "  - your GPU driver's Vulkan ICD: NVIDIA's driver ships it (libGLX_nvidia.so.0 + /usr/share/vulkan/icd.d/nvidia_icd.json;",
  '    in Docker use NVIDIA_DRIVER_CAPABILITIES=all) and needs glvnd: apt-get install libglvnd0 libegl1 libglx0;',
  '    AMD/Intel: apt-get install mesa-vulkan-drivers.',
  'Check with  vulkaninfo --summary  (apt-get install vulkan-tools). Or use --backend wasm, which works on any machine.',
].join('\n');

/** Reads the settings from the environment; rejects values it does not understand. */
export function webGpuSettings(env: NodeJS.ProcessEnv = process.env): WebGpuSettings {
  const dawnOptions = (env.SQUISH_WEBGPU_OPTS ?? '').split(/\s+/).filter(Boolean);
  for (const option of dawnOptions) {
    if (!/^[\w-]+=\S+$/.test(option)) {
      throw new InputError(`SQUISH_WEBGPU_OPTS must be space-separated Dawn options key=value (e.g. backend=vulkan), but got '${option}'`);
    }
  }
  const allow = env.SQUISH_WEBGPU_ALLOW_SOFTWARE ?? '0';
  if (allow !== '0' && allow !== '1') {
    throw new InputError(`SQUISH_WEBGPU_ALLOW_SOFTWARE must be 0 or 1, but got '${allow}'`);
  }
  return { dawnOptions, allowSoftware: allow === '1' };
}

function dawnBackend(settings: WebGpuSettings): string | undefined {
  return settings.dawnOptions.find((o) => o.startsWith('backend='))?.slice('backend='.length);
}

/**
 * Whether the dynamic linker finds `name` as Dawn's dlopen will. Node's dlopen of a library that is no
 * addon loads it, then fails with "did not self-register"; a missing one fails with dlerror's text.
 */
function libraryProblem(name: string): string | undefined {
  try {
    process.dlopen({ exports: {} }, name);
  } catch (err) {
    const message = (err as Error).message;
    return /did not self-register/.test(message) ? undefined : message;
  }
  return undefined;
}

/** The Vulkan driver manifests the loader reads, in its search order (VK_DRIVER_FILES replaces the defaults). */
export function vulkanDriverManifests(env: NodeJS.ProcessEnv = process.env): string[] {
  const explicit = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  const home = env.HOME ?? homedir();
  const roots = explicit !== undefined ? explicit.split(':') : [
    join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'vulkan/icd.d'),
    ...(env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(':').map((d) => join(d, 'vulkan/icd.d')),
    '/etc/vulkan/icd.d',
    join(env.XDG_DATA_HOME ?? join(home, '.local/share'), 'vulkan/icd.d'),
    ...(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(':').map((d) => join(d, 'vulkan/icd.d')),
  ];
  const found = new Set<string>();
  for (const root of [...roots, ...(env.VK_ADD_DRIVER_FILES ?? '').split(':')]) {
    if (root === '' || !existsSync(root)) continue;
    if (statSync(root).isDirectory()) {
      for (const file of readdirSync(root).sort()) if (file.endsWith('.json')) found.add(join(root, file));
    } else {
      found.add(root);
    }
  }
  return [...found];
}

/**
 * The device nodes through which Linux drivers reach a GPU (NVIDIA, DRM render nodes, WSL2). Without
 * one, Dawn can only find software renderers, so `auto` skips starting it (about a second, and its
 * warnings on stderr). Undefined off Linux, where nothing is checked.
 */
export function gpuDeviceNodes(): string[] | undefined {
  if (process.platform !== 'linux') return undefined;
  const nodes = existsSync('/dev/dxg') ? ['/dev/dxg'] : [];
  for (const [dir, pattern] of [['/dev', /^nvidia\d+$/], ['/dev/dri', /^renderD\d+$/]] as const) {
    if (existsSync(dir)) nodes.push(...readdirSync(dir).filter((f) => pattern.test(f)).map((f) => join(dir, f)));
  }
  return nodes;
}

const NO_GPU_DEVICE = 'no GPU device is visible (no /dev/nvidia0, /dev/dri/renderD*, /dev/dxg): is the GPU driver loaded? In Docker pass the GPU (--gpus all).';

/** What is missing for Dawn to see a GPU, checked without starting Dawn; undefined when nothing obvious is. */
function missingPrerequisite(settings: WebGpuSettings, env: NodeJS.ProcessEnv): string | undefined {
  const backend = dawnBackend(settings);
  if (backend !== undefined && GL_BACKENDS.has(backend)) {
    const egl = libraryProblem('libEGL.so');
    return egl === undefined ? undefined
      : `Dawn's ${backend} backend needs libEGL.so (${egl}): apt-get install libegl-dev libegl-mesa0, and set EGL_PLATFORM=surfaceless.`;
  }
  const loader = libraryProblem('libvulkan.so.1');
  if (loader !== undefined) return `No Vulkan loader (${loader}).\n${INSTALL_VULKAN}`;
  if (vulkanDriverManifests(env).length === 0) {
    return `The Vulkan loader is installed, but no Vulkan driver is: no ICD manifest (*.json) in /usr/share/vulkan/icd.d, /etc/vulkan/icd.d or VK_DRIVER_FILES.\n${INSTALL_VULKAN}`;
  }
  return undefined;
}

function summarize(adapter: GPUAdapter, featureLevel: WebGpuAdapterSummary['featureLevel']): WebGpuAdapterSummary {
  const info = adapter.info as unknown as DawnAdapterInfo;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    software: info.isFallbackAdapter === true || info.architecture === 'software' || SOFTWARE_RENDERERS.test(`${info.device} ${info.description}`),
    featureLevel,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
    features: [...adapter.features].sort(),
  };
}

async function probe(settings: WebGpuSettings, env: NodeJS.ProcessEnv): Promise<Probe> {
  const missing = missingPrerequisite(settings, env);
  if (missing !== undefined) return { problem: missing };
  const { create, globals } = await import('webgpu');
  // tfjs-backend-webgpu uses the browser's constants (GPUBufferUsage, GPUMapMode, …) as globals.
  Object.assign(globalThis, globals);
  const gpu = create([...settings.dawnOptions]);
  const backend = dawnBackend(settings);
  // OpenGL ES offers only WebGPU's compatibility level; `featureLevel` is newer than @webgpu/types.
  const featureLevel = backend !== undefined && GL_BACKENDS.has(backend) ? 'compatibility' : 'core';
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel } as GPURequestAdapterOptions);
  if (adapter === null) {
    const manifests = vulkanDriverManifests(env);
    // Seen on an H200 image without graphics packages: NVIDIA's ICD loads, then fails to create an instance.
    const glvnd = ['libGLdispatch.so.0', 'libEGL.so.1', 'libGLX.so.0'].filter((lib) => libraryProblem(lib) !== undefined);
    return {
      gpu,
      problem: backend !== undefined && GL_BACKENDS.has(backend)
        ? `Dawn found no ${backend} adapter with SQUISH_WEBGPU_OPTS='${settings.dawnOptions.join(' ')}' (EGL_PLATFORM=${env.EGL_PLATFORM ?? 'unset'}; headless machines need surfaceless).`
        : `Dawn found no usable GPU although Vulkan drivers are installed (${manifests.join(', ')}).${glvnd.length > 0 ? ` glvnd is missing (${glvnd.join(', ')}): apt-get install libglvnd0 libegl1 libglx0.` : ''} The driver may not match the kernel module, or its libraries are missing (NVIDIA: libGLX_nvidia.so.0 or libEGL_nvidia.so.0, libnvidia-glvkspirv.so.<version>; a driver outside /usr also needs __EGL_VENDOR_LIBRARY_FILENAMES=<driver>/share/glvnd/egl_vendor.d/10_nvidia.json). Debug with  VK_LOADER_DEBUG=driver vulkaninfo --summary.\n${INSTALL_VULKAN}`,
    };
  }
  return { gpu, adapter, summary: summarize(adapter, featureLevel) };
}

/** One Dawn instance per thread: an adapter gives one device, and tfjs registers its backend once. */
let probed: Promise<Probe> | undefined;
let registered = false;

/** The adapter Dawn chose on this thread, starting Dawn on first use; undefined when there is none. */
export async function webGpuAdapter(env: NodeJS.ProcessEnv = process.env): Promise<WebGpuAdapterSummary | undefined> {
  probed ??= probe(webGpuSettings(env), env);
  return (await probed).summary;
}

/** Whether `auto` should take webgpu: a GPU is there, or a software adapter and SQUISH_WEBGPU_ALLOW_SOFTWARE=1. */
export async function webGpuUsable(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const { allowSoftware } = webGpuSettings(env);
  if (!allowSoftware && gpuDeviceNodes()?.length === 0) return false;
  const summary = await webGpuAdapter(env);
  return summary !== undefined && (!summary.software || allowSoftware);
}

/**
 * Registers tfjs's webgpu backend on the vetted adapter, or throws BackendUnavailableError saying what
 * to install. `tf.setBackend('webgpu')` then creates the device.
 */
export async function prepareWebGpu(env: NodeJS.ProcessEnv = process.env): Promise<WebGpuAdapterSummary> {
  const settings = webGpuSettings(env);
  if (!settings.allowSoftware && gpuDeviceNodes()?.length === 0) {
    throw new BackendUnavailableError(`--backend webgpu: ${NO_GPU_DEVICE} Without a GPU only a software renderer could run it, slower than --backend wasm; SQUISH_WEBGPU_ALLOW_SOFTWARE=1 allows one.`);
  }
  probed ??= probe(settings, env);
  const { adapter, summary, problem } = await probed;
  if (adapter === undefined || summary === undefined) throw new BackendUnavailableError(`--backend webgpu: ${problem}`);
  if (summary.software && !settings.allowSoftware) {
    throw new BackendUnavailableError(`--backend webgpu: the only WebGPU adapter is a software renderer (${summary.device}, ${summary.description}), slower than --backend wasm. Set SQUISH_WEBGPU_ALLOW_SOFTWARE=1 to use it anyway.\n${INSTALL_VULKAN}`);
  }
  if (!registered) {
    // tfjs-backend-webgpu registers its backend at import time only if navigator.gpu exists (Node 20
    // has no navigator), and its factory asks navigator.gpu for an adapter: answer with the vetted one.
    const nav = (globalThis as { navigator?: object }).navigator ?? {};
    Object.defineProperty(nav, 'gpu', { value: { requestAdapter: async () => adapter }, configurable: true });
    Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    explainSyncReads(WebGPUBackend.prototype);
    transposeIntegersAsFloats();
    registered = true;
  }
  return summary;
}

/**
 * tfjs reads GPU tensors synchronously (dataSync, arraySync) through an OffscreenCanvas, which Node does
 * not have, and WebGPU offers no other blocking read: replace the resulting ReferenceError by the fix.
 */
function explainSyncReads(proto: { readSync(dataId: object): unknown }): void {
  const readSync = proto.readSync;
  proto.readSync = function (this: unknown, dataId: object) {
    try {
      return readSync.call(this, dataId);
    } catch (err) {
      if (err instanceof ReferenceError && /OffscreenCanvas/.test(err.message)) {
        throw new SquishError('The webgpu backend cannot read a GPU tensor synchronously in Node: use `await tensor.data()` or `await tensor.array()` instead of dataSync()/arraySync().');
      }
      throw err;
    }
  };
}

/**
 * tfjs-backend-webgpu 4.22's Transpose indexes its input buffer raw, so a buffer that is not float32
 * (int32, bool, or a float32 tensor cast from them: upcasts share the buffer) makes an invalid shader
 * (WGSL "type mismatch … expected 'f32', got 'i32'") and zeros come back without an error. Such inputs
 * are converted first: a multiplication by one reads through converting getters and writes float32.
 * Exact for integers below 2^24.
 */
function transposeIntegersAsFloats(): void {
  const transpose = tf.getKernel(tf.Transpose, 'webgpu');
  const multiply = tf.getKernel(tf.Multiply, 'webgpu');
  const cast = tf.getKernel(tf.Cast, 'webgpu');
  tf.unregisterKernel(tf.Transpose, 'webgpu');
  tf.registerKernel({
    ...transpose,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const x = inputs.x as tf.TensorInfo;
      const gpu = backend as unknown as WebGpuBackendData;
      if (gpu.tensorMap.get(x.dataId).dtype === 'float32') return transpose.kernelFunc({ inputs, backend, attrs });
      const one = gpu.makeTensorInfo([], 'float32', new Float32Array([1]));
      const asFloat = multiply.kernelFunc({ inputs: { a: { ...x, dtype: 'float32' }, b: one }, backend, attrs: {} }) as tf.TensorInfo;
      const moved = transpose.kernelFunc({ inputs: { x: asFloat }, backend, attrs }) as tf.TensorInfo;
      const out = x.dtype === 'float32' ? moved : cast.kernelFunc({ inputs: { x: moved }, backend, attrs: { dtype: x.dtype } }) as tf.TensorInfo;
      for (const t of [one, asFloat, moved]) if (t !== out) gpu.disposeData(t.dataId);
      return out;
    },
  });
}

/** The parts of tfjs's WebGPUBackend used above; its TypeScript types keep them private. */
interface WebGpuBackendData {
  readonly tensorMap: { get(dataId: object): { readonly dtype: tf.DataType } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
  disposeData(dataId: object): void;
}
